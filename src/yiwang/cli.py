"""The ``yiwang`` console script: demo, serve, worker, seed, bench, worktime, manage.

Sub-commands that belong to an app live in that app (``yiwang.worktime.cli``); this module only
dispatches, so ``yiwang --help`` lists everything in one place.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import signal
import subprocess
import sys
import time

from yiwang import config

BENCH_DIR = config.PROJECT_ROOT / "bench"


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.settings")
    import django

    try:
        django.setup()
    except config.ConfigError as exc:
        sys.exit(f"yiwang: configuration error: {exc}")


def cmd_manage(argv: list[str]) -> int:
    _setup_django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["yiwang manage", *argv])
    return 0


def _prepare(seed_scale: str | None) -> None:
    """Migrate, and seed when asked (idempotent)."""
    _setup_django()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    if seed_scale:
        from yiwang.core.seed import run_seed

        run_seed(scale=seed_scale, random_seed=20230714)


def _serve(host: str, port: int, with_worker: bool = True) -> int:
    """Run granian (WSGI) and the Huey consumer as child processes until interrupted."""
    from django.conf import settings

    if not settings.DEBUG:
        from django.core.management import call_command

        call_command("collectstatic", interactive=False, verbosity=0)
    env = dict(os.environ)
    web = [
        sys.executable,
        "-m",
        "granian",
        "--interface",
        "wsgi",
        "--host",
        host,
        "--port",
        str(port),
        "--workers",
        str(config.get("YIWANG_WEB_WORKERS")),
        "--blocking-threads",
        str(config.get("YIWANG_WEB_THREADS")),
        "--backpressure",
        str(4 * config.get("YIWANG_WEB_THREADS")),
        "--no-ws",
        "yiwang.wsgi:application",
    ]
    children = [subprocess.Popen(web, env=env)]  # noqa: S603 — fixed argv, no shell
    if with_worker:
        worker = [sys.executable, "-m", "yiwang.cli", "worker"]
        children.append(subprocess.Popen(worker, env=env))  # noqa: S603

    def stop(*_):
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGINT)

    signal.signal(signal.SIGTERM, stop)
    try:
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        stop()
        for child in children:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
    return max((child.returncode or 0) for child in children)


def cmd_serve(args) -> int:
    _prepare(None)
    return _serve(args.host, args.port)


def cmd_demo(args) -> int:
    from rich.console import Console
    from rich.table import Table

    _prepare(args.scale)
    from yiwang.core.seed import DEMO_ACCOUNTS

    console = Console()
    table = Table(title="yiwang demo accounts / 演示账号", show_lines=False)
    for column in ("username", "password", "who"):
        table.add_column(column)
    for username, password, who in DEMO_ACCOUNTS:
        table.add_row(username, password, who)
    console.print(table)
    console.print(f"[bold green]Serving on http://{args.host}:{args.port}/[/]  (Ctrl-C stops)")
    return _serve(args.host, args.port)


def cmd_worker(args) -> int:
    _setup_django()
    from django.core.management import call_command

    call_command("run_huey", workers=config.get("YIWANG_WORKER_CONCURRENCY"), worker_type="thread")
    return 0


def cmd_seed(args) -> int:
    _prepare(None)
    from yiwang.core.seed import run_seed

    run_seed(scale=args.scale, random_seed=args.random_seed)
    return 0


def _bench_names() -> list[str]:
    return sorted(
        p.stem.replace("_", "-") for p in BENCH_DIR.glob("*.py") if not p.stem.startswith("_")
    )


def cmd_bench(args, rest: list[str]) -> int:
    path = BENCH_DIR / f"{args.name.replace('-', '_')}.py"
    if path.stem.startswith("_") or not path.exists():  # _common.py and co. are helpers
        sys.exit(f"yiwang: unknown benchmark {args.name!r}; available: {', '.join(_bench_names())}")
    if str(BENCH_DIR) not in sys.path:
        sys.path.insert(0, str(BENCH_DIR))  # the scripts share bench/_common.py
    spec = importlib.util.spec_from_file_location(f"yiwang_bench_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return int(module.main(rest) or 0)


def cmd_worktime(rest: list[str]) -> int:
    from yiwang.worktime.cli import main as worktime_main

    _setup_django()
    return worktime_main(rest)


def cmd_hotline(rest: list[str]) -> int:
    from yiwang.hotline.cli import main as hotline_main

    _setup_django()
    return hotline_main(rest)


def cmd_catalog(rest: list[str]) -> int:
    from yiwang.catalog.cli import main as catalog_main

    _setup_django()
    return catalog_main(rest)


def cmd_registry(rest: list[str]) -> int:
    from yiwang.registry.cli import main as registry_main

    _setup_django()
    return registry_main(rest)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="yiwang", description="yiwang digital-government platform"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    port = int(os.environ.get("PORT", "8000"))

    demo = sub.add_parser("demo", help="migrate, seed the demo city, serve web + worker")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=port)
    demo.add_argument("--scale", choices=["small", "city"], default="small")

    serve = sub.add_parser("serve", help="serve web (granian) and the task worker")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=port)

    sub.add_parser("worker", help="run the task worker only")

    seed = sub.add_parser("seed", help="seed demo data (idempotent)")
    seed.add_argument("--scale", choices=["small", "city"], default="small")
    seed.add_argument("--random-seed", type=int, default=20230714)

    bench = sub.add_parser("bench", help="run a benchmark from bench/ (prints JSON last)")
    bench.add_argument("name")

    sub.add_parser(
        "worktime", help="working-time calendar: deadline, between, import, years", add_help=False
    )
    sub.add_parser(
        "hotline",
        help="12345 hotline: evaluate-dispatch, train-dispatch, fetch-mail",
        add_help=False,
    )
    sub.add_parser("catalog", help="service-item catalogue: import, export", add_help=False)
    sub.add_parser("registry", help="enterprise registry (一企一档): import", add_help=False)
    sub.add_parser("manage", help="Django management commands", add_help=False)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "manage":
        return cmd_manage(argv[1:])
    if argv and argv[0] == "worktime":
        return cmd_worktime(argv[1:])
    if argv and argv[0] == "hotline":
        return cmd_hotline(argv[1:])
    if argv and argv[0] == "catalog":
        return cmd_catalog(argv[1:])
    if argv and argv[0] == "registry":
        return cmd_registry(argv[1:])
    parser = build_parser()
    if argv and argv[0] == "bench":
        args, rest = parser.parse_known_args(argv)
        return cmd_bench(args, rest)
    args = parser.parse_args(argv)
    handler = {"demo": cmd_demo, "serve": cmd_serve, "worker": cmd_worker, "seed": cmd_seed}
    return handler[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
