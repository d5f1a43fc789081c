"""The audit trail: every service that changes data calls :func:`audit_record`.

Records carry actor, action code, object, before/after of changed fields, request id, source IP
and channel from :mod:`yiwang.core.context`. Personal data inside changes is masked before it is
written. Records are append-only; only :func:`audit_purge_expired` removes them, after the
retention period (≥ 180 days).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from yiwang.core import pii
from yiwang.core.choices import AuditResult
from yiwang.core.context import current
from yiwang.core.models import AuditLog

SENSITIVE_FIELDS = frozenset({"password", "digest", "id_number_encrypted", "id_number_digest"})


def _jsonable(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, str):
        return pii.mask_text(value)
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if value is None or isinstance(value, bool | int | float):
        return value
    return str(value)


def snapshot(obj: models.Model, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """Field values of ``obj`` suitable for before/after comparison."""
    names = fields or [f.attname for f in obj._meta.concrete_fields]
    return {name: getattr(obj, name) for name in names if name not in SENSITIVE_FIELDS}


def diff(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> dict[str, Any]:
    """``{"field": [old, new]}`` for fields whose value changed (all fields on create/delete)."""
    before = before or {}
    after = after or {}
    changed = {}
    for key in sorted(set(before) | set(after)):
        if key in SENSITIVE_FIELDS:
            continue
        old, new = before.get(key), after.get(key)
        if old != new:
            changed[key] = [_jsonable(old), _jsonable(new)]
    return changed


def audit_entry(
    *,
    actor,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: Any = "",
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    changes: Mapping[str, Any] | None = None,
    result: str = AuditResult.SUCCESS,
    organisation_path: str | None = None,
) -> AuditLog:
    """The unsaved record :func:`audit_record` writes (for :func:`audit_record_many`)."""
    ctx = current()
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
    user = actor if getattr(actor, "is_authenticated", False) else None
    org = getattr(user, "organisation", None) if user else None
    return AuditLog(
        actor=user,
        actor_label=(str(user)[:150] if user else "system"),
        actor_organisation_path=org.path if org else (organisation_path or ""),
        action=action,
        object_type=object_type,
        object_id=str(object_id or ""),
        object_repr=pii.mask_text(str(obj))[:200] if obj is not None else "",
        changes=_jsonable(dict(changes)) if changes is not None else diff(before, after),
        result=result,
        request_id=ctx.request_id,
        ip=ctx.ip,
        channel=ctx.channel,
    )


def audit_record(**kwargs: Any) -> AuditLog:
    """Write one audit record (arguments of :func:`audit_entry`).

    ``organisation_path`` places the record in a subtree for auditors when the actor has none
    (e.g. a failed sign-in is filed under the organisation of the account it targeted).
    """
    entry = audit_entry(**kwargs)
    entry.save(force_insert=True)
    return entry


def audit_record_many(entries: Iterable[AuditLog]) -> list[AuditLog]:
    """Write several records of one operation in one INSERT (entries from :func:`audit_entry`,
    in the order they happened)."""
    return AuditLog.objects.bulk_create(list(entries))


def audit_purge_expired(*, now: dt.datetime | None = None) -> int:
    """Delete audit records older than the retention period; returns how many went."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.YIWANG_AUDIT_RETENTION_DAYS)
    deleted, _ = AuditLog.objects.filter(occurred_at__lt=cutoff)._purge()
    # The purge itself is audited, so a gap in the trail is always explained.
    audit_record(
        actor=None,
        action="audit.purge",
        object_type="core.auditlog",
        changes={"cutoff": cutoff.isoformat(), "deleted": deleted},
    )
    return deleted
