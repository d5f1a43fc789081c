"""API of the precise push (mounted under /api/v1/policy/ by yiwang.api), for officers
(``policy.view`` to read, ``policy.manage`` to start; scope: their organisation subtree or city):

* ``POST items/{id}/push`` — push now, or at ``run_at`` (scheduled); 201 with the new job, 200
  with the job already under way for the item; 409 ``policy.push_not_published`` for an item
  that is not published (a withdrawn one, a draft);
* ``GET push-jobs/{id}`` — a job with its progress (phase, percent, pending);
* ``POST push-jobs/{id}/cancel`` — cancel a scheduled, queued or running job;
* ``GET items/{id}/push-jobs`` — the item's latest jobs;
* ``GET items/{id}/pushes?status=`` — the item's pushes, newest first, keyset pages, with
  counts by status, 送达率 and 阅读率.

Enterprise users and staff without the code get 403; an item or job out of scope 404.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema
from ninja.responses import Status as HttpStatus
from pydantic import Field

from yiwang.core.api_base import keyset_page
from yiwang.policy import permissions as perms
from yiwang.policy import selectors
from yiwang.policy import selectors_push as reads
from yiwang.policy.api_common import officer_of
from yiwang.policy.choices import PushStatus, PushTrigger
from yiwang.policy.models import Push, PushJob
from yiwang.policy.services import push as service

router = Router(tags=["policy"])

PushStatusName = Literal.__getitem__(tuple(PushStatus.values))


class PolicyPushStartIn(Schema):
    run_at: dt.datetime | None = Field(
        None,
        description="when to push (at most a year ahead); empty or past: at once. A "
        "scheduled job is separate from one under way.",
    )


class PolicyPushProgressOut(Schema):
    phase: str = Field(description="waiting, writing, sending or finished")
    percent: int
    pending: int = Field(description="pushes of the job waiting to be sent")
    processed: int = Field(description="pushes of the job sent, unreachable or failed")


class PolicyPushJobOut(Schema):
    id: int
    item_id: int
    version: int = Field(description="the item version pushed")
    trigger: str
    status: str
    run_at: dt.datetime | None
    matched: int = Field(description="enterprises the rule matched")
    created_pushes: int = Field(description="enterprises newly pushed by this job")
    skipped: int = Field(description="matched enterprises already pushed before (dedup)")
    sent: int = Field(description="notices sent")
    grants: int = Field(description="免申即享 grants created")
    created_at: dt.datetime
    started_at: dt.datetime | None
    heartbeat_at: dt.datetime | None
    finished_at: dt.datetime | None
    message: str
    progress: PolicyPushProgressOut


class PolicyPushCountsOut(Schema):
    total: int
    pending: int
    sent: int
    delivered: int
    read: int
    unreachable: int
    failed: int
    cancelled: int
    delivery_rate: float | None = Field(description="送达率: delivered or read / not cancelled")
    read_rate: float | None = Field(description="阅读率: read / delivered or read")


class PolicyPushOut(Schema):
    id: int
    enterprise_id: int
    uscc: str
    enterprise_name: str
    job_id: int | None
    version: int
    status: str
    created_at: dt.datetime
    sent_at: dt.datetime | None
    delivered_at: dt.datetime | None
    read_at: dt.datetime | None


class PolicyPushPageOut(Schema):
    items: list[PolicyPushOut]
    next_cursor: str | None = None
    counts: PolicyPushCountsOut = Field(description="all pushes of the item, by status")


class PolicyPushQueryIn(Schema):
    status: PushStatusName | None = None  # type: ignore[valid-type]
    limit: int = Field(50, ge=1, le=200)
    cursor: str | None = None


def _job(job: PushJob) -> dict:
    progress = reads.job_progress(job)
    return {
        "id": job.pk,
        "item_id": job.item_id,
        "version": job.version,
        "trigger": job.trigger,
        "status": job.status,
        "run_at": job.run_at,
        "matched": job.matched,
        "created_pushes": job.created_pushes,
        "skipped": job.skipped,
        "sent": job.sent,
        "grants": job.grants,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "heartbeat_at": job.heartbeat_at,
        "finished_at": job.finished_at,
        "message": job.message,
        "progress": {
            "phase": progress.phase,
            "percent": progress.percent,
            "pending": progress.pending,
            "processed": progress.processed,
        },
    }


def _counts(counts: reads.PushCounts) -> dict:
    return {
        "total": counts.total,
        "pending": counts.pending,
        "sent": counts.sent,
        "delivered": counts.delivered,
        "read": counts.read,
        "unreachable": counts.unreachable,
        "failed": counts.failed,
        "cancelled": counts.cancelled,
        "delivery_rate": None if counts.delivery_rate is None else round(counts.delivery_rate, 4),
        "read_rate": None if counts.read_rate is None else round(counts.read_rate, 4),
    }


@router.post(
    "/items/{item_id}/push",
    response={200: PolicyPushJobOut, 201: PolicyPushJobOut},
    operation_id="policy_push_start",
    summary="Push a published item to the enterprises it matches, now or at run_at (201; 200 "
    "with the job already under way; 409 for an item that is not published)",
)
def push_start(request: HttpRequest, item_id: int, payload: PolicyPushStartIn):
    actor = officer_of(request, perms.MANAGE)
    later = payload.run_at is not None and payload.run_at > timezone.now()
    trigger = PushTrigger.SCHEDULE if later else PushTrigger.MANUAL
    job = service.push_start(actor=actor, item_id=item_id, trigger=trigger, run_at=payload.run_at)
    return HttpStatus(201 if job.started_now else 200, _job(job))


@router.get(
    "/push-jobs/{job_id}",
    response=PolicyPushJobOut,
    operation_id="policy_push_job_get",
    summary="A push job with its progress (poll it while the status is queued or running)",
)
def push_job_get(request: HttpRequest, job_id: int):
    actor = officer_of(request)
    return _job(reads.push_job_get(actor=actor, job_id=job_id))


@router.post(
    "/push-jobs/{job_id}/cancel",
    response=PolicyPushJobOut,
    operation_id="policy_push_job_cancel",
    summary="Cancel a scheduled, queued or running push job (its pending pushes do not go)",
)
def push_job_cancel(request: HttpRequest, job_id: int):
    actor = officer_of(request, perms.MANAGE)
    return _job(service.push_job_cancel(actor=actor, job_id=job_id))


@router.get(
    "/items/{item_id}/push-jobs",
    response=list[PolicyPushJobOut],
    operation_id="policy_push_job_list",
    summary="The latest 20 push jobs of an item, newest first",
)
def push_job_list(request: HttpRequest, item_id: int):
    actor = officer_of(request)
    item = selectors.item_get(actor=actor, item_id=item_id)
    return [_job(j) for j in reads.push_jobs_of(item, limit=20)]


@router.get(
    "/items/{item_id}/pushes",
    response=PolicyPushPageOut,
    operation_id="policy_push_list",
    summary="The pushes of an item (one per enterprise), newest first, with counts by status, "
    "送达率 and 阅读率",
)
def push_list(request: HttpRequest, item_id: int, query: Query[PolicyPushQueryIn]):
    actor = officer_of(request)
    qs = reads.pushes_of(actor=actor, item_id=item_id, status=query.status)
    rows, next_cursor = keyset_page(qs, cursor=query.cursor, limit=query.limit)
    names = reads.enterprise_names(rows)
    counts = reads.push_counts(Push.objects.filter(item_id=item_id))
    return {
        "items": [_push(p, names.get(p.enterprise_id)) for p in rows],
        "next_cursor": next_cursor,
        "counts": _counts(counts),
    }


def _push(p: Push, ref) -> dict:
    return {
        "id": p.pk,
        "enterprise_id": p.enterprise_id,
        "uscc": ref.uscc if ref else "",
        "enterprise_name": ref.name if ref else "",
        "job_id": p.job_id,
        "version": p.version,
        "status": p.status,
        "created_at": p.created_at,
        "sent_at": p.sent_at,
        "delivered_at": p.delivered_at,
        "read_at": p.read_at,
    }
