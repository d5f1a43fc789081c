"""Demo 好差评: rating events of the demo hotline's closed orders and of window and online
services in the districts, with a realistic distribution (≈ 98–99 % good), some 差评 in
rectification, one closed after feedback and one appeal waiting for the authority.

* Every closed 12345 order without an event gets one (``hotline.facade.closed_orders``): orders
  closed by the hotline's seed already got theirs through the closing hook; a bulk-simulated
  city does not. A callback's rating is recorded as the order's rating.
* Window and online services (``ZH-W-…``, ``ZH-O-…``) are served to generated citizens over the
  last 30 days; people rate most of them within the window (replayed on the services' clock),
  the rest get the default 基本满意 from the sweep, and the recent ones stay open to rate.
* The demo citizen (``citizen``) has two services waiting for a rating and one rated.
* 香洲区市场监督管理局 (the demo ``handler``) has 差评 in every handling state.

Idempotent: events are keyed by subject, ratings and handling steps only happen once.
"""

from __future__ import annotations

import datetime as dt
import random
from contextlib import contextmanager

from django.contrib.auth import get_user_model
from django.utils import timezone

from yiwang.core import facade as core
from yiwang.core.choices import AccountKind, Role
from yiwang.core.data import zhuhai
from yiwang.core.errors import DomainError
from yiwang.core.seed import SeedContext, seed_step
from yiwang.hotline import facade as hotline
from yiwang.ratings import clock, services
from yiwang.ratings.choices import Channel, Handling, Level, dimensions_for
from yiwang.ratings.models import Rating, ServiceEvent

SERVICES = {"small": 400, "city": 12000}
# (level, weight) of the people who rate: ≈ 0.5 % 差评
RATER_LEVELS = [
    (Level.VERY_SATISFIED, 760),
    (Level.SATISFIED, 170),
    (Level.NEUTRAL, 55),
    (Level.DISSATISFIED, 3),
    (Level.VERY_DISSATISFIED, 2),
]
RATED_SHARE = 0.7  # the others let the window pass (default 基本满意)
# Common items of the districts' 政务服务中心 windows (basic catalogue names)
WINDOW_ITEMS = [
    ("食品经营许可", "市场监督管理局"),
    ("个体工商户登记", "市场监督管理局"),
    ("企业设立登记", "市场监督管理局"),
    ("公共场所卫生许可", "卫生健康局"),
    ("社会保障卡申领", "人力资源和社会保障局"),
    ("失业保险金申领", "人力资源和社会保障局"),
    ("结婚登记", "民政局"),
    ("最低生活保障审批", "民政局"),
    ("不动产登记", "自然资源局"),
    ("建筑工程施工许可证核发", "住房和城乡建设局"),
]
COMMENTS_GOOD = ["", "", "", "办理很快，窗口人员很耐心。", "网上提交材料很方便。", "一次就办好了。"]
COMMENTS_BAD = [
    "排队等了两个多小时，窗口只开了一个。",
    "办事指南写的材料和窗口要求不一致，来回跑了两趟。",
    "工作人员态度生硬，问题没解释清楚。",
    "网上系统反复提示上传失败，只能到现场办理。",
]
HANDLER_ORG = "香洲区市场监督管理局"


@contextmanager
def _clock_at(state: dict):
    """Seed-only: the services read "now" through ``ratings.clock``; replay a timeline."""
    original = clock.now
    clock.now = lambda: state["t"]
    try:
        yield state
    finally:
        clock.now = original


def _level(rng: random.Random) -> str:
    return rng.choices([lv for lv, _ in RATER_LEVELS], weights=[w for _, w in RATER_LEVELS])[0]


def _department_codes() -> dict[str, list[str]]:
    """Department name (as in the catalogue) → organisation codes of the district bodies."""
    found: dict[str, list[str]] = {}
    for di, (_name, _kind, _code, _streets) in enumerate(zhuhai.DISTRICTS):
        for j, dept in enumerate(zhuhai.DISTRICT_DEPARTMENTS):
            found.setdefault(dept, []).append(f"zh-{di}-d{j:02d}")
    return found


def _handler_for(organisation_id: int):
    ref = core.organisation_by_id(organisation_id)
    ids = core.users_with_role(Role.CASE_HANDLER, within=ref) if ref else []
    return get_user_model().objects.filter(pk__in=ids).order_by("pk").first() if ids else None


@seed_step("ratings.demo", order=80)
def seed_ratings(ctx: SeedContext) -> None:
    if core.organisation_by_code("zh") is None:
        return
    _backfill_hotline(ctx)
    _window_services(ctx)
    _demo_citizen(ctx)
    _plant_handling(ctx)
    ctx.count("ratings: defaults applied", services.rating_default_sweep(actor=None))


def _backfill_hotline(ctx: SeedContext) -> None:
    known = set(
        ServiceEvent.objects.filter(subject_app="hotline").values_list("subject_key", flat=True)
    )
    for ref in hotline.closed_orders(exclude_numbers=known):
        services.service_event_record(actor=None, **ref.event)
        ctx.count("ratings: hotline service events")
        if ref.rating:
            services.rating_record_callback(
                actor=None,
                subject_app="hotline",
                subject_key=ref.number,
                level=ref.rating,
                rated_at=ref.called_back_at,
            )
    # Closed orders nobody called back yet: most callers answer the 回访 within the window.
    rng = random.Random(ctx.rng.random())
    now = timezone.now()
    waiting = ServiceEvent.objects.filter(
        subject_app="hotline", rated=False, rate_deadline__lt=now
    ).order_by("id")
    for event in list(waiting):
        if rng.random() > RATED_SHARE:
            continue
        level = _level(rng)
        state = {"t": event.served_at + dt.timedelta(hours=rng.uniform(4, 60))}
        with _clock_at(state):
            services.rating_record_callback(
                actor=None,
                subject_app="hotline",
                subject_key=event.subject_key,
                level=level,
                comment=rng.choice(COMMENTS_BAD)
                if level in ("dissatisfied", "very_dissatisfied")
                else "",
            )
        ctx.count("ratings: hotline callback ratings")


def _window_services(ctx: SeedContext) -> None:
    User = get_user_model()
    citizens = list(
        User.objects.filter(kind=AccountKind.CITIZEN, username__startswith="c")
        .exclude(username="citizen")
        .order_by("username")
        .values_list("pk", flat=True)[:2000]
    )
    if not citizens:
        return
    codes = _department_codes()
    orgs: dict[str, int] = {}
    for dept_codes in codes.values():
        for code in dept_codes:
            ref = core.organisation_by_code(code)
            if ref is not None:
                orgs[code] = ref.id
    handler_ref = next(
        (r for c, i in orgs.items() if (r := core.organisation_by_id(i)) and r.name == HANDLER_ORG),
        None,
    )
    total = SERVICES.get(ctx.scale, 400)
    now = timezone.now()
    done = set(
        ServiceEvent.objects.filter(subject_app="window").values_list("subject_key", flat=True)
    )
    for i in ctx.track(range(total), "好差评 服务事件", total=total):
        rng = random.Random(f"{ctx.rng.random()}:{i}")
        key = f"ZH-W-{i:06d}"
        index = i % len(WINDOW_ITEMS)
        # four services are planted at the demo handler's bureau with a 差评 (the last one
        # recent: it still waits for its verification callback)
        planted = handler_ref is not None and i % 100 == 7 and i < 400
        if planted:
            index = (i // 100) % 2  # 食品经营许可 or 个体工商户登记
        item, dept = WINDOW_ITEMS[index]
        candidates = [orgs[c] for c in codes.get(dept, []) if c in orgs]
        if planted:
            org_id = handler_ref.id
        elif candidates:
            org_id = rng.choice(candidates)
        else:
            continue
        channel = Channel.ONLINE if rng.random() < 0.45 else Channel.WINDOW
        served_at = now - dt.timedelta(days=rng.uniform(0.2, 30))
        if planted:
            served_at = now - dt.timedelta(days=1 if i >= 300 else rng.uniform(4, 30))
        citizen = rng.choice(citizens)
        rate = rng.random() < RATED_SHARE
        level = Level.DISSATISFIED if planted else _level(rng)
        if key in done:
            continue
        event, _created = services.service_event_record(
            actor=None,
            subject_app="window",
            subject_key=key,
            channel=channel,
            item_code=f"ZH.WINDOW.{index:02d}",
            item_name=item,
            organisation_id=org_id,
            served_at=served_at,
            served_user_id=citizen,
        )
        ctx.count("ratings: window and online service events")
        if not (rate or planted) or event.rated:
            continue
        at = served_at + dt.timedelta(hours=2 if planted else rng.uniform(0.5, 150))
        if at >= now:
            continue  # still open: the citizen may rate it on the site
        dims = {
            d: (5 if level in ("very_satisfied", "satisfied") else rng.randint(1, 3))
            for d in dimensions_for(channel)
        }
        comment = (
            rng.choice(COMMENTS_BAD)
            if level in ("dissatisfied", "very_dissatisfied")
            else rng.choice(COMMENTS_GOOD)
        )
        with _clock_at({"t": at}):
            try:
                services.rating_submit(
                    actor=User.objects.get(pk=citizen),
                    event_id=event.pk,
                    level=level,
                    dimensions=dims,
                    comment=comment,
                )
            except DomainError as exc:
                ctx.count(f"ratings: demo ratings skipped ({exc.code})")
                continue
        ctx.count("ratings: ratings by the people served")


def _demo_citizen(ctx: SeedContext) -> None:
    citizen = get_user_model().objects.filter(username="citizen").first()
    codes = _department_codes()
    office = core.organisation_by_code(codes.get("政务服务数据管理局", ["zh-0-d00"])[0])
    if citizen is None or office is None:
        return
    now = timezone.now()
    for key, channel, item, hours_ago in (
        ("ZH-O-DEMO-01", Channel.ONLINE, "社会保障卡申领", 20),
        ("ZH-W-DEMO-02", Channel.WINDOW, "居民身份证换领", 50),
        ("ZH-O-DEMO-03", Channel.ONLINE, "个人参保证明打印", 200),
    ):
        event, created = services.service_event_record(
            actor=None,
            subject_app="window",
            subject_key=key,
            channel=channel,
            item_code=f"ZH.DEMO.{key[-2:]}",
            item_name=item,
            organisation_id=office.id,
            served_at=now - dt.timedelta(hours=hours_ago),
            served_user_id=citizen.pk,
        )
        ctx.count("ratings: demo citizen services", int(created))
        if key.endswith("03") and not event.rated:
            with _clock_at({"t": event.served_at + dt.timedelta(hours=3)}):
                services.rating_submit(
                    actor=citizen,
                    event_id=event.pk,
                    level=Level.VERY_SATISFIED,
                    dimensions=dict.fromkeys(dimensions_for(channel), 5),
                    comment="全程网办，十分钟就打印好了。",
                )


def _plant_handling(ctx: SeedContext) -> None:
    """The handler's bureau: one 差评 rectifying, one closed after feedback, one appealed;
    older 差评 elsewhere were verified and answered by their departments."""
    now = timezone.now()
    negatives = list(
        Rating.objects.filter(handling=Handling.VERIFYING)
        .select_related("event__organisation")
        .order_by("rated_at", "id")
    )
    mine = [r for r in negatives if r.event.organisation.name == HANDLER_ORG]
    others = [r for r in negatives if r.event.organisation.name != HANDLER_ORG]
    if Rating.objects.filter(
        event__organisation__name=HANDLER_ORG, handling__in=[Handling.RECTIFYING, Handling.CLOSED]
    ).exists():
        mine = []  # planted by an earlier run
    plan = ["feedback", "rectifying", "appeal"]
    for rating, step in zip(mine, plan, strict=False):
        handler = _handler_for(rating.event.organisation_id)
        if handler is None:
            continue
        at = {"t": rating.rated_at + dt.timedelta(hours=3)}
        with _clock_at(at):
            if step == "appeal":
                services.rating_appeal(
                    actor=handler,
                    rating_id=rating.pk,
                    reason="经调取窗口监控和叫号记录，该评价人当日未到本窗口办理业务，评价与事实不符。",
                )
                ctx.count("ratings: appeals")
                continue
            services.rating_verify(
                actor=handler,
                rating_id=rating.pk,
                note="已电话回访评价人，情况属实：当日窗口人手不足导致排队时间过长。",
                rectify=True,
            )
            if step == "feedback":
                at["t"] += dt.timedelta(days=2)
                services.rating_rectify(
                    actor=handler,
                    rating_id=rating.pk,
                    note="高峰时段增开两个综合窗口，推行预约办理。",
                )
                services.rating_feedback(
                    actor=handler,
                    rating_id=rating.pk,
                    text="感谢您的评价。我局已在高峰时段增开窗口并推行预约办理，欢迎再次监督。",
                )
            ctx.count("ratings: 差评 handled")
    for rating in others:
        if now - rating.rated_at < dt.timedelta(days=3):
            continue  # recent ones still wait for their verification callback
        handler = _handler_for(rating.event.organisation_id)
        if handler is None:
            continue
        with _clock_at({"t": rating.rated_at + dt.timedelta(hours=5)}):
            services.rating_verify(
                actor=handler,
                rating_id=rating.pk,
                note="已回访评价人，当场解释政策并协助办结。",
                rectify=False,
            )
            services.rating_feedback(
                actor=handler,
                rating_id=rating.pk,
                text="已向您说明办理要求并协助办结，感谢监督。",
            )
        ctx.count("ratings: 差评 handled")
