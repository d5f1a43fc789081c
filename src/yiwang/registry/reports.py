"""The error report of an import as a CSV download (the page and the API serve the same)."""

from __future__ import annotations

import csv
import io

from django.http import FileResponse, HttpResponse
from django.utils.http import content_disposition_header

from yiwang.registry.models import ImportJob
from yiwang.registry.services.imports import report_header


def _name(job: ImportJob) -> str:
    stem = job.file_name.rsplit(".", 1)[0] or "import"
    return f"{stem}-errors.csv"


def error_report_response(job: ImportJob) -> HttpResponse | FileResponse:
    """Every row error (the stored report), or the errors kept on the job while it runs."""
    if job.error_file:
        try:
            handle = job.error_file.open("rb")
        except OSError:
            handle = None
        if handle is not None:
            response = FileResponse(
                handle, as_attachment=True, filename=_name(job), content_type="text/csv"
            )
            response["Cache-Control"] = "private, no-store"
            return response
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(report_header())
    for e in job.errors:
        writer.writerow((e["row"], e["column"], e["uscc"], e["code"], e["message"]))
    response = HttpResponse(out.getvalue().encode("utf-8"), content_type="text/csv")
    response["Content-Disposition"] = content_disposition_header(True, _name(job))
    response["Cache-Control"] = "private, no-store"
    return response
