"""``yiwang catalog``: the basic catalogue from the shell (format: docs/modules/catalog-format.md).

    yiwang catalog import FILE [--dry-run]   # create/update basic items by code; all or nothing
    yiwang catalog export [--output FILE]     # the active basic catalogue as JSON or Excel
    yiwang catalog reindex                    # rebuild the search index of every item
    yiwang catalog userdict [--output FILE]   # catalogue terms for search, jieba dict format

The format follows the file's extension: ``.xlsx`` is the Excel workbook
(``yiwang.catalog.excel``), anything else the JSON document. ``import`` validates the whole file
first and prints every problem (at most 100; a workbook's with its sheet, row and column) with
exit code 2 and nothing stored; else it prints one JSON line ``{"created", "updated",
"unchanged"}``. ``--dry-run`` validates and counts, then rolls back. ``export`` writes UTF-8 JSON
(stdout by default) or, with ``--output F.xlsx``, the workbook. Runs as the platform (audited
with no actor), like seeding. Django is set up by the caller.

``reindex`` rebuilds every search document (after migrating an existing database or changing
``data/search_synonyms.json`` / ``data/search_userdict.txt``) and prints ``{"documents",
"removed", "seconds"}``; ``userdict`` writes the current catalogue's terms (names, colloquial
terms, themes, life events, results) for ``data/search_userdict.txt``
(docs/modules/catalog-search.md).
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
    load = sub.add_parser(
        "import", help="import basic items from a yiwang.catalog/1 JSON file or .xlsx workbook"
    )
    load.add_argument("file", help="path of the JSON or .xlsx file, or - for JSON on stdin")
    load.add_argument("--dry-run", action="store_true", help="validate and count, store nothing")
    dump = sub.add_parser(
        "export", help="write the basic catalogue as yiwang.catalog/1 JSON or .xlsx workbook"
    )
    dump.add_argument(
        "--output", help="file to write, F.xlsx for Excel (default: JSON on standard output)"
    )
    sub.add_parser("reindex", help="rebuild the search index of every active basic item")
    terms = sub.add_parser("userdict", help="write the catalogue's search terms (jieba format)")
    terms.add_argument("--output", help="file to write (default: standard output)")
    return parser


class _DryRun(Exception):
    pass


def _is_workbook(path: str | None) -> bool:
    return bool(path) and path.lower().endswith(".xlsx")


def _import_workbook(path: str):
    """The import of a workbook (``None`` when the file cannot be opened at all)."""
    from yiwang.catalog.excel import catalogue_import_workbook

    if not Path(path).is_file():
        print(f"yiwang catalog import: cannot read {path}: no such file", file=sys.stderr)
        return None
    return lambda: catalogue_import_workbook(actor=None, source=path)


def _import(path: str, dry_run: bool) -> int:
    from django.db import transaction

    from yiwang.catalog.services import catalogue_import
    from yiwang.core.errors import InvalidInput

    if _is_workbook(path):
        run = _import_workbook(path)
        if run is None:
            return EXIT_BAD_INPUT
    else:
        try:
            text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
            data = json.loads(text)
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            print(f"yiwang catalog import: cannot read {path}: {exc}", file=sys.stderr)
            return EXIT_BAD_INPUT

        def run():
            return catalogue_import(actor=None, data=data)

    counts: dict = {}
    try:
        with transaction.atomic():
            counts = run()
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

    if _is_workbook(output):
        from yiwang.catalog.excel import catalogue_export_workbook

        try:
            count = catalogue_export_workbook(output)
        except OSError as exc:
            print(f"yiwang catalog export: cannot write {output}: {exc}", file=sys.stderr)
            return EXIT_BAD_INPUT
        print(json.dumps({"items": count, "output": output}, ensure_ascii=False))
        return EXIT_OK
    text = json.dumps(catalogue_export(), ensure_ascii=False, indent=1) + "\n"
    if output:
        Path(output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return EXIT_OK


def _reindex() -> int:
    import time

    from rich.console import Console
    from rich.progress import Progress

    from yiwang.catalog.services.search_index import search_index_rebuild

    started = time.perf_counter()
    with Progress(console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("indexing basic items", total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        counts = search_index_rebuild(actor=None, progress=advance)
    print(json.dumps({**counts, "seconds": round(time.perf_counter() - started, 2)}))
    return EXIT_OK


def _userdict(output: str | None) -> int:
    from yiwang.catalog.services.search_index import userdict_terms

    header = [
        "# Catalogue terms for search (jieba user-dictionary format). Written by",
        "# `yiwang catalog userdict`; see docs/modules/catalog-search.md.",
    ]
    text = "\n".join([*header, *userdict_terms()]) + "\n"
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
    if args.command == "reindex":
        return _reindex()
    if args.command == "userdict":
        return _userdict(args.output)
    return _export(args.output)
