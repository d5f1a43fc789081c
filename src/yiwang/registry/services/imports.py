"""Importing a department's enterprise file (市场监管, 税务, 统计, 科技) into the registry as a
job with progress and a row-level error report.

* :func:`import_job_create` checks and stores the upload (CSV or .xlsx, decided from the bytes)
  and queues the job (the task runs :func:`import_job_run` after commit).
* :func:`import_job_run` streams the rows (:mod:`yiwang.registry.importing`: never the whole
  file in memory), and writes them in batches of :data:`BATCH` through
  :func:`~yiwang.registry.services.profiles.enterprises_upsert` — one transaction and one
  audit record per batch, one ``ProfileChange`` per changed value, so a re-import updates by
  USCC and records history only for what changed.
* A bad row (USCC with a wrong check character, a number, date, industry or place that does
  not parse, a new enterprise without name or industry, a file of another city or outside the
  importer's jurisdiction) goes to the error report with its row number, column and message;
  the other rows import. **A USCC repeated in the file**: its first row is imported, every
  later row with that code is refused ("duplicate of row N") — two rows for one enterprise in
  one department's file are a data error to fix at the source, not something to resolve by
  position. The codes seen are kept in a temporary SQLite file, not in memory.
* A batch is also cut at :data:`BATCH_CHARS` characters, so memory is bounded by the batch,
  not by the file nor by how wide its rows are.
* Progress (rows read, bytes read of the file's size) and counts are saved after every batch;
  the first 1,000 errors are kept on the job, all of them in its CSV error report.
* A job is claimed once (queued → running); :func:`import_jobs_resume` (the periodic sweep)
  re-queues a job a lost task never started or a dead worker left running — re-running it is
  safe because writing is by USCC and unchanged values write nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import os
import sqlite3
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import DatabaseError, reset_queries, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.core import files as core_files
from yiwang.core.audit import audit_record
from yiwang.core.errors import DomainError, InvalidInput
from yiwang.core.permissions import require_perm
from yiwang.core.validators import validate_uscc
from yiwang.registry import permissions as perms
from yiwang.registry.choices import IMPORT_SOURCES, ImportFormat, JobStatus
from yiwang.registry.importing import (
    Columns,
    ImportRefused,
    RowSource,
    detect_format,
    open_rows,
    row_raw,
)
from yiwang.registry.models import Enterprise, ImportJob
from yiwang.registry.selectors import Jurisdiction
from yiwang.registry.services.profiles import (
    REQUIRED_ON_CREATE,
    Cleaned,
    Places,
    enterprises_upsert,
    profile_clean,
)

logger = logging.getLogger(__name__)

BATCH = 2000
BATCH_CHARS = 4_000_000  # a batch of very wide rows is written sooner (memory per batch)
ERRORS_KEPT = 1000
MAX_UPLOAD_BYTES = 1 << 30  # 1 GiB
STALLED_QUEUED = dt.timedelta(minutes=5)
STALLED_RUNNING = dt.timedelta(minutes=15)
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old binary .xls


# --- creating a job ----------------------------------------------------------------------------


def _refuse_file(message: str, code: str = "registry.invalid_file") -> InvalidInput:
    return InvalidInput(code, message, errors=[{"field": "file", "code": code, "message": message}])


def _check_source(source: str) -> None:
    if source not in IMPORT_SOURCES:
        message = _("%(value)s is not one of: %(choices)s.") % {
            "value": source,
            "choices": ", ".join(IMPORT_SOURCES),
        }
        raise InvalidInput(
            "registry.invalid_source",
            message,
            errors=[{"field": "source", "code": "registry.invalid_source", "message": message}],
        )


def _check_upload(stream: IO[bytes], size: int) -> str:
    """The format of an upload, or a 422 naming what is wrong with it."""
    if size <= 0:
        raise _refuse_file(_("The file is empty."))
    if size > MAX_UPLOAD_BYTES:
        raise _refuse_file(_("The file is larger than 1 GB; split it."), "registry.file_too_large")
    stream.seek(0)
    head = stream.read(8)
    stream.seek(0)
    if head.startswith(OLE2):
        raise _refuse_file(
            _("This is an old Excel 97–2003 .xls file; save it as .xlsx or CSV UTF-8.")
        )
    fmt = detect_format(stream)
    if fmt == ImportFormat.XLSX and core_files.sniff(stream) is not core_files.XLSX:
        raise _refuse_file(_("The file is a zip archive but not an .xlsx workbook."))
    try:  # the encoding and the header row now, so the uploader hears at once
        source = open_rows(stream)
        source.close()
    except ImportRefused as exc:
        raise _refuse_file(exc.message) from None
    finally:
        stream.seek(0)
    return fmt


def _city_of(actor, city_id: int | None) -> int:
    scope = Jurisdiction.of(actor, city_id=city_id)
    city = city_id if actor is None else (scope.city_id if scope else None)
    if city is None:
        raise InvalidInput("registry.no_city", _("No city to import into."))
    return city


@transaction.atomic
def import_job_create(
    *, actor, upload, source: str, city_id: int | None = None, file_name: str = ""
) -> ImportJob:
    """Check and store an uploaded file (a Django ``UploadedFile`` or any binary file with a
    ``name``) and queue its import into the actor's city (``city_id`` for the platform)."""
    if actor is not None:
        require_perm(actor, perms.MANAGE)
    _check_source(source)
    city = _city_of(actor, city_id)
    size = getattr(upload, "size", None)
    if size is None:
        upload.seek(0, os.SEEK_END)
        size = upload.tell()
    fmt = _check_upload(getattr(upload, "file", None) or upload, size)
    name = core_files.clean_name(file_name or getattr(upload, "name", ""), "import.csv")
    job = ImportJob(
        file_name=name,
        format=fmt,
        city_id=city,
        source=source,
        actor=actor,
        size=size,
        status=JobStatus.QUEUED,
    )
    upload.seek(0)
    job.file.save(name, upload if isinstance(upload, File) else File(upload, name), save=False)
    job.save()
    audit_record(
        actor=actor,
        action="registry.import_create",
        obj=job,
        changes={"file_name": name, "size": size, "format": fmt, "source": source},
    )
    transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def _enqueue(job_id: int) -> None:
    from yiwang.registry.tasks import registry_import_task

    registry_import_task(job_id)


def import_jobs_resume(*, actor=None) -> list[int]:
    """The sweep: queue again the jobs a lost task left undone (see the module docstring)."""
    from yiwang.registry.selectors import import_jobs_stalled

    now = timezone.now()
    ids = import_jobs_stalled(
        queued_before=now - STALLED_QUEUED, silent_before=now - STALLED_RUNNING
    )
    for job_id in ids:
        with transaction.atomic():
            reset = ImportJob.objects.filter(
                pk=job_id, status__in=[JobStatus.QUEUED, JobStatus.RUNNING]
            ).update(status=JobStatus.QUEUED, heartbeat_at=now)
            if reset:
                audit_record(
                    actor=actor,
                    action="registry.import_resume",
                    object_type="registry.importjob",
                    object_id=str(job_id),
                    changes={"status": [JobStatus.RUNNING, JobStatus.QUEUED]},
                )
                transaction.on_commit(lambda job_id=job_id: _enqueue(job_id))
    return ids


# --- running a job -----------------------------------------------------------------------------


class _Seen:
    """USCCs met so far in the file and their first row, in a private temporary SQLite
    database (on disk once past its small page cache), so a file of millions of rows does not
    hold them in memory."""

    def __init__(self) -> None:
        self._db = sqlite3.connect("")
        self._db.execute("CREATE TABLE seen (uscc TEXT PRIMARY KEY, row INTEGER) WITHOUT ROWID")

    def first_rows(self, pairs: list[tuple[str, int]]) -> dict[int, int]:
        """Record ``(uscc, row)`` pairs; the earlier row of each pair whose code was met before
        (in an earlier batch or earlier in this one), by the later row's number."""
        earlier: dict[str, int] = {}
        codes = list(dict.fromkeys(u for u, _row in pairs))
        for start in range(0, len(codes), 500):
            chunk = codes[start : start + 500]
            marks = ",".join("?" * len(chunk))
            earlier.update(
                self._db.execute(
                    f"SELECT uscc, row FROM seen WHERE uscc IN ({marks})",  # noqa: S608
                    chunk,
                ).fetchall()
            )
        duplicates: dict[int, int] = {}
        new: list[tuple[str, int]] = []
        for uscc, row in pairs:
            if uscc in earlier:
                duplicates[row] = earlier[uscc]
            else:
                earlier[uscc] = row
                new.append((uscc, row))
        self._db.executemany("INSERT INTO seen VALUES (?, ?)", new)
        return duplicates

    def close(self) -> None:
        self._db.close()


class _Report:
    """The row errors: all of them in a temporary CSV file (the downloadable report), the
    first :data:`ERRORS_KEPT` on the job for the page and the API."""

    HEADER = ("row", "column", "uscc", "code", "message")

    def __init__(self) -> None:
        self.file = tempfile.TemporaryFile(mode="w+", encoding="utf-8-sig", newline="")  # noqa: SIM115
        self.writer = csv.writer(self.file)
        self.writer.writerow(report_header())
        self.kept: list[dict[str, Any]] = []
        self.count = 0

    def add(self, row: int, column: str, uscc: str, code: str, message: str) -> None:
        self.count += 1
        self.writer.writerow((row, column, uscc, code, message))
        if len(self.kept) < ERRORS_KEPT:
            self.kept.append(
                {"row": row, "column": column, "uscc": uscc, "code": code, "message": message}
            )

    def close(self) -> None:
        self.file.close()


def report_header() -> tuple[str, ...]:
    return (_("Row number"), _("Column"), _("Unified social credit code"), _("Error code"),
            _("What is wrong"))  # fmt: skip


@dataclass
class _Pending:
    number: int
    uscc: str
    raw: dict[str, Any]
    problems: list[tuple[str, str]]


@dataclass
class _Run:
    job: ImportJob
    source: RowSource
    places: Places
    scope: Jurisdiction
    seen: _Seen
    report: _Report
    today: dt.date
    progress: Callable[[ImportJob], None] | None = None
    pending: list[_Pending] = field(default_factory=list)
    pending_chars: int = 0

    @property
    def columns(self) -> Columns:
        return self.source.columns

    last_failed: int = 0

    def error(self, row: int, field_name: str, uscc: str, code: str, message: str) -> None:
        """Report one error of a row; a row counts once as refused, whatever its errors."""
        column = self.columns.header_of(field_name) if field_name else ""
        self.report.add(row, column, uscc, code, message)
        if row != self.last_failed:
            self.job.failed += 1
            self.last_failed = row


def import_job_run(
    *,
    job_id: int,
    stream: IO[bytes] | None = None,
    progress: Callable[[ImportJob], None] | None = None,
) -> ImportJob:
    """Run a queued job: claim it (a job running elsewhere or finished is left alone), read
    its file (or ``stream``, for the CLI), write the rows, finish with status and report."""
    now = timezone.now()
    claimed = ImportJob.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING,
        started_at=now,
        heartbeat_at=now,
        rows=0,
        bytes_read=0,
        created=0,
        updated=0,
        unchanged=0,
        failed=0,
        errors=[],
        message="",
    )
    job = ImportJob.objects.select_related("actor").get(pk=job_id)
    if not claimed:
        return job
    opened = None
    try:
        if stream is None:
            job.file.open("rb")
            opened = job.file
            stream = job.file.file
        _run(job, stream, progress)
    except ImportRefused as exc:
        _finish(job, JobStatus.FAILED, exc.message)
    except Exception as exc:
        logger.exception("registry import %s stopped", job_id)
        _finish(job, JobStatus.FAILED, _("The import stopped: %(error)s") % {"error": exc})
    finally:
        if opened is not None:
            opened.close()
    if progress is not None:
        progress(job)
    return job


def _run(job: ImportJob, stream: IO[bytes], progress) -> None:
    source = open_rows(stream)
    job.encoding = source.encoding
    job.format = ImportFormat.XLSX if source.encoding == "xlsx" else ImportFormat.CSV
    job.unknown_columns = source.columns.unknown[:100]
    job.save(update_fields=["encoding", "format", "unknown_columns"])
    run = _Run(
        job=job,
        source=source,
        places=Places.of(job.city_id),
        scope=Jurisdiction.of(job.actor, city_id=job.city_id) or Jurisdiction(job.city_id),
        seen=_Seen(),
        report=_Report(),
        today=timezone.localdate(),
        progress=progress,
    )
    try:
        for row in source:
            if row.problem:
                job.rows += 1
                run.error(row.number, "", "", "registry.unreadable_row", row.problem)
                continue
            if not any(c is not None and str(c).strip() for c in row.cells):
                continue  # a blank line
            job.rows += 1
            _read_row(run, row.number, row.cells)
            run.pending_chars += sum(len(c) for c in row.cells if isinstance(c, str))
            if len(run.pending) >= BATCH or run.pending_chars >= BATCH_CHARS:
                _flush(run)
        _flush(run)
        job.bytes_read = job.size or run.source.bytes_read
        _save_report(run)
    finally:
        run.seen.close()
        run.report.close()
        source.close()
    _finish(job, JobStatus.DONE, "")


def _read_row(run: _Run, number: int, cells: list[Any]) -> None:
    raw, problems = row_raw(run.columns, cells)
    text = raw.pop("uscc", "")
    try:
        uscc = validate_uscc(str(text or ""))
    except ValidationError as exc:
        if not str(text or "").strip():
            message = _("The unified social credit code is required.")
        else:
            message = " ".join(exc.messages)
        run.error(number, "uscc", str(text or "")[:30], "registry.invalid_uscc", message)
        return
    run.pending.append(_Pending(number, uscc, raw, problems))


def _flush(run: _Run) -> None:
    pending, run.pending = run.pending, []
    run.pending_chars = 0
    job = run.job
    if pending:
        duplicates = run.seen.first_rows([(p.uscc, p.number) for p in pending])
        rows: list[tuple[_Pending, Cleaned]] = []
        for p in pending:
            if p.number in duplicates:
                run.error(
                    p.number,
                    "uscc",
                    p.uscc,
                    "registry.duplicate_uscc",
                    _(
                        "Duplicate of row %(row)d: a code may appear once in a file; the first "
                        "row was taken, this one was not."
                    )
                    % {"row": duplicates[p.number]},
                )
                continue
            cleaned = profile_clean(p.raw, places=run.places, today=run.today)
            for field_name, message in p.problems:
                cleaned.error(field_name, message)
            if cleaned.errors:
                for error in cleaned.errors:
                    run.error(p.number, error["field"], p.uscc, error["code"], error["message"])
                continue
            cleaned.values["uscc"] = p.uscc
            rows.append((p, cleaned))
        rows = _check_places(run, rows)
        _write(run, rows)
    job.bytes_read = run.source.bytes_read
    job.heartbeat_at = timezone.now()
    job.errors = run.report.kept
    job.save(
        update_fields=["rows", "bytes_read", "created", "updated", "unchanged", "failed",
                       "errors", "heartbeat_at"]
    )  # fmt: skip
    if run.progress is not None:
        run.progress(job)
    reset_queries()  # with DEBUG on, Django would keep the last 9,000 (large) statements


def _check_places(run: _Run, rows: list[tuple[_Pending, Cleaned]]) -> list:
    """Refuse rows of another city's enterprise, new files without their required fields, and
    files (before or after the row) outside the importer's jurisdiction."""
    if not rows:
        return rows
    found = {
        uscc: (city, district, street)
        for uscc, city, district, street in Enterprise.objects.filter(
            uscc__in=[c.values["uscc"] for _p, c in rows]
        ).values_list("uscc", "city_id", "district_id", "street_id")
    }
    kept = []
    for p, cleaned in rows:
        values = cleaned.values
        current = found.get(p.uscc)
        if current is not None and current[0] != run.job.city_id:
            run.error(p.number, "uscc", p.uscc, "registry.other_city",
                      _("This enterprise is registered in another city."))  # fmt: skip
            continue
        if current is None:
            missing = [f for f in REQUIRED_ON_CREATE if f != "uscc" and not values.get(f)]
            if missing:
                run.error(
                    p.number,
                    missing[0],
                    p.uscc,
                    "registry.missing_fields",
                    _("A new enterprise needs %(columns)s.")
                    % {"columns": ", ".join(run.columns.header_of(f) for f in missing)},
                )
                continue
        if run.scope.level != "city" and not _inside(run.scope, values, current):
            run.error(p.number, "district", p.uscc, "registry.outside_jurisdiction",
                      _("This enterprise is outside your jurisdiction."))  # fmt: skip
            continue
        kept.append((p, cleaned))
    return kept


def _inside(scope: Jurisdiction, values: dict, current: tuple | None) -> bool:
    """Whether the file is in the jurisdiction now and after the row is written (the same
    district rule as ``enterprises_upsert``: a street implies its district)."""
    district, street = (current[1], current[2]) if current else (None, None)
    if current is not None and not scope.covers(district_id=district, street_id=street):
        return False
    if "street" in values:
        street = values["street"]
    if "district" in values:
        district = values["district"]
    elif values.get("_street_district"):
        district = values["_street_district"]
    return scope.covers(district_id=district, street_id=street)


def _write(run: _Run, rows: list[tuple[_Pending, Cleaned]]) -> None:
    """One batch in one transaction; a batch the database refuses is retried row by row so
    the one bad row is reported and the others are written."""
    if not rows:
        return
    job = run.job
    try:
        with transaction.atomic():
            result = enterprises_upsert(
                actor=job.actor,
                city_id=job.city_id,
                rows=[c for _p, c in rows],
                source=job.source,
                job=job,
                audit_each=False,
            )
    except (DatabaseError, DomainError):
        if len(rows) == 1:
            raise
        for one in rows:
            try:
                _write(run, [one])
            except (DatabaseError, DomainError) as exc:
                p = one[0]
                message = getattr(exc, "message", None) or str(exc)
                run.error(p.number, "", p.uscc, "registry.not_written", message[:300])
        return
    job.created += result.created
    job.updated += result.updated
    job.unchanged += result.unchanged


def _save_report(run: _Run) -> None:
    job = run.job
    if not run.report.count:
        return
    run.report.file.flush()
    run.report.file.seek(0)
    binary = io.BufferedReader(_TextAsBytes(run.report.file))  # type: ignore[arg-type]
    stem = job.file_name.rsplit(".", 1)[0] or "import"
    job.error_file.save(f"{stem}-errors.csv", File(binary), save=False)
    job.save(update_fields=["error_file"])


class _TextAsBytes(io.RawIOBase):
    """A text file (the report, UTF-8 with BOM) read back as bytes, chunk by chunk."""

    def __init__(self, text_file) -> None:
        self._buffer = text_file.buffer
        self._buffer.seek(0)

    def readable(self) -> bool:
        return True

    def readinto(self, target) -> int:
        data = self._buffer.read(len(target))
        target[: len(data)] = data
        return len(data)


def _finish(job: ImportJob, status: str, message: str) -> None:
    job.status = status
    job.message = message
    job.finished_at = timezone.now()
    job.heartbeat_at = job.finished_at
    if status == JobStatus.DONE:
        job.bytes_read = job.size or job.bytes_read
    job.save()
    audit_record(
        actor=job.actor,
        action="registry.import_finish",
        obj=job,
        changes={
            "status": status,
            "rows": job.rows,
            "created": job.created,
            "updated": job.updated,
            "unchanged": job.unchanged,
            "failed": job.failed,
            "message": message,
        },
    )


# --- the CLI -----------------------------------------------------------------------------------


def import_file(
    *,
    actor,
    path: str,
    source: str,
    city_id: int,
    progress: Callable[[ImportJob], None] | None = None,
) -> ImportJob:
    """Import a file from the server's disk (``yiwang registry import``): a job like an upload,
    run here and now, reading the file in place rather than storing a copy."""
    _check_source(source)
    size = os.path.getsize(path)
    with open(path, "rb") as stream:
        fmt = _check_upload(stream, size)
        with transaction.atomic():
            job = ImportJob.objects.create(
                file_name=core_files.clean_name(os.path.basename(path), "import.csv"),
                format=fmt,
                city_id=city_id,
                source=source,
                actor=actor,
                size=size,
            )
            audit_record(
                actor=actor,
                action="registry.import_create",
                obj=job,
                changes={"file_name": job.file_name, "size": size, "format": fmt,
                         "source": source, "path": path},
            )  # fmt: skip
        return import_job_run(job_id=job.pk, stream=stream, progress=progress)
