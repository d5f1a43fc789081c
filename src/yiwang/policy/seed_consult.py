"""Demo consultation and requests (``yiwang seed``), after the hotline's steps and the policy
documents: a few dozen questions of enterprise users on published items — most answered (some
after the limit), some still open (some overdue), a few published as public FAQ — and a handful
of enterprise requests (诉求) raised from the desk, which become enterprise-lane 12345 orders.

Everything goes through the services (questions dated in the past with ``at``). Idempotent: a
question is looked up by its item, enterprise and text, a request by its idempotency key.
"""

from __future__ import annotations

import datetime as dt
import random

from django.contrib.auth import get_user_model
from django.utils import timezone

from yiwang.core import facade as core
from yiwang.core.choices import AccountKind, Role
from yiwang.core.errors import DomainError
from yiwang.core.seed import SeedContext, seed_step
from yiwang.hotline import facade as hotline
from yiwang.policy import selectors
from yiwang.policy.models import Question
from yiwang.policy.services import questions as services

QUESTIONS = 36
ASKERS = 12  # enterprise users taking turns (the core seed's demo user first)

ASK = [
    "请问我公司成立不满三年、研发人员占比约15%，是否符合“{item}”的申报条件？",
    "“{item}”要求提交的材料中，财务报表需要经会计师事务所审计吗？复印件是否需要加盖公章？",
    "“{item}”的资金一般在申报后多长时间拨付？拨付进度在哪里可以查询？",
    "我司去年已享受过同类扶持，今年还能再申请“{item}”吗？两项政策能否叠加享受？",
    "我公司注册地在香洲区、生产基地在斗门区，申请“{item}”应以哪个区为准？分公司能否申报？",
    "“{item}”是否需要先在线预约？申报系统提示“企业信息不完整”应如何处理？",
    "请问“{item}”中所称的“营业收入”是指上一年度还是近三年平均？以哪个报表口径为准？",
    "“{item}”对企业纳税信用等级有没有要求？B级企业可以申报吗？",
]
ANSWER = [
    "您好！经核实，符合政策规定条件的企业可在申报期内通过政企直通平台在线提交申请，"
    "具体条件以政策原文为准。如仍有疑问，请在工作日致电政策咨询电话。",
    "您好！相关材料可上传扫描件，财务数据以经审计的年度报表为准；"
    "复印件需加盖企业公章。审核通过后将在15个工作日内拨付资金。",
    "您好！同一项目不得重复享受同类市级财政扶持，不同类别的政策可以叠加申报。"
    "建议先通过“政策计算器”查看贵公司当前符合的全部政策。",
    "您好！以企业工商注册地为准，分支机构由具有独立法人资格的总公司统一申报。"
    "申报系统中的企业信息来自一企一档，如有缺漏请先在企业档案中核对更新。",
    "您好！“营业收入”指上一会计年度经审计的营业收入；纳税信用等级须为B级及以上。"
    "申报进度可在企业服务台“免申即享”和“快申快享”栏目查询。",
]
REQUESTS = [
    (
        "help",
        "高新技术企业认定奖励资金进度查询",
        "我公司于今年3月通过高新技术企业认定，已按要求提交奖励申请材料，至今未收到奖励资金，"
        "请协助查询办理进度。",
    ),
    (
        "complaint",
        "园区道路积水影响货车通行",
        "园区东侧道路每逢降雨即严重积水，货车无法进出厂区，已影响正常生产经营，"
        "请相关部门尽快疏通排水管网。",
    ),
    (
        "consult",
        "新招员工社保登记流程",
        "公司本月新招聘员工12人，请问社保登记和劳动合同备案可否在网上一次办理？需要哪些材料？",
    ),
    (
        "suggestion",
        "建议简化企业用电报装流程",
        "建议对中小企业新装小容量用电实行“免申请、零上门”办理，压缩报装时间，降低企业成本。",
    ),
    (
        "help",
        "厂房消防验收预约困难",
        "我公司新建厂房已具备消防验收条件，多次预约均未成功，影响投产计划，请协助协调验收时间。",
    ),
]


def _askers() -> list:
    """Enterprise users acting for an enterprise with a registry file, the demo user first."""
    users = list(
        get_user_model()
        .objects.filter(kind=AccountKind.ENTERPRISE, is_active=True)
        .exclude(username="enterprise")
        .order_by("pk")[: ASKERS * 3]
    )
    demo = get_user_model().objects.filter(username="enterprise").first()
    askers = []
    for user in ([demo] if demo else []) + users:
        seats = [s for s in selectors.enterprise_seats(user) if s.enterprise is not None]
        if seats:
            askers.append((user, seats[0]))
        if len(askers) >= ASKERS:
            break
    return askers


def _officer_of(organisation_id: int, cache: dict):
    if organisation_id not in cache:
        ref = core.organisation_by_id(organisation_id)
        ids = sorted(core.users_with_role(Role.POLICY_OFFICER, within=ref)) if ref else []
        cache[organisation_id] = get_user_model().objects.filter(pk__in=ids[:1]).first()
    return cache[organisation_id]


def _seed_questions(ctx: SeedContext, askers: list, now: dt.datetime) -> None:
    items = list(selectors.published_items().order_by("pk")[:60])
    if not items:
        return
    rng = random.Random(f"{ctx.rng.random()}:consult")
    officers: dict = {}
    for i in ctx.track(range(QUESTIONS), "政策咨询"):
        item = items[(i * 7) % len(items)]
        user, seat = askers[i % len(askers)]
        text = ASK[(i * 3 + item.pk) % len(ASK)].format(item=item.title)
        kind = i % 6  # 0: open in time, 1: open overdue, 2: answered late, 3–5: answered in time
        days_ago = rng.uniform(0.2, 1.5) if kind == 0 else rng.uniform(6, 40)
        asked_at = now - dt.timedelta(days=days_ago)
        if Question.objects.filter(
            item=item, enterprise_id=seat.enterprise.id, question=text
        ).exists():
            continue
        try:
            question = services.question_ask(
                actor=user, item_id=item.pk, question=text, uscc=seat.uscc, at=asked_at
            )
        except DomainError as exc:
            ctx.count(f"policy questions skipped ({exc.code})")
            continue
        ctx.count("policy questions")
        if kind in (0, 1):
            continue
        if kind == 2:  # answered after the limit
            answered_at = question.due_at + dt.timedelta(hours=rng.uniform(3, 60))
        else:
            answered_at = asked_at + dt.timedelta(hours=rng.uniform(1, 40))
        answered_at = min(answered_at, now)
        officer = _officer_of(item.document.organisation_id, officers)
        services.question_answer(
            actor=officer,
            question_id=question.pk,
            answer=ANSWER[(i + item.pk) % len(ANSWER)],
            publish=i % 5 == 4,  # a few become public FAQ
            at=answered_at,
        )
        ctx.count("policy questions answered")


def _seed_requests(ctx: SeedContext, askers: list) -> None:
    for n, (category, title, content) in enumerate(REQUESTS):
        user, seat = askers[0] if n < 3 or len(askers) == 1 else askers[n % len(askers)]
        try:
            _request, created = hotline.enterprise_request_submit(
                actor=user,
                uscc=seat.uscc,
                enterprise_name=seat.name,
                category=category,
                title=title,
                content=content,
                contact_phone=user.mobile or "13926900000",
                idempotency_key=f"seed-consult-{n}",
            )
        except DomainError as exc:
            ctx.count(f"enterprise requests skipped ({exc.code})")
            continue
        ctx.count("enterprise requests (12345 enterprise lane)", int(created))


@seed_step("policy.consult", order=92)
def seed_consult(ctx: SeedContext) -> None:
    if core.organisation_by_code("zh") is None:
        return
    askers = _askers()
    if not askers:
        return
    _seed_questions(ctx, askers, timezone.now())
    _seed_requests(ctx, askers)
