"""``yiwang registry``: the enterprise registry from the shell (format: docs/modules/registry.md).

    yiwang registry import FILE [--city CODE] [--source market|tax|statistics|science]

Imports a CSV (UTF-8 or GBK, decided from the bytes) or .xlsx file into the city's registry as
the platform (audited with no actor), streaming it with a progress bar over the bytes read. The
file is read in place (no copy is stored). Prints one JSON line ``{"job", "status", "rows",
"created", "updated", "unchanged", "failed", "error_report"}``; exit code 0 when the job ran
(even with refused rows: they are in the error report, written next to the file as
``FILE-errors.csv``), 2 when the file cannot be read at all or the arguments are wrong.
``--city`` defaults to the only city (organisation code, e.g. ``zh``). Django is set up by the
caller.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

EXIT_OK = 0
EXIT_BAD_INPUT = 2
SOURCES = ("market", "tax", "statistics", "science")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):
        print(f"{self.prog}: {message}", file=sys.stderr)
        raise SystemExit(EXIT_BAD_INPUT)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="yiwang registry", description="the enterprise registry (一企一档)")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    load = sub.add_parser("import", help="import enterprises from a CSV or .xlsx file")
    load.add_argument("file", help="path of the CSV or .xlsx file")
    load.add_argument("--city", help="organisation code of the city (default: the only city)")
    load.add_argument(
        "--source", choices=SOURCES, default="market", help="department the file comes from"
    )
    return parser


def _city(code: str | None) -> int | None:
    from yiwang.core import facade as core
    from yiwang.core.choices import OrgKind

    if code:
        ref = core.organisation_by_code(code)
        if ref is None or ref.kind != OrgKind.CITY:
            print(f"yiwang registry import: no city with code {code!r}", file=sys.stderr)
            return None
        return ref.id
    cities = core.cities()
    if len(cities) != 1:
        names = ", ".join(c.name for c in cities) or "none"
        print(f"yiwang registry import: give --city (cities: {names})", file=sys.stderr)
        return None
    return cities[0].id


def _import(path: str, city_code: str | None, source: str) -> int:
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from yiwang.core.context import bind
    from yiwang.core.errors import DomainError
    from yiwang.registry.services.imports import import_file

    file = Path(path)
    if not file.is_file():
        print(f"yiwang registry import: cannot read {path}: no such file", file=sys.stderr)
        return EXIT_BAD_INPUT
    city_id = _city(city_code)
    if city_id is None:
        return EXIT_BAD_INPUT
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TextColumn("{task.fields[rows]} rows, {task.fields[failed]} refused"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=False) as progress:
        task = progress.add_task(
            f"importing {file.name}", total=file.stat().st_size, rows=0, failed=0
        )

        def advance(job) -> None:
            progress.update(task, completed=job.bytes_read, rows=job.rows, failed=job.failed)

        try:
            with bind(channel="cli"):
                job = import_file(
                    actor=None, path=str(file), source=source, city_id=city_id, progress=advance
                )
        except DomainError as exc:
            for error in exc.errors or [{"message": exc.message}]:
                print(f"error: {error['message']}", file=sys.stderr)
            return EXIT_BAD_INPUT
    report = None
    if job.failed:
        report = file.with_name(f"{file.stem}-errors.csv")
        from yiwang.registry.reports import error_report_response

        response = error_report_response(job)
        with report.open("wb") as out:
            for chunk in response.streaming_content if response.streaming else [response.content]:
                out.write(chunk)
    print(
        json.dumps(
            {
                "job": job.pk,
                "status": job.status,
                "encoding": job.encoding,
                "rows": job.rows,
                "created": job.created,
                "updated": job.updated,
                "unchanged": job.unchanged,
                "failed": job.failed,
                "unknown_columns": job.unknown_columns,
                "message": job.message,
                "error_report": str(report) if report else None,
            },
            ensure_ascii=False,
        )
    )
    return EXIT_OK if job.status == "done" else EXIT_BAD_INPUT


def main(argv: list[str]) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # usage errors (2) and --help (0) as exit codes
        return int(exc.code or 0)
    return _import(args.file, args.city, args.source)
