"""``yiwang worktime``: deadlines and office time from the shell; calendar import and coverage.

    yiwang worktime deadline --start 2026-09-30T16:20:00+08:00 --working-days 2
    yiwang worktime deadline --start 2026-09-30T16:20:00+08:00 --working-hours 1
    yiwang worktime between --start A --end B [--pause A/B ...]
    yiwang worktime import --calendar CN --file 2027.csv [--year 2027] [--actor USERNAME]
    yiwang worktime years [--calendar CN]

Results go to stdout, warnings and errors to stderr. Exit codes: 0 done, 1 refused
(permission, conflict), 2 bad input.
Django is set up by the caller (``yiwang.cli``); this module imports it lazily.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path

from yiwang.core.errors import DomainError, InvalidInput, NotFound

EXIT_OK = 0
EXIT_REFUSED = 1  # permission denied, conflict
EXIT_BAD_INPUT = 2


class UsageError(Exception):
    """Bad command-line input: printed to stderr, exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse would sys.exit(2) itself; we return 2 instead
        raise UsageError(f"{self.prog}: {message}")


def _instant(value: str) -> dt.datetime:
    """An ISO 8601 instant with an explicit offset."""
    try:
        parsed = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not an ISO 8601 date and time (e.g. 2026-09-30T16:20:00+08:00)"
        ) from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise argparse.ArgumentTypeError(
            f"{value!r} has no time zone offset; add one, e.g. {value}+08:00"
        )
    return parsed


def _days(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number of days") from None
    if number < 0:
        raise argparse.ArgumentTypeError(f"{value} is negative; working days must be ≥ 0")
    return number


def _hours(value: str) -> Decimal:
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of hours") from None
    if not number.is_finite():
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of hours")
    if number < 0:
        raise argparse.ArgumentTypeError(f"{value} is negative; working hours must be ≥ 0")
    return number


def _pause(value: str) -> tuple[dt.datetime, dt.datetime]:
    start, sep, end = value.partition("/")
    if not sep:
        raise argparse.ArgumentTypeError(f"{value!r}: a pause is START/END (two ISO instants)")
    return _instant(start), _instant(end)


def _year(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a year") from None


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="yiwang worktime", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    deadline = sub.add_parser("deadline", help="deadline after N working days or hours")
    deadline.add_argument("--start", type=_instant, required=True, help="ISO instant with offset")
    amount = deadline.add_mutually_exclusive_group(required=True)
    amount.add_argument("--working-days", type=_days, metavar="N")
    amount.add_argument("--working-hours", type=_hours, metavar="H")
    deadline.add_argument("--calendar", default="CN")

    between = sub.add_parser("between", help="office minutes between two instants")
    between.add_argument("--start", type=_instant, required=True)
    between.add_argument("--end", type=_instant, required=True)
    between.add_argument(
        "--pause",
        type=_pause,
        action="append",
        default=[],
        metavar="A/B",
        help="interval to exclude (repeatable, may overlap)",
    )
    between.add_argument("--calendar", default="CN")

    imp = sub.add_parser("import", help="replace one year of a calendar from a CSV file")
    imp.add_argument("--calendar", default="CN")
    imp.add_argument("--file", required=True, help="CSV with header date,kind,note ('-': stdin)")
    imp.add_argument("--year", type=_year, help="the year the file holds (default: its dates')")
    imp.add_argument("--actor", help="user name the import is audited under (default: system)")

    years = sub.add_parser("years", help="list the years each calendar covers")
    years.add_argument("--calendar", help="only this calendar")
    return parser


def _warn(warnings) -> None:
    for message in warnings:
        print(f"warning: {message}", file=sys.stderr)


def _deadline(args) -> int:
    from yiwang.worktime import facade

    if args.working_days is not None:
        result = facade.add_working_days(args.start, args.working_days, calendar=args.calendar)
    else:
        result = facade.add_working_hours(args.start, args.working_hours, calendar=args.calendar)
    print(result.deadline.isoformat())
    _warn(result.warnings)
    return EXIT_OK


def _between(args) -> int:
    from yiwang.worktime import facade

    result = facade.working_minutes_between(
        args.start, args.end, args.pause, calendar=args.calendar
    )
    print(result.minutes)
    _warn(result.warnings)
    return EXIT_OK


def _import(args) -> int:
    from yiwang.core.context import bind
    from yiwang.worktime import csv_import, selectors, services

    actor = None
    if args.actor:
        from django.contrib.auth import get_user_model

        actor = get_user_model().objects.filter(username=args.actor, is_active=True).first()
        if actor is None:
            raise UsageError(f"no active user {args.actor!r}")
    try:
        raw = sys.stdin.buffer.read() if args.file == "-" else Path(args.file).read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {args.file}: {exc.strerror}") from None
    text = csv_import.decode(raw)
    calendar = selectors.calendar_get(code=args.calendar)
    with bind(channel="cli"):
        summary = services.calendar_year_import(
            actor=actor, calendar=calendar, text=text, year=args.year, source_name=args.file
        )
    print(
        f"{summary.calendar} {summary.year}: {summary.holidays} holidays, "
        f"{summary.workdays} make-up working days "
        f"({len(summary.added)} added, {len(summary.removed)} removed, "
        f"{len(summary.changed)} changed)"
    )
    return EXIT_OK


def _years(args) -> int:
    from yiwang.worktime import selectors
    from yiwang.worktime.health import calendar_warnings

    calendars = selectors.calendar_list()
    if args.calendar:
        calendars = [selectors.calendar_get(code=args.calendar)]
    for calendar in calendars:
        for record in selectors.calendar_year_list(calendar=calendar):
            note = f"  {record.note}" if record.note else ""
            print(f"{calendar.code}\t{record.year}\t{record.source}{note}")
    _warn(calendar_warnings())
    return EXIT_OK


def _print_error(exc) -> None:
    errors = getattr(exc, "errors", None) or []
    if errors:
        for err in errors:
            print(f"error: {err.get('message')}", file=sys.stderr)
    else:
        print(f"error: {exc}", file=sys.stderr)


def main(argv: list[str]) -> int:
    """Run one sub-command; returns the exit code (never raises for bad input)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        handler = {"deadline": _deadline, "between": _between, "import": _import, "years": _years}[
            args.command
        ]
        return handler(args)
    except UsageError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_BAD_INPUT
    except (InvalidInput, NotFound) as exc:
        _print_error(exc)
        return EXIT_BAD_INPUT
    except DomainError as exc:
        _print_error(exc)
        return EXIT_REFUSED
    except SystemExit as exc:  # --help
        return int(exc.code or 0)
