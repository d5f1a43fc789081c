"""Writes of the web shell: the audited export of the audit log."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator

from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.core.audit import audit_record
from yiwang.core.errors import NotFound
from yiwang.core.permissions import has_perm
from yiwang.core.pii import mask_text
from yiwang.core.selectors import audit_list

EXPORT_CHUNK = 2000
BOM = "\ufeff"  # lets Excel open the UTF-8 file with Chinese text intact


def _cell(value: str) -> str:
    """Masked text, defused against spreadsheet formula injection (``=HYPERLINK(...)``)."""
    text = mask_text(value or "")
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


class _Echo:
    """A file-like object whose ``write`` hands the line back to the caller (for streaming)."""

    def write(self, value: str) -> str:
        return value


def audit_export_csv(*, actor, filters: dict, criteria: dict) -> Iterator[str]:
    """CSV lines of the audit records ``actor`` may see matching ``criteria``.

    ``criteria`` are ``audit_list`` arguments; ``filters`` their display form, kept in the
    export's own audit record. Requires ``audit.export`` (``NotFound`` otherwise, like every
    invisible thing). The export is recorded before the first line is produced; text cells are
    masked so ID and mobile numbers never leave in clear.
    """
    if not has_perm(actor, "audit.export"):
        raise NotFound("page")
    queryset = audit_list(actor=actor, **criteria)
    audit_record(
        actor=actor,
        action="core.audit.export",
        object_type="core.auditlog",
        changes={"filters": filters},
    )
    return _csv_lines(queryset)


def _csv_lines(queryset) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield BOM + writer.writerow(
        [
            _("Time"),
            _("Actor"),
            _("Action"),
            _("Object type"),
            _("Object id"),
            _("Object"),
            _("Result"),
            _("Changes"),
            _("Request id"),
            _("Source IP"),
            _("Channel"),
        ]
    )
    for rec in queryset.iterator(chunk_size=EXPORT_CHUNK):
        changes = json.dumps(rec.changes, ensure_ascii=False, sort_keys=True) if rec.changes else ""
        yield writer.writerow(
            [
                timezone.localtime(rec.occurred_at).strftime("%Y-%m-%d %H:%M:%S"),
                _cell(rec.actor_label),
                _cell(rec.action),
                _cell(rec.object_type),
                _cell(rec.object_id),
                _cell(rec.object_repr),
                rec.result,
                _cell(changes),
                _cell(rec.request_id),
                rec.ip or "",
                rec.channel,
            ]
        )
