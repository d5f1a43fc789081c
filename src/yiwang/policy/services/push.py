"""The precise push (精准推送) of published policy items and their 免申即享 grants.

A **push job** fans an item out to the enterprises its rule matches now:

1. :func:`push_start` creates the job — ``queued`` (a task runs it at once) or ``scheduled``
   (``run_at`` in the future; the minute sweep :func:`push_jobs_due` queues it when due). Only
   a published item with a rule can be pushed (409 ``policy.push_not_published``). An item has
   at most one active (queued or running) job: starting another one while it runs **returns
   the active job** (the API answers 200 instead of 201), so a double click or a publication
   during the daily re-match never fans out twice.
2. :func:`push_job_run` (the task body) matches, subtracts the enterprises already pushed for
   the item (one :class:`~yiwang.policy.models.Push` per item and enterprise, whatever the
   version: an enterprise hears of an item once), writes the new pushes ``pending`` with one
   multi-row statement per 10,000 (no model instances, no audit record per row), and for a
   免申即享 item grants the benefit to every matched enterprise without a grant yet
   (:class:`~yiwang.policy.models.Grant`, approved at the item's cap). Pushes cancelled by an
   earlier withdrawal are revived: those enterprises never heard of the item. Then it queues
   the send batches: batch *k* of ``BATCH_SIZE`` pushes ``k × BATCH_SIZE / rate`` minutes after
   the first (``YIWANG_POLICY_PUSH_PER_MINUTE``).
3. :func:`push_batch_send` (one task per batch) re-checks that the item is still published,
   finds each enterprise's member users (``core`` accounts by USCC) and sends one notice per
   push through ``notify.send_many`` — inbox and SMS, deduplicated by ``policy.push:<id>``,
   linking to the enterprise desk's page of the push. A push with a stored inbox message is
   ``delivered`` at once (notify stores inbox messages delivered), one without any account
   user ``unreachable``. The last batch finishes the job.
4. Withdrawal (of the item or of its document, or a revision taking it offline) calls
   :func:`push_stop` after the commit: open jobs are cancelled and pending pushes become
   ``cancelled`` in one update; later batches find nothing to send.
5. Sweeps: :func:`push_jobs_due` and :func:`push_jobs_resume` every minute (scheduled jobs that
   are due; jobs a lost task left queued or silent — re-running a job is idempotent),
   :func:`push_delivery_sync` every minute (``sent`` pushes → ``delivered`` / ``failed`` from the
   notify message statuses) and :func:`push_rematch_all` daily at 07:30: a ``rematch`` job for
   every published item without an active one, so enterprises that newly qualify are pushed
   (and granted) — the dedup leaves everyone else alone.

Rates (as the statistics compute them): 送达率 = pushes delivered or read / pushes not
cancelled; 阅读率 = pushes read / pushes delivered or read.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang import config
from yiwang.core.audit import audit_record
from yiwang.core.errors import Conflict, DomainError, NotFound
from yiwang.notify import facade as notify
from yiwang.policy import selectors
from yiwang.policy.choices import (
    DocumentStatus,
    GrantStatus,
    ItemStatus,
    PushJobStatus,
    PushStatus,
    PushTrigger,
)
from yiwang.policy.matching import matcher_for
from yiwang.policy.models import Grant, PolicyItem, Push, PushJob
from yiwang.policy.services.common import enterprise_users, invalid, item_for_write
from yiwang.registry import facade as registry

logger = logging.getLogger(__name__)

J = PushJobStatus
S = PushStatus
ACTIVE = (J.QUEUED, J.RUNNING)  # the partial unique constraint: one per item
OPEN = (J.SCHEDULED, J.QUEUED, J.RUNNING)
BATCH_SIZE = 500  # pushes per send task
CHUNK = 10_000  # pushes per insert statement (and progress step)
MAX_AHEAD = dt.timedelta(days=366)
STALLED_QUEUED = dt.timedelta(minutes=2)
STALLED_RUNNING = dt.timedelta(minutes=10)
SYNC_LIMIT = 5000
DUE_LIMIT = 100
CHANNELS = (notify.Channel.INBOX, notify.Channel.SMS)

# Shown in the inbox and sent by SMS: the item and its document number only — no personal
# data, nothing about the enterprise.
TEMPLATES: dict[str, tuple[str, str]] = {
    "policy.push": (
        "惠企政策推送：{{ item }}",
        "您企业符合“{{ item }}”（{{ document_number }}）的享受条件，"
        "请登录企业服务台查看政策详情及办理方式。",
    ),
    "policy.push_granted": (
        "免申即享：{{ item }}",
        "您企业符合“{{ item }}”（{{ document_number }}）的条件，已免申请直接享受该政策"
        "（免申即享），无需提交申请。请登录企业服务台查看详情。",
    ),
}


def push_dedupe_key(push_id: int) -> str:
    """The notification identity of a push (its inbox and SMS messages)."""
    return f"policy.push:{push_id}"


def ensure_templates() -> None:
    for code, (subject, body) in TEMPLATES.items():
        notify.template_ensure(code, subject, body, name=code)


# --- starting a job -------------------------------------------------------------------------------


def _live(item_id: int) -> bool:
    """Whether the item can be pushed now: published, of a published document, with a rule."""
    return (
        PolicyItem.objects.filter(
            pk=item_id, status=ItemStatus.PUBLISHED, document__status=DocumentStatus.PUBLISHED
        )
        .exclude(rule__isnull=True)
        .exists()
    )


def _not_published(item: PolicyItem) -> Conflict:
    return Conflict(
        "policy.push_not_published",
        _(
            "Only a published item of a published document, with an eligibility rule, can be "
            "pushed; this item is %(status)s."
        )
        % {"status": item.get_status_display()},
    )


def _enqueue_run(job_id: int) -> None:
    from yiwang.policy.tasks import policy_push_job_task

    try:
        policy_push_job_task(job_id)
    except Exception:  # the queue is down: the minute sweep queues the job again
        logger.warning("could not queue push job %s; the sweep will retry", job_id, exc_info=True)


def push_start(*, actor, item_id: int, trigger: str, run_at: dt.datetime | None = None) -> PushJob:
    """Start pushing an item (officers need ``policy.manage`` on it: 403 without the role, 404
    out of scope; ``actor=None`` for the platform). ``run_at`` in the future schedules the job
    instead (at most a year ahead); past or now runs it at once. A second start while a job of
    the item is queued or running returns that job (``job.started_now`` is False then)."""
    if trigger not in PushTrigger.values:
        raise invalid(
            "trigger",
            "policy.invalid_trigger",
            _("Choose one of: %(values)s.") % {"values": ", ".join(PushTrigger.values)},
        )
    now = timezone.now()
    if run_at is not None:
        if timezone.is_naive(run_at):
            run_at = timezone.make_aware(run_at)
        if run_at > now + MAX_AHEAD:
            raise invalid(
                "run_at",
                "policy.push_run_at_too_far",
                _("A push can be scheduled at most a year ahead."),
            )
    scheduled = run_at is not None and run_at > now
    with transaction.atomic():
        item = item_for_write(actor, item_id)  # 403 / 404, and the item locked
        if (
            item.status != ItemStatus.PUBLISHED
            or item.document.status != DocumentStatus.PUBLISHED
            or not item.rule
        ):
            raise _not_published(item)
        if not scheduled:
            active = PushJob.objects.filter(item=item, status__in=ACTIVE).first()
            if active is not None:
                active.started_now = False
                return active
        job = PushJob(
            item=item,
            version=item.version,
            trigger=trigger,
            status=J.SCHEDULED if scheduled else J.QUEUED,
            run_at=run_at if scheduled else None,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        try:
            with transaction.atomic():
                job.save()
        except IntegrityError:  # a concurrent start won (the item lock makes this rare)
            active = PushJob.objects.filter(item=item, status__in=ACTIVE).first()
            if active is None:
                raise
            active.started_now = False
            return active
        audit_record(
            actor=actor,
            action="policy.push.schedule" if scheduled else "policy.push.start",
            obj=job,
            changes={
                "item_id": item.pk,
                "version": item.version,
                "trigger": trigger,
                "status": job.status,
                "run_at": run_at.isoformat() if scheduled else None,
            },
        )
        if not scheduled:
            transaction.on_commit(partial(_enqueue_run, job.pk))
    job.started_now = True
    return job


def push_job_cancel(*, actor, job_id: int) -> PushJob:
    """Cancel a scheduled, queued or running job; its pending pushes are cancelled (409 for a
    finished job)."""
    with transaction.atomic():
        job = PushJob.objects.filter(pk=job_id).only("item_id").first()
        if job is None:
            raise NotFound("push job")
        item_for_write(actor, job.item_id)  # 403 / 404
        job = PushJob.objects.select_for_update().get(pk=job_id)
        if job.status not in OPEN:
            raise Conflict(
                "policy.push_job_finished",
                _("This push job is %(status)s and can no longer be cancelled.")
                % {"status": job.get_status_display()},
            )
        now = timezone.now()
        was = job.status
        job.status, job.finished_at, job.heartbeat_at = J.CANCELLED, now, now
        job.message = _("Cancelled by an officer.")
        job.save(update_fields=["status", "finished_at", "heartbeat_at", "message"])
        cancelled = Push.objects.filter(job=job, status=S.PENDING).update(status=S.CANCELLED)
        audit_record(
            actor=actor,
            action="policy.push.cancel",
            obj=job,
            changes={"status": [was, J.CANCELLED], "pushes_cancelled": cancelled},
        )
    return job


# --- the fan-out ----------------------------------------------------------------------------------


def _ids(qs: QuerySet) -> np.ndarray:
    return np.fromiter(qs.values_list("enterprise_id", flat=True).iterator(), dtype=np.int64)


def _insert_per_enterprise(model, values: dict[str, Any], ids: np.ndarray) -> None:
    """One row of ``model`` per enterprise id with the same other ``values``, rows that would
    break a unique constraint skipped: one statement (PostgreSQL: ``unnest`` of the ids;
    SQLite: ``executemany``) instead of a model instance per row."""
    if not len(ids):
        return
    fields = [model._meta.get_field(name) for name in values]
    params = [
        f.get_db_prep_save(v, connection) for f, v in zip(fields, values.values(), strict=True)
    ]
    quote = connection.ops.quote_name
    enterprise = model._meta.get_field("enterprise").column
    columns = [quote(f.column) for f in fields] + [quote(enterprise)]
    table = quote(model._meta.db_table)
    if connection.vendor == "postgresql":
        marks = ", ".join(["%s"] * len(params))
        sql = (
            f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608 — names from _meta
            f"SELECT {marks}, e FROM unnest(%s::bigint[]) AS e ON CONFLICT DO NOTHING"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, ids.tolist()])
    elif connection.vendor == "sqlite":
        marks = ", ".join(["%s"] * len(columns))
        sql = f"INSERT OR IGNORE INTO {table} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608
        with connection.cursor() as cursor:
            cursor.executemany(sql, [(*params, e) for e in ids.tolist()])
    else:  # pragma: no cover — the two databases we run on are above
        model.objects.bulk_create(
            [model(**values, enterprise_id=e) for e in ids.tolist()],
            ignore_conflicts=True,
            batch_size=1000,
        )


def _beat(job_id: int, **counts) -> bool:
    """Record progress; False when the job is no longer running (cancelled meanwhile)."""
    return bool(
        PushJob.objects.filter(pk=job_id, status=J.RUNNING).update(
            heartbeat_at=timezone.now(), **counts
        )
    )


def _grant(item: PolicyItem, matched: np.ndarray, now: dt.datetime) -> int:
    """免申即享: a grant for every matched enterprise that has none for the item yet."""
    new = np.setdiff1d(matched, _ids(Grant.objects.filter(item=item)), assume_unique=True)
    for start in range(0, len(new), CHUNK):
        _insert_per_enterprise(
            Grant,
            {
                "item": item.pk,
                "version": item.version,
                "amount": item.amount_cap,
                "status": GrantStatus.APPROVED,
                "approved_at": now,
                "payment_reference": "",
                "note": "",
                "revision": 1,
            },
            new[start : start + CHUNK],
        )
    return len(new)


def _fail(job_id: int, message: str) -> None:
    """The fan-out broke: the job fails, and what it wrote is cancelled, so that the next job
    of the item (the daily re-match at the latest) pushes those enterprises again."""
    now = timezone.now()
    PushJob.objects.filter(pk=job_id, status=J.RUNNING).update(
        status=J.FAILED, finished_at=now, heartbeat_at=now, message=message[:1000]
    )
    Push.objects.filter(job_id=job_id, status=S.PENDING).update(status=S.CANCELLED)
    audit_record(
        actor=None,
        action="policy.push.fail",
        object_type="policy.pushjob",
        object_id=job_id,
        changes={"message": message[:1000]},
    )


def push_job_run(
    *,
    job_id: int,
    send_inline: bool = False,
    channels: tuple[str, ...] = CHANNELS,
    progress: Callable[[PushJob], None] | None = None,
) -> PushJob | None:
    """Run a queued job (the task body): match, dedup, write the pushes (and grants), queue
    the send batches — or send them here and now with ``send_inline`` (the seed: no worker;
    ``channels`` then says which). A job that is not queued is left alone; running one again
    after a crash is safe."""
    now = timezone.now()
    claimed = PushJob.objects.filter(pk=job_id, status=J.QUEUED).update(
        status=J.RUNNING, started_at=now, heartbeat_at=now, message=""
    )
    job = (
        PushJob.objects.select_related("item", "item__document", "item__document__organisation")
        .filter(pk=job_id)
        .first()
    )
    if job is None or not claimed:
        return job
    item = job.item
    if not _live(item.pk):
        push_stop(item_id=item.pk, actor=None, reason=_("The item is no longer published."))
        job.refresh_from_db()
        return job
    try:
        _fan_out(job, item, now, progress)
    except Exception as exc:
        logger.exception("push job %s failed", job_id)
        _fail(job_id, f"{type(exc).__name__}: {exc}")
        job.refresh_from_db()
        return job
    batches = _batches(job.pk)
    if not _beat(job.pk):  # cancelled while writing: what it wrote is cancelled too
        Push.objects.filter(job_id=job.pk, status=S.PENDING).update(status=S.CANCELLED)
        job.refresh_from_db()
        return job
    job.refresh_from_db()
    audit_record(
        actor=None,
        action="policy.push.fanout",
        obj=job,
        changes={
            "item_id": item.pk,
            "version": job.version,
            "matched": job.matched,
            "created_pushes": job.created_pushes,
            "skipped": job.skipped,
            "grants": job.grants,
            "batches": len(batches),
        },
    )
    if send_inline:
        for first, last in batches:
            push_batch_send(job_id=job.pk, first_id=first, last_id=last, channels=channels)
    else:
        _queue_batches(job.pk, batches)
    _finish_if_done(job.pk)
    job.refresh_from_db()
    if progress is not None:
        progress(job)
    return job


def _fan_out(job: PushJob, item: PolicyItem, now: dt.datetime, progress) -> None:
    city_id = selectors.city_id_of(item.document.organisation.path)
    matched = matcher_for(city_id).match_ids(item.rule, key=(item.pk, item.version), fresh=True)
    matched = np.asarray(matched, dtype=np.int64)
    pushes = Push.objects.filter(item=item)
    own = _ids(pushes.filter(job=job).exclude(status=S.CANCELLED))  # a re-run's earlier part
    others = _ids(pushes.exclude(job=job).exclude(status=S.CANCELLED))
    cancelled = _ids(pushes.filter(status=S.CANCELLED))
    fresh = np.setdiff1d(matched, others, assume_unique=True)
    todo = np.setdiff1d(fresh, own, assume_unique=True)
    revive = np.intersect1d(todo, cancelled, assume_unique=True)
    new = np.setdiff1d(todo, cancelled, assume_unique=True)
    created = len(fresh) - len(todo)
    counts = {"matched": len(matched), "skipped": len(matched) - len(fresh)}
    if not _beat(job.pk, version=item.version, created_pushes=created, **counts):
        return
    job.version = item.version
    for start in range(0, len(revive), 5000):  # enterprises a withdrawal left unnotified
        created += Push.objects.filter(
            item=item, status=S.CANCELLED, enterprise_id__in=revive[start : start + 5000].tolist()
        ).update(
            status=S.PENDING,
            job=job,
            version=item.version,
            message_ids=[],
            sent_at=None,
            delivered_at=None,
        )
    for start in range(0, len(new), CHUNK):
        chunk = new[start : start + CHUNK]
        with transaction.atomic():
            _insert_per_enterprise(
                Push,
                {
                    "item": item.pk,
                    "job": job.pk,
                    "version": item.version,
                    "status": S.PENDING,
                    "message_ids": [],
                    "created_at": now,
                },
                chunk,
            )
        created += len(chunk)
        if not _beat(job.pk, created_pushes=created):
            return
        if progress is not None:
            job.created_pushes = created
            progress(job)
    grants = _grant(item, matched, now) if item.exempt_application else 0
    _beat(job.pk, created_pushes=created, grants=F("grants") + grants)


def _batches(job_id: int) -> list[tuple[int, int]]:
    """The id ranges of the job's pending pushes, ``BATCH_SIZE`` pushes each."""
    ids = list(
        Push.objects.filter(job_id=job_id, status=S.PENDING)
        .order_by("pk")
        .values_list("pk", flat=True)
        .iterator(chunk_size=20_000)
    )
    return [
        (ids[start], ids[min(start + BATCH_SIZE, len(ids)) - 1])
        for start in range(0, len(ids), BATCH_SIZE)
    ]


def batch_delay(k: int) -> float:
    """Seconds after the first batch at which batch ``k`` is sent (the configured rate)."""
    rate = max(1, int(config.get("YIWANG_POLICY_PUSH_PER_MINUTE") or 1))
    return k * BATCH_SIZE * 60.0 / rate


def _queue_batches(job_id: int, batches: list[tuple[int, int]]) -> None:
    from yiwang.policy.tasks import policy_push_send_task

    try:
        for k, (first, last) in enumerate(batches):
            delay = batch_delay(k)
            if delay <= 0:
                policy_push_send_task(job_id, first, last)
            else:
                policy_push_send_task.schedule(args=(job_id, first, last), delay=delay)
    except Exception:  # the queue is down: the sweep finds the silent job and queues again
        logger.warning("could not queue the batches of push job %s", job_id, exc_info=True)


# --- sending --------------------------------------------------------------------------------------


def desk_link(push_id: int) -> str:
    """The enterprise desk's page of a push."""
    try:
        return reverse("policy:desk_push", args=[push_id])
    except NoReverseMatch:
        return f"/policy/desk/pushes/{push_id}/"


def _recipients(pushes: list[tuple[int, int]]) -> dict[int, list]:
    """Push id → the active users acting for its enterprise (3 queries)."""
    refs = registry.enterprises_by_ids({enterprise_id for _pk, enterprise_id in pushes})
    users = enterprise_users({r.uscc for r in refs.values()})
    return {
        pk: users.get(refs[enterprise_id].uscc, []) if enterprise_id in refs else []
        for pk, enterprise_id in pushes
    }


def push_batch_send(
    *, job_id: int, first_id: int, last_id: int, channels: tuple[str, ...] = CHANNELS
) -> int:
    """Send the job's pending pushes with ids in ``[first_id, last_id]``: one notice per push
    (inbox + SMS) to its enterprise's users; returns how many were sent. A job no longer
    running sends nothing; an item no longer published stops the push."""
    job = PushJob.objects.select_related("item", "item__document").filter(pk=job_id).first()
    if job is None or job.status != J.RUNNING:
        return 0
    item = job.item
    if not _live(item.pk):
        push_stop(item_id=item.pk, actor=None, reason=_("The item is no longer published."))
        return 0
    ensure_templates()
    now = timezone.now()
    with transaction.atomic():
        pushes = list(
            Push.objects.select_for_update()
            .filter(job_id=job_id, status=S.PENDING, pk__gte=first_id, pk__lte=last_id)
            .order_by("pk")
            .values_list("pk", "enterprise_id")
        )
        sent = _send(job, item, pushes, now, channels) if pushes else 0
    _finish_if_done(job_id)
    return sent


def _send(job, item, pushes: list[tuple[int, int]], now, channels) -> int:
    template = "policy.push_granted" if item.exempt_application else "policy.push"
    context = {"item": item.title, "document_number": item.document.document_number}
    recipients = _recipients(pushes)
    outcome: dict[int, tuple] = {}  # push id → (status, message ids)
    outgoing, owners = [], []
    for pk, _enterprise_id in pushes:
        users = recipients[pk]
        if not users:
            outcome[pk] = (S.UNREACHABLE, [])
            continue
        outgoing.append(
            notify.Outgoing(
                template_code=template,
                recipients=users,
                channels=list(channels),
                context=context,
                dedupe_key=push_dedupe_key(pk),
                link=desk_link(pk),
                payload={**context, "push_id": pk, "item_id": item.pk},
            )
        )
        owners.append(pk)
    results = notify.send_many(outgoing, skip_invalid=True) if outgoing else []
    statuses = notify.message_statuses(
        [m for r in results if not isinstance(r, Exception) for m in r]
    )
    reached = {notify.MessageStatus.DELIVERED, notify.MessageStatus.READ}
    for pk, result in zip(owners, results, strict=True):
        if isinstance(result, Exception):
            outcome[pk] = (S.FAILED, [])
        elif any(statuses.get(m) in reached for m in result):
            outcome[pk] = (S.DELIVERED, result)
        else:
            outcome[pk] = (S.SENT, result)
    _store_outcomes(outcome, now)
    by_status: dict[str, int] = {}
    for status, _ids in outcome.values():
        by_status[status] = by_status.get(status, 0) + 1
    sent = by_status.get(S.SENT, 0) + by_status.get(S.DELIVERED, 0)
    PushJob.objects.filter(pk=job.pk).update(sent=F("sent") + sent, heartbeat_at=now)
    audit_record(
        actor=None,
        action="policy.push.send",
        obj=job,
        changes={
            "item_id": item.pk,
            "first_id": pushes[0][0],
            "last_id": pushes[-1][0],
            "pushes": len(pushes),
            "by_status": by_status,
        },
    )
    return sent


def _store_outcomes(outcome: dict[int, tuple], now) -> None:
    """Write a batch's outcomes: one UPDATE per status for the pushes without messages, one
    ``executemany`` for those with their own message ids (``bulk_update``'s CASE per row and
    field costs far more)."""
    plain: dict[str, list[int]] = {}
    rows = []
    status_f, ids_f, sent_f, delivered_f = (
        Push._meta.get_field(name) for name in ("status", "message_ids", "sent_at", "delivered_at")
    )
    prep_now = sent_f.get_db_prep_save(now, connection)
    for pk, (status, ids) in outcome.items():
        if not ids:
            plain.setdefault(status, []).append(pk)
            continue
        delivered = prep_now if status == S.DELIVERED else None
        rows.append([status, ids_f.get_db_prep_save(ids, connection), prep_now, delivered, pk])
    for status, ids in plain.items():
        Push.objects.filter(pk__in=ids).update(status=status)
    if not rows:
        return
    quote = connection.ops.quote_name
    columns = (status_f, ids_f, sent_f, delivered_f)
    sets = ", ".join(f"{quote(f.column)} = %s" for f in columns)
    sql = f"UPDATE {quote(Push._meta.db_table)} SET {sets} WHERE {quote('id')} = %s"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _finish_if_done(job_id: int) -> None:
    if Push.objects.filter(job_id=job_id, status=S.PENDING).exists():
        return
    now = timezone.now()
    with transaction.atomic():
        done = PushJob.objects.filter(pk=job_id, status=J.RUNNING).update(
            status=J.DONE, finished_at=now, heartbeat_at=now
        )
        if done:
            job = PushJob.objects.get(pk=job_id)
            audit_record(
                actor=None,
                action="policy.push.finish",
                obj=job,
                changes={
                    "matched": job.matched,
                    "created_pushes": job.created_pushes,
                    "sent": job.sent,
                    "grants": job.grants,
                },
            )


# --- withdrawal -----------------------------------------------------------------------------------


def push_stop(*, item_id: int, actor=None, reason: str = "") -> int:
    """The item went offline: cancel its scheduled, queued and running jobs and turn its
    pending pushes into ``cancelled`` (one update each, one audit record). Returns the number
    of pushes cancelled."""
    now = timezone.now()
    reason = reason or _("The item was withdrawn.")
    with transaction.atomic():
        jobs = list(
            PushJob.objects.filter(item_id=item_id, status__in=OPEN).values_list("pk", flat=True)
        )
        if jobs:
            PushJob.objects.filter(pk__in=jobs).update(
                status=J.CANCELLED, finished_at=now, heartbeat_at=now, message=reason[:1000]
            )
        cancelled = Push.objects.filter(item_id=item_id, status=S.PENDING).update(
            status=S.CANCELLED
        )
        if jobs or cancelled:
            audit_record(
                actor=actor,
                action="policy.push.stop",
                object_type="policy.policyitem",
                object_id=item_id,
                changes={"jobs_cancelled": jobs, "pushes_cancelled": cancelled, "reason": reason},
            )
    return cancelled


def push_on_publication(item_id: int, actor=None) -> None:
    """After the commit of a publication: push the item at once. A failure is only logged —
    the publication stands, and the daily re-match pushes what was missed."""
    try:
        push_start(actor=actor, item_id=item_id, trigger=PushTrigger.PUBLICATION)
    except DomainError as exc:  # e.g. withdrawn again in the same transaction as published
        logger.debug("policy: item %s is not pushed: %s", item_id, exc.message)
    except Exception:
        logger.exception("policy: the push of item %s could not start", item_id)


def push_on_withdrawal(item_id: int, actor=None, reason: str = "") -> None:
    """After the commit of a withdrawal or revision: stop the item's pending pushes (a
    failure is logged; each send batch re-checks the item anyway)."""
    try:
        push_stop(item_id=item_id, actor=actor, reason=reason)
    except Exception:
        logger.exception("policy: the pushes of item %s could not be stopped", item_id)


# --- sweeps ---------------------------------------------------------------------------------------


def push_jobs_due(*, now: dt.datetime | None = None) -> list[int]:
    """Queue the scheduled jobs that are due (an item whose push is still active keeps its
    scheduled job waiting until the next minute; an item gone offline cancels it)."""
    now = now or timezone.now()
    started = []
    due = PushJob.objects.filter(status=J.SCHEDULED, run_at__lte=now).order_by("run_at", "pk")
    for job_id, item_id in list(due.values_list("pk", "item_id")[:DUE_LIMIT]):
        if not _live(item_id):
            push_stop(item_id=item_id, actor=None, reason=_("The item is no longer published."))
            continue
        try:
            with transaction.atomic():
                moved = PushJob.objects.filter(pk=job_id, status=J.SCHEDULED).update(
                    status=J.QUEUED, heartbeat_at=now
                )
                if moved:
                    audit_record(
                        actor=None,
                        action="policy.push.due",
                        object_type="policy.pushjob",
                        object_id=job_id,
                        changes={"status": [J.SCHEDULED, J.QUEUED]},
                    )
                    transaction.on_commit(partial(_enqueue_run, job_id))
                    started.append(job_id)
        except IntegrityError:
            continue  # another push of the item is active
    return started


def _stall_window() -> dt.timedelta:
    # between two batches of a job the heartbeat is silent for BATCH_SIZE / rate minutes
    return STALLED_RUNNING + 3 * dt.timedelta(seconds=batch_delay(1))


def push_jobs_resume(*, now: dt.datetime | None = None) -> list[int]:
    """Queue again the jobs a lost task left undone: queued ones nobody claimed, running ones
    silent for too long (the fan-out died, or send tasks were lost). Re-running a job is
    idempotent: its own pushes count as created, pending ones are queued again."""
    now = now or timezone.now()
    queued_cut, running_cut = now - STALLED_QUEUED, now - _stall_window()
    stalled = PushJob.objects.filter(
        Q(status=J.QUEUED)
        & (Q(heartbeat_at__lt=queued_cut) | Q(heartbeat_at__isnull=True, created_at__lt=queued_cut))
        | Q(status=J.RUNNING, heartbeat_at__lt=running_cut)
    )
    ids = list(stalled.values_list("pk", flat=True)[:DUE_LIMIT])
    for job_id in ids:
        with transaction.atomic():
            reset = PushJob.objects.filter(pk=job_id, status__in=ACTIVE).update(
                status=J.QUEUED, heartbeat_at=now
            )
            if reset:
                audit_record(
                    actor=None,
                    action="policy.push.resume",
                    object_type="policy.pushjob",
                    object_id=job_id,
                    changes={"status": J.QUEUED},
                )
                transaction.on_commit(partial(_enqueue_run, job_id))
    return ids


def push_delivery_sync(*, limit: int = SYNC_LIMIT) -> dict[str, int]:
    """``sent`` pushes → ``delivered`` when one of their messages was delivered (or read),
    ``failed`` when every one failed; the others wait for the next run."""
    rows = list(
        Push.objects.filter(status=S.SENT).order_by("pk").values_list("pk", "message_ids")[:limit]
    )
    statuses = notify.message_statuses([m for _pk, ids in rows for m in ids or []])
    reached = {notify.MessageStatus.DELIVERED, notify.MessageStatus.READ}
    delivered, failed = [], []
    for pk, ids in rows:
        found = [statuses.get(m) for m in ids or []]
        if any(s in reached for s in found):
            delivered.append(pk)
        elif found and all(s == notify.MessageStatus.FAILED for s in found):
            failed.append(pk)
    now = timezone.now()
    counts = {"delivered": 0, "failed": 0}
    with transaction.atomic():
        if delivered:
            counts["delivered"] = Push.objects.filter(pk__in=delivered, status=S.SENT).update(
                status=S.DELIVERED, delivered_at=now
            )
        if failed:
            counts["failed"] = Push.objects.filter(pk__in=failed, status=S.SENT).update(
                status=S.FAILED
            )
        if counts["delivered"] or counts["failed"]:
            audit_record(
                actor=None,
                action="policy.push.delivery_sync",
                object_type="policy.push",
                changes=counts,
            )
    return counts


def push_rematch_all() -> list[int]:
    """The daily re-match: a ``rematch`` job for every published item with a rule and no
    active job. Only enterprises that newly qualify get a push (and a 免申即享 grant)."""
    items = (
        PolicyItem.objects.filter(
            status=ItemStatus.PUBLISHED, document__status=DocumentStatus.PUBLISHED
        )
        .exclude(rule__isnull=True)
        .exclude(push_jobs__status__in=ACTIVE)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    started = []
    for item_id in list(items):
        try:
            job = push_start(actor=None, item_id=item_id, trigger=PushTrigger.REMATCH)
        except DomainError as exc:
            logger.info("re-match of item %s skipped: %s", item_id, exc.message)
            continue
        if job.started_now:
            started.append(job.pk)
    return started
