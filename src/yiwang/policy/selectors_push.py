"""Reads of the precise push for officers' pages and the API: counts by status (送达率,
阅读率), a job's progress, an item's jobs and pushes in the officer's scope. The writes are in
``policy.services.push``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, QuerySet

from yiwang.core.errors import NotFound
from yiwang.policy import permissions as perms
from yiwang.policy import selectors
from yiwang.policy.choices import PushJobStatus as J
from yiwang.policy.choices import PushStatus as S
from yiwang.policy.models import PolicyItem, Push, PushJob
from yiwang.registry import facade as registry


@dataclass(frozen=True)
class PushCounts:
    """Pushes of an item (or of one job) by status, with 送达率 and 阅读率."""

    total: int = 0
    pending: int = 0
    sent: int = 0
    delivered: int = 0
    read: int = 0
    unreachable: int = 0
    failed: int = 0
    cancelled: int = 0

    @property
    def reached(self) -> int:
        """Delivered on at least one channel (a read push was delivered)."""
        return self.delivered + self.read

    @property
    def notified(self) -> int:
        """Pushes whose notice went out (sent, delivered, read or failed on delivery)."""
        return self.sent + self.delivered + self.read + self.failed

    @property
    def delivery_rate(self) -> float | None:
        whole = self.total - self.cancelled
        return self.reached / whole if whole else None

    @property
    def read_rate(self) -> float | None:
        return self.read / self.reached if self.reached else None


def push_counts(qs: QuerySet) -> PushCounts:
    """Counts by status of a queryset of pushes (one query)."""
    found = dict(qs.order_by().values_list("status").annotate(n=Count("id")))
    return PushCounts(
        total=sum(found.values()),
        **{name: found.get(name, 0) for name in S.values if name in PushCounts.__annotations__},
    )


@dataclass(frozen=True)
class JobProgress:
    """Where a job is: ``phase`` (waiting, writing, sending, finished) and a percentage."""

    phase: str
    percent: int
    pending: int
    processed: int

    @property
    def finished(self) -> bool:
        return self.phase == "finished"


def job_progress(job: PushJob) -> JobProgress:
    if job.status in (J.SCHEDULED, J.QUEUED):
        return JobProgress("waiting", 0, 0, 0)
    pending = Push.objects.filter(job=job, status=S.PENDING).count()
    processed = max(0, job.created_pushes - pending)
    if job.status != J.RUNNING:
        share = processed / job.created_pushes if job.created_pushes else 1
        percent = 100 if job.status == J.DONE else int(share * 100)
        return JobProgress("finished", percent, pending, processed)
    if job.matched and job.created_pushes + job.skipped < job.matched:
        share = (job.created_pushes + job.skipped) / job.matched
        return JobProgress("writing", int(share * 100), pending, processed)
    share = processed / job.created_pushes if job.created_pushes else 1
    return JobProgress("sending", min(99, int(share * 100)), pending, processed)


def push_job_get(*, actor, job_id: int, perm: str = perms.VIEW) -> PushJob:
    """A job of an item in the officer's scope (404 otherwise)."""
    job = (
        PushJob.objects.select_related(
            "item", "item__document", "item__document__organisation", "created_by"
        )
        .filter(pk=job_id, item__in=selectors.items_visible(actor=actor, perm=perm))
        .first()
    )
    if job is None:
        raise NotFound("push job")
    return job


def push_jobs_of(item: PolicyItem, limit: int = 10) -> list[PushJob]:
    return list(item.push_jobs.select_related("created_by").order_by("-pk")[:limit])


def pushes_of(*, actor, item_id: int, status: str | None = None) -> QuerySet:
    """The pushes of an item in the officer's scope (404 otherwise), newest first."""
    item = selectors.item_get(actor=actor, item_id=item_id)
    qs = Push.objects.filter(item=item)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-pk")


def enterprise_names(pushes: Iterable[Push]) -> dict[int, registry.EnterpriseRef]:
    """Enterprise id → its file reference (name and USCC), for lists of pushes."""
    return registry.enterprises_by_ids({p.enterprise_id for p in pushes})
