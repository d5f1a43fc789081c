"""``yiwang hotline``: the dispatch classifier from the shell.

    yiwang hotline evaluate-dispatch [--city CODE] [--test-size 0.2] [--seed N] [--min-closed N]
    yiwang hotline train-dispatch [--city CODE]
    yiwang hotline fetch-mail [--maildir PATH] [--limit N]

``evaluate-dispatch`` trains on a stratified split of the city's closed orders and reports on
the held-out rest: accuracy, top-3 accuracy and per-unit precision/recall as a table, then one
JSON line (last line of stdout). With fewer than ``--min-closed`` closed orders (default
:data:`yiwang.hotline.suggestions.MIN_CLOSED_ORDERS`) it evaluates on the generated corpus
instead and says so. ``train-dispatch`` trains and saves the model the web processes use (what
the weekly task does). ``fetch-mail`` turns the new messages of the hotline Maildir into work
orders (what the task does every minute; docs/modules/hotline-mail.md) and prints one JSON line
per message, then a summary line. Exit codes: 0 done, 1 another fetch holds the Maildir, 2 bad
input. Django is set up by the caller.
"""

from __future__ import annotations

import argparse
import json
import sys

EXIT_OK = 0
EXIT_BUSY = 1
EXIT_BAD_INPUT = 2


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):
        raise UsageError(f"{self.prog}: {message}")


def _fraction(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number") from None
    if not 0 < number < 1:
        raise argparse.ArgumentTypeError(f"{value} must be between 0 and 1 (e.g. 0.2)")
    return number


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"{value} must be at least 1")
    return number


def build_parser() -> argparse.ArgumentParser:
    from yiwang.hotline.suggestions import MIN_CLOSED_ORDERS

    parser = _Parser(prog="yiwang hotline", description="12345 hotline tools")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    evaluate = sub.add_parser("evaluate-dispatch", help="held-out quality of the dispatch model")
    evaluate.add_argument("--city", help="city organisation code (default: the first city)")
    evaluate.add_argument("--test-size", type=_fraction, default=0.2)
    evaluate.add_argument("--seed", type=int, default=0)
    evaluate.add_argument(
        "--min-closed",
        type=int,
        default=MIN_CLOSED_ORDERS,
        help=f"closed orders needed to evaluate on them (default {MIN_CLOSED_ORDERS})",
    )
    train = sub.add_parser("train-dispatch", help="train and save the city's dispatch model")
    train.add_argument("--city", help="city organisation code (default: every city)")
    fetch = sub.add_parser("fetch-mail", help="turn the hotline Maildir's new mail into orders")
    fetch.add_argument("--maildir", help="Maildir to read (default: YIWANG_HOTLINE_MAILDIR)")
    fetch.add_argument("--limit", type=_positive, help="at most this many messages")
    return parser


def _city(code: str | None) -> tuple[int, str]:
    from yiwang.core.choices import OrgKind
    from yiwang.hotline.models import WorkOrder

    orgs = WorkOrder._meta.get_field("city").related_model.objects.filter(kind=OrgKind.CITY)
    city = orgs.filter(code=code).first() if code else orgs.order_by("id").first()
    if city is None:
        raise UsageError(
            f"yiwang hotline: no city with code {code!r}" if code else "yiwang hotline: no city"
        )
    return city.pk, city.name


def cmd_evaluate(args) -> int:
    from rich.console import Console
    from rich.table import Table

    from yiwang.hotline import suggestions
    from yiwang.hotline.classifier import DispatchClassifier
    from yiwang.hotline.textgen import generate_requests

    console = Console(file=sys.stdout, width=120)
    city_id, city_name = _city(args.city)
    closed = suggestions.closed_order_samples(city_id)
    source = "closed_orders"
    if len(closed) < max(args.min_closed, 2):
        source = "generated"
        samples = [
            (r.text, r.unit)
            for r in generate_requests(suggestions.COLD_START_SAMPLES, seed=args.seed or 1)
        ]
        names = {u: u for _, u in samples}
        console.print(
            f"{city_name}: only {len(closed)} closed orders (< {args.min_closed}); "
            f"evaluating on the generated corpus ({len(samples)} texts) instead."
        )
    else:
        samples = closed
        names = suggestions.unit_label_names(city_id, [u for _, u in samples])
        console.print(f"{city_name}: evaluating on {len(samples)} closed orders.")
    try:
        report = DispatchClassifier().evaluate(samples, test_size=args.test_size, seed=args.seed)
    except ValueError as exc:
        print(f"yiwang hotline: cannot evaluate: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    table = Table(
        title=(
            f"dispatch model — accuracy {report.accuracy:.3f}, top-3 {report.top3_accuracy:.3f}, "
            f"train {report.n_train} / test {report.n_test}"
        )
    )
    for column in ("unit", "precision", "recall", "f1", "support"):
        table.add_column(column, justify="left" if column == "unit" else "right")
    for unit, m in sorted(report.per_unit.items(), key=lambda kv: -kv[1].support):
        table.add_row(
            names.get(unit, unit), f"{m.precision:.3f}", f"{m.recall:.3f}", f"{m.f1:.3f}",
            str(m.support),
        )  # fmt: skip
    console.print(table)
    result = report.as_dict()
    result["per_unit"] = {names.get(u, u): v for u, v in result["per_unit"].items()}
    result.update(city=city_name, source=source, closed_orders=len(closed))
    sys.stdout.write(json.dumps(result, ensure_ascii=False, sort_keys=True) + "\n")
    return EXIT_OK


def cmd_train(args) -> int:
    from yiwang.hotline import suggestions

    city_id = _city(args.city)[0] if args.city else None
    results = suggestions.retrain(city_id)
    failed = False
    for city, summary in results.items():
        failed = failed or "error" in summary
        sys.stdout.write(json.dumps({"city_id": city, **summary}, ensure_ascii=False) + "\n")
    return EXIT_BAD_INPUT if failed else EXIT_OK


def cmd_fetch_mail(args) -> int:
    from pathlib import Path

    from yiwang.core.context import bind
    from yiwang.hotline.mail import mail_fetch, maildir_path

    root = Path(args.maildir) if args.maildir else maildir_path()
    if root is None:
        raise UsageError(
            "yiwang hotline: no Maildir (give --maildir or set YIWANG_HOTLINE_MAILDIR)"
        )
    if root.exists() and not root.is_dir():
        raise UsageError(f"yiwang hotline: {root} is not a directory")
    with bind(channel="cli"):
        outcomes = mail_fetch(maildir=root, limit=args.limit)
    if outcomes is None:
        print(f"yiwang hotline: another fetch is reading {root}; try again", file=sys.stderr)
        return EXIT_BUSY
    summary: dict[str, int] = {}
    for outcome in outcomes:
        summary[outcome.status] = summary.get(outcome.status, 0) + 1
        sys.stdout.write(json.dumps(outcome.as_dict(), ensure_ascii=False) + "\n")
    sys.stdout.write(
        json.dumps({"maildir": str(root), "messages": len(outcomes), **summary}) + "\n"
    )
    return EXIT_OK


def main(argv: list[str]) -> int:
    try:
        args = build_parser().parse_args(argv)
        handler = {
            "evaluate-dispatch": cmd_evaluate,
            "train-dispatch": cmd_train,
            "fetch-mail": cmd_fetch_mail,
        }
        return handler[args.command](args)
    except UsageError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_BAD_INPUT
