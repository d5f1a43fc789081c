"""``yiwang catalog``: the basic catalogue from the shell (format: docs/modules/catalog-format.md).

    yiwang catalog import FILE [--dry-run]   # create/update basic items by code; all or nothing
    yiwang catalog export [--output FILE]     # the active basic catalogue as JSON

``import`` validates the whole file first and prints every problem (at most 100) with exit code 2
and nothing stored; else it prints one JSON line ``{"created", "updated", "unchanged"}``.
``--dry-run`` validates and counts, then rolls back. ``export`` writes UTF-8 JSON (stdout by
default). Runs as the platform (audited with no actor), like seeding. Django is set up by the
caller.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

EXIT_OK = 0
EXIT_BAD_INPUT = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):
        print(f"{self.prog}: {message}", file=sys.stderr)
        raise SystemExit(EXIT_BAD_INPUT)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="yiwang catalog", description="the basic service-item catalogue")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    load = sub.add_parser("import", help="import basic items from a yiwang.catalog/1 JSON file")
    load.add_argument("file", help="path of the JSON file, or - for standard input")
    load.add_argument("--dry-run", action="store_true", help="validate and count, store nothing")
    dump = sub.add_parser("export", help="write the basic catalogue as yiwang.catalog/1 JSON")
    dump.add_argument("--output", help="file to write (default: standard output)")
    return parser


class _DryRun(Exception):
    pass


def _import(path: str, dry_run: bool) -> int:
    from django.db import transaction

    from yiwang.catalog.services import catalogue_import
    from yiwang.core.errors import InvalidInput

    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
        data = json.loads(text)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        print(f"yiwang catalog import: cannot read {path}: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    counts: dict = {}
    try:
        with transaction.atomic():
            counts = catalogue_import(actor=None, data=data)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    except InvalidInput as exc:
        for error in exc.errors or [{"message": exc.message}]:
            print(f"error: {error['message']}", file=sys.stderr)
        print(f"yiwang catalog import: {path} refused, nothing stored", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(json.dumps({**counts, "dry_run": dry_run}))
    return EXIT_OK


def _export(output: str | None) -> int:
    from yiwang.catalog.services.basic import catalogue_export

    text = json.dumps(catalogue_export(), ensure_ascii=False, indent=1) + "\n"
    if output:
        Path(output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return EXIT_OK


def main(argv: list[str]) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # usage errors (2) and --help (0) as exit codes
        return int(exc.code or 0)
    if args.command == "import":
        return _import(args.file, args.dry_run)
    return _export(args.output)
