"""Demo policies of the demo city (``yiwang seed``): the 44 documents of ``seed_data`` with
their 100 items, published through the policy services after the registry's enterprise files
(``registry.enterprises``, order 40) exist, so that every rule has enterprises to match.

Idempotent: a document is looked up by its issuer and title; an existing one is left alone.
Listing dates are placed a few working days after the issue date (most within the 7-working-
day rule, some later) so the listing statistics have both.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import timezone

from yiwang.core import facade as core
from yiwang.core.data import zhuhai
from yiwang.core.seed import SeedContext, seed_step
from yiwang.policy import services
from yiwang.policy.models import PolicyDocument
from yiwang.policy.seed_data import DOCUMENTS
from yiwang.worktime import facade as worktime

SHANGHAI = ZoneInfo("Asia/Shanghai")
LISTING_DELAYS = (1, 2, 2, 3, 3, 4, 5, 6, 7, 9, 12)  # working days after the issue date


def _department_codes() -> dict[str, str]:
    """Department name → its organisation code in the core seed (municipal and district)."""
    codes = {name: f"zh-d{i:03d}" for i, name in enumerate(zhuhai.MUNICIPAL_DEPARTMENTS)}
    for di, (dname, kind, _code, _streets) in enumerate(zhuhai.DISTRICTS):
        prefix = dname if kind == "district" else dname.removeprefix("珠海")
        for j, dept in enumerate(zhuhai.DISTRICT_DEPARTMENTS):
            codes[f"{prefix}{dept}"] = f"zh-{di}-d{j:02d}"
    return codes


def _issuer(name: str):
    code = _department_codes().get(name)
    return core.organisation_by_code(code) if code else None


def _listed_at(ctx: SeedContext, issue: dt.date, now: dt.datetime) -> dt.datetime:
    start = dt.datetime.combine(issue, dt.time(0, 0), tzinfo=SHANGHAI)
    delay = ctx.rng.choice(LISTING_DELAYS)
    at = worktime.add_working_days(start, delay).deadline - dt.timedelta(
        minutes=ctx.rng.randint(30, 400)
    )
    return min(at, now)


def _phone(ctx: SeedContext) -> str:
    return f"0756-{ctx.rng.randint(2100000, 2699999)}"


def seed_document(ctx: SeedContext, spec: dict, *, today: dt.date, now: dt.datetime) -> bool:
    org = _issuer(spec["issuer"])
    if org is None:
        return False
    if PolicyDocument.objects.filter(organisation_id=org.id, title=spec["title"]).exists():
        return False
    issue = today - dt.timedelta(days=spec["issued"])
    end = issue + dt.timedelta(days=365 * spec["years"])
    document = services.document_create(
        actor=None,
        data={
            "title": spec["title"],
            "organisation_id": org.id,
            "document_number": f"{spec['prefix']}〔{issue.year}〕{spec['serial']}号",
            "issue_date": issue,
            "effective_from": issue,
            "effective_to": end,
            "full_text": f"{spec['title']}\n\n{spec['interpretation']}\n\n"
            f"本办法自{issue:%Y年%m月%d日}起施行，有效期{spec['years']}年。",
            "interpretation": spec["interpretation"],
        },
    )
    published = not spec.get("draft")
    if published:
        services.document_publish(
            actor=None, document_id=document.pk, at=_listed_at(ctx, issue, now)
        )
    for order, entry in enumerate(spec["items"]):
        title, kind, benefit, cap, rule_text, flags, materials, faq = entry
        exempt = bool(flags.get("exempt"))
        item = services.item_create(
            actor=None,
            document_id=document.pk,
            data={
                "title": title,
                "kind": kind,
                "benefit": benefit,
                "amount_cap": cap,
                "window_start": issue,
                "window_end": end,
                "materials": [] if exempt else materials,
                "contact_department": spec["issuer"],
                "contact_phone": _phone(ctx),
                "exempt_application": exempt,
                "sort_order": order,
            },
            rule_text=rule_text,
        )
        if published and not flags.get("draft"):
            services.item_publish(actor=None, item_id=item.pk, today=today)
            ctx.count("policy items published")
        else:
            ctx.count("policy items (draft)")
        if faq:
            services.faq_create(
                actor=None, item_id=item.pk, data={"question": faq[0], "answer": faq[1]}
            )
    if spec.get("withdrawn"):
        services.document_withdraw(actor=None, document_id=document.pk, reason=spec["withdrawn"])
    ctx.count("policy documents")
    return True


@seed_step("policy.documents", order=85)
def seed_policies(ctx: SeedContext) -> None:
    if core.organisation_by_code("zh") is None:
        return
    today = timezone.localdate()
    now = timezone.now()
    for spec in ctx.track(DOCUMENTS, "政策文件与事项"):
        seed_document(ctx, spec, today=today, now=now)


# the push (order 86), the desk (87) and consultation (92) steps register on import
from yiwang.policy import seed_consult, seed_desk, seed_push  # noqa: E402, F401
