"""Demo pushes (``yiwang seed``, after the policies): about 15% of the demo city's registry
enterprises get an enterprise account with one member user (a realistic name and mobile, an
unusable password), then every published item is pushed synchronously — no worker runs during
the seed — so the demo has pushes (delivered to the inboxes of the enterprises with users,
unreachable for the others) and 免申即享 grants.

At ``--scale city`` (438,000 enterprises) the pushes and grants are written here too, but the
notices are left to the worker: their batches are queued, throttled by
``YIWANG_POLICY_PUSH_PER_MINUTE``.

Idempotent: accounts with a member are left alone, and an item that was pushed already (a
finished job) is not pushed again.
"""

from __future__ import annotations

from django.db.models import Q

from yiwang.core import facade as core
from yiwang.core.seed import SeedContext, make_mobile, seed_step
from yiwang.notify import facade as notify
from yiwang.policy.choices import DocumentStatus, ItemStatus, PushJobStatus, PushTrigger
from yiwang.policy.models import PolicyItem, PushJob
from yiwang.policy.services import push
from yiwang.registry import facade as registry

ACCOUNT_SHARE = 0.15
# The demo's history of pushes goes to the inbox only: by SMS it would be thousands of
# outbox rows and delivery tasks queued at once. Pushes made in the running demo use both.
SEED_CHANNELS = (notify.Channel.INBOX,)


def seed_accounts(ctx: SeedContext, city_id: int) -> int:
    """Accounts with one agent each for a seeded ~15% of the city's registry enterprises."""
    ids = registry.enterprise_ids_where(Q(), city_id=city_id)
    chosen = sorted(ctx.rng.sample(ids, round(len(ids) * ACCOUNT_SHARE))) if ids else []
    refs = registry.enterprises_by_ids(chosen)
    rows = [
        core.EnterpriseAgentIn(
            uscc=ref.uscc,
            name=ref.name,
            username=f"qy{ref.uscc.lower()}",
            display_name=ctx.faker.name(),
            mobile=make_mobile(ctx.rng),
        )
        for ref in (refs[pk] for pk in chosen if pk in refs)
    ]
    created = core.enterprise_agents_provision(rows)
    ctx.count("enterprise users (policy push)", created)
    return created


def seed_item_push(ctx: SeedContext, item_id: int) -> bool:
    """Push one published item now (its queued publication job, or a new one)."""
    jobs = PushJob.objects.filter(item_id=item_id)
    job = jobs.filter(status=PushJobStatus.QUEUED).first()
    if job is None:
        if jobs.exclude(status=PushJobStatus.CANCELLED).exists():
            return False  # pushed already (or running elsewhere)
        job = push.push_start(actor=None, item_id=item_id, trigger=PushTrigger.PUBLICATION)
    # small: sent here and now; city: hundreds of thousands of notices, left to the worker
    # (the batches are queued, throttled as configured)
    inline = ctx.scale == "small"
    job = push.push_job_run(job_id=job.pk, send_inline=inline, channels=SEED_CHANNELS)
    if job is not None:
        ctx.count("policy pushes", job.created_pushes)
        ctx.count("policy grants (免申即享)", job.grants)
    return True


@seed_step("policy.push", order=86)
def seed_pushes(ctx: SeedContext) -> None:
    city = core.organisation_by_code("zh")
    if city is None:
        return
    seed_accounts(ctx, city.id)
    push.ensure_templates()
    items = list(
        PolicyItem.objects.filter(
            status=ItemStatus.PUBLISHED,
            document__status=DocumentStatus.PUBLISHED,
            document__organisation__path__startswith=f"/{city.id}/",
        )
        .exclude(rule__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for item_id in ctx.track(items, "政策精准推送"):
        seed_item_push(ctx, item_id)
