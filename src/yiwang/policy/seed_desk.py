"""Demo disbursement of the enterprise service desk (``yiwang seed``), after the precise push
(``policy.push``, order 86, which writes pushes and 免申即享 grants):

* history: the seed publishes and pushes everything "now"; each seeded item is dated back to
  its document's listing, its pushes and grants to minutes after that, and about 45% of the
  delivered pushes are read by the enterprise's user a few hours to days later — so the
  statistics' trend and 阅读率 have something to show;
* about 60% of the grants are paid, in batch transfers per item (one payment reference for up
  to 50 grants, dated a few days to weeks after the grant);
* a few dozen 快申快享 applications of enterprises that have account users and were pushed a
  non-免申即享 item they still qualify for — submitted (some overdue), approved and paid —
  with their prefill snapshot as the desk stores it (the core seed's demo enterprise first).

Idempotent and fast: the paid share is topped up to 60% (nothing on a second run), pairs that
applied before are skipped, and only the missing number of applications is created. Rows are
written in bulk with one audit record per step (seed data, like the push seed's).
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter, defaultdict
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import F
from django.utils import timezone

from yiwang.core import facade as core
from yiwang.core.audit import audit_record
from yiwang.core.seed import SeedContext, seed_step
from yiwang.policy import selectors
from yiwang.policy.choices import ApplicationStatus, GrantStatus, ItemStatus, PushStatus
from yiwang.policy.models import Grant, PolicyItem, Push, QuickApplication
from yiwang.policy.selectors_desk import prefill_build
from yiwang.policy.services.applications import HONOUR_DAYS
from yiwang.registry import facade as registry
from yiwang.worktime import facade as worktime

PAID_SHARE = 0.6
BATCH = 50  # grants per batch transfer (one payment reference)
APPLICATIONS = 36
PER_ENTERPRISE = 3  # the demo enterprise keeps items to apply for in the demo
DEMO_ENTERPRISE_USER = "enterprise"  # the core seed's demo enterprise user
REACHED = (PushStatus.SENT, PushStatus.DELIVERED, PushStatus.READ)


# --- history ------------------------------------------------------------------------------------

READ_SHARE = 0.45


def date_history(rng: random.Random, *, now: dt.datetime) -> int:
    """Date seeded items back to their document's listing, their pushes and grants after it,
    and read about 45% of the delivered pushes. An item already dated back (published within
    a day of its listing) is left alone, so a second run changes nothing."""
    items = list(
        PolicyItem.objects.filter(
            status=ItemStatus.PUBLISHED,
            document__listed_at__isnull=False,
            published_at__gt=F("document__listed_at") + dt.timedelta(days=1),
        ).values_list("pk", "document__listed_at")
    )
    dated = 0
    for item_id, listed_at in items:
        published_at = min(now, listed_at + dt.timedelta(minutes=rng.randint(20, 240)))
        PolicyItem.objects.filter(pk=item_id).update(published_at=published_at)
        # one fan-out: every push of the item went out at the same minute
        at = min(now, published_at + dt.timedelta(minutes=rng.randint(1, 30)))
        item_pushes = Push.objects.filter(item_id=item_id)
        item_pushes.update(created_at=at)
        item_pushes.filter(sent_at__isnull=False).update(sent_at=at)
        item_pushes.filter(delivered_at__isnull=False).update(delivered_at=at)
        Grant.objects.filter(item_id=item_id).update(approved_at=at)
        delivered = list(
            item_pushes.filter(status=PushStatus.DELIVERED).only("pk", "enterprise_id", "status")
        )
        readers = _readers(delivered)
        read = []
        for push in delivered:
            reader = readers.get(push.enterprise_id)
            if reader and rng.random() < READ_SHARE:
                push.status = PushStatus.READ
                push.read_at = min(now, at + dt.timedelta(hours=rng.uniform(0.3, 150)))
                push.read_by_id = reader
                read.append(push)
        Push.objects.bulk_update(read, ["status", "read_at", "read_by"], batch_size=500)
        dated += 1
    if dated:
        audit_record(
            actor=None,
            action="policy.push.seed_history",
            object_type="policy.push",
            changes={"items": dated},
        )
    return dated


def _readers(pushes: list) -> dict[int, int]:
    """Enterprise id → the id of a user acting for it (the reader of its pushes)."""
    refs = registry.enterprises_by_ids({p.enterprise_id for p in pushes})
    members = core.enterprise_member_ids([ref.uscc for ref in refs.values()])
    return {eid: members[ref.uscc][0] for eid, ref in refs.items() if members.get(ref.uscc)}


# --- grants ---------------------------------------------------------------------------------------


def pay_grants(rng: random.Random, *, now: dt.datetime) -> int:
    """Pay approved grants until 60% of the grants that were not revoked are paid."""
    live = Grant.objects.exclude(status=GrantStatus.REVOKED)
    total = live.count()
    target = round(total * PAID_SHARE) - live.filter(status=GrantStatus.PAID).count()
    if target <= 0:
        return 0
    approved = list(
        Grant.objects.filter(status=GrantStatus.APPROVED)
        .order_by("pk")
        .values_list("pk", "item_id", "approved_at", "amount")
    )
    rng.shuffle(approved)
    approved.sort(key=lambda row: not row[3])  # money first: a relief or entitlement is "paid" too
    by_item: dict[int, list[tuple[int, dt.datetime]]] = defaultdict(list)
    for pk, item_id, approved_at, _amount in approved[:target]:
        by_item[item_id].append((pk, approved_at))
    paid = 0
    for item_id in sorted(by_item):
        rows = sorted(by_item[item_id])
        for n, start in enumerate(range(0, len(rows), BATCH), start=1):
            chunk = rows[start : start + BATCH]
            latest = max(at for _pk, at in chunk)
            delay = dt.timedelta(days=rng.randint(3, 40), hours=rng.randint(1, 8))
            paid_at = min(now, latest + delay)
            reference = f"GK{timezone.localdate(paid_at):%Y%m%d}{item_id:05d}{n:03d}"
            paid += Grant.objects.filter(
                pk__in=[pk for pk, _at in chunk], status=GrantStatus.APPROVED
            ).update(
                status=GrantStatus.PAID,
                paid_at=paid_at,
                payment_reference=reference,
                revision=F("revision") + 1,
            )
    if paid:
        audit_record(
            actor=None,
            action="policy.grant.seed_pay",
            object_type="policy.grant",
            changes={"paid": paid, "items": len(by_item)},
        )
    return paid


# --- 快申快享 applications ------------------------------------------------------------------------


def _candidates(rng: random.Random) -> list[tuple[int, int]]:
    """(item id, enterprise id) pairs: enterprises with account users that were pushed a
    published item which is not 免申即享 — the demo enterprise's first, the rest shuffled."""
    pairs = list(
        Push.objects.filter(
            status__in=REACHED,
            item__status=ItemStatus.PUBLISHED,
            item__exempt_application=False,
        )
        .order_by("pk")
        .values_list("item_id", "enterprise_id")
    )
    rng.shuffle(pairs)
    demo = _demo_enterprise_id()
    if demo is not None:
        pairs.sort(key=lambda p: p[1] != demo)  # stable: the demo enterprise's first
    return pairs


def _demo_enterprise_id() -> int | None:
    user = get_user_model().objects.filter(username=DEMO_ENTERPRISE_USER).first()
    seats = selectors.enterprise_seats(user) if user is not None else []
    return seats[0].enterprise.id if seats and seats[0].enterprise else None


def _status_and_dates(rng: random.Random, now: dt.datetime, cap: Decimal | None) -> dict:
    """A life for one application: submitted 1–150 days ago; older ones decided and paid."""
    submitted_at = now - dt.timedelta(days=rng.randint(1, 150), hours=rng.randint(0, 9))
    due_at = worktime.add_working_days(submitted_at, HONOUR_DAYS).deadline
    row = {"submitted_at": submitted_at, "due_at": due_at, "status": ApplicationStatus.SUBMITTED}
    roll = rng.random()
    decided_at = submitted_at + dt.timedelta(days=rng.randint(5, 45), hours=rng.randint(1, 6))
    if roll < 0.4 or decided_at >= now:
        return row  # waiting — overdue when submitted long ago
    amount = None
    if cap is not None:
        amount = (cap * Decimal(rng.choice(["0.5", "0.8", "1"]))).quantize(Decimal("0.01"))
    row.update(status=ApplicationStatus.APPROVED, decided_at=decided_at, amount=amount)
    if roll < 0.48:
        reason = rng.choice(["申报材料不齐全，逾期未补正", "经核实不符合申报条件"])
        row.update(status=ApplicationStatus.REJECTED, amount=None, reason=reason)
        return row
    paid_at = decided_at + dt.timedelta(days=rng.randint(2, 20))
    if amount and roll > 0.7 and paid_at < now:
        row.update(status=ApplicationStatus.PAID, paid_at=paid_at)
    return row


def seed_applications(rng: random.Random, *, now: dt.datetime) -> int:
    missing = APPLICATIONS - QuickApplication.objects.count()
    if missing <= 0:
        return 0
    pairs = _candidates(rng)
    applied = set(QuickApplication.objects.values_list("item_id", "enterprise_id"))
    items = {i.pk: i for i in PolicyItem.objects.select_related("document__organisation")}
    refs = registry.enterprises_by_ids({e for _i, e in pairs[: missing * 20]})
    members = core.enterprise_member_ids({r.uscc for r in refs.values()})
    per_enterprise = Counter(e for _i, e in applied)
    rows, used = [], set()
    for item_id, enterprise_id in pairs:
        if len(rows) >= missing:
            break
        ref = refs.get(enterprise_id)
        if ref is None or (item_id, enterprise_id) in applied or (item_id, enterprise_id) in used:
            continue
        if per_enterprise[enterprise_id] >= PER_ENTERPRISE:
            continue
        item = items[item_id]
        prefill = prefill_build(item, selectors.EnterpriseSeat(ref.uscc, ref.name, ref))
        if not prefill.eligible:
            continue
        used.add((item_id, enterprise_id))
        per_enterprise[enterprise_id] += 1
        life = _status_and_dates(rng, now, item.amount_cap)
        confirmed = members.get(ref.uscc) or [None]
        rows.append(
            QuickApplication(
                item_id=item_id,
                enterprise_id=enterprise_id,
                version=item.version,
                prefill=prefill.snapshot(),
                confirmed_by_id=confirmed[0],
                **life,
            )
        )
    QuickApplication.objects.bulk_create(rows, ignore_conflicts=True)
    if rows:
        audit_record(
            actor=None,
            action="policy.application.seed",
            object_type="policy.quickapplication",
            changes={"created": len(rows)},
        )
    return len(rows)


@seed_step("policy.desk", order=87)
def seed_desk(ctx: SeedContext) -> None:
    if core.organisation_by_code("zh") is None:
        return
    now = timezone.now()
    ctx.count("policy items dated back", date_history(ctx.rng, now=now))
    ctx.count("policy grants paid", pay_grants(ctx.rng, now=now))
    ctx.count("policy quick applications", seed_applications(ctx.rng, now=now))
