"""Demo data of the hotline: the dispatch catalogue of 珠海市 and work orders.

``--scale small``: a modest set of orders in every state, replayed through the real services
with a simulated clock, so timelines, deadlines and audit records are what production would
produce. ``--scale city``: half a year of operations from the behavioural simulation
(:mod:`yiwang.hotline.simulation`), rolled up into the statistics, with a summary printed.
Idempotent: rules are looked up by name, orders by their idempotency keys (``seed-<n>``,
``sim-<seed>-<n>``).
"""

from __future__ import annotations

import datetime as dt
import random
from contextlib import contextmanager

from django.contrib.auth import get_user_model
from django.utils import timezone

from yiwang.core import facade as core
from yiwang.core.choices import Role
from yiwang.core.data import zhuhai
from yiwang.core.errors import DomainError
from yiwang.core.seed import SeedContext, make_address, make_mobile, seed_step
from yiwang.hotline import seed_knowledge  # noqa: F401 — registers the knowledge-base step
from yiwang.hotline import support as common
from yiwang.hotline.choices import Status
from yiwang.hotline.models import DispatchRule, WorkOrder
from yiwang.hotline.services import dispatch_rule_create
from yiwang.hotline.services import workflow as wf
from yiwang.hotline.services.dispatch import work_order_dispatch
from yiwang.hotline.services.intake import work_order_create

ORDERS = {"small": 150}
# --scale city: the half-year simulation (volumes: docs/modules/hotline-simulation.md).
CITY_SIMULATION = {
    "days": 182,
    "enterprise_orders": 35_000,
    "general_orders": 100_000,
    "seed": 2026,
}

# (rule name, municipal department, keywords, category or "")
CITY_RULES = [
    (
        "食品药品与价格",
        "市市场监督管理局",
        ["食品", "过期", "猪肉", "价格", "消费", "假冒", "缺斤短两"],
        "",
    ),
    ("物业与房屋", "市住房和城乡建设局", ["物业", "房屋", "漏水", "电梯", "维修基金"], ""),
    ("公交与出租车", "市交通运输局", ["公交", "出租车", "网约车", "拒载"], ""),
    ("工资与社保", "市人力资源和社会保障局", ["工资", "欠薪", "社保", "劳动合同"], ""),
    ("噪音与污染", "市生态环境局", ["噪音", "污染", "排污", "异味", "油烟"], ""),
    ("市容与违建", "市城市管理和综合执法局", ["占道", "垃圾", "违建", "乱摆卖"], ""),
    ("医保", "市医疗保障局", ["医保", "报销"], ""),
    ("税费", "国家税务总局珠海市税务局", ["发票", "退税", "个税"], ""),
]
# (rule name suffix, district department, keywords): applied per district, before city rules.
DISTRICT_RULES = [
    ("食品与消费", "市场监督管理局", ["食品", "过期", "猪肉", "价格", "消费", "缺斤短两"]),
    ("物业", "住房和城乡建设局", ["物业", "漏水", "电梯"]),
    ("欠薪", "人力资源和社会保障局", ["工资", "欠薪"]),
]
DISTRICTS_WITH_RULES = ["香洲区", "斗门区", "金湾区"]

SHOPS = ["华润万家", "永辉超市", "一家社区便利店", "某生鲜市场摊位", "某连锁药店", "某餐饮店"]
ESTATES = ["海怡湾畔", "华发新城", "中海银海湾", "仁恒滨海", "万科城", "格力广场"]
COMPANIES = ["某电子厂", "某建筑公司", "某物流公司", "某装修公司", "某餐饮公司"]

TOPICS = {
    "food": (
        "complaint",
        [
            "我在{addr}的{shop}买到过期食品，生产日期已经过了{n}天，要求商家赔偿并查处。",
            "{shop}卖的猪肉有异味，怀疑是注水肉，地址在{addr}，请市场监管部门核查。",
            "{addr}{shop}存在缺斤短两问题，买一斤青菜只有八两，希望有关部门处理。",
            "投诉{shop}价格标签与结账价格不一致，多收了{n}元，地址{addr}。",
        ],
    ),
    "housing": (
        "help",
        [
            "我住在{estate}，楼上漏水已经{n}天了，物业一直推脱不处理，请帮忙协调。",
            "{estate}小区电梯经常故障，上周困人{n}次，物业不作为，请住建部门督促整改。",
            "{estate}物业擅自提高物业费，业主不知情，请求核查是否合规。",
            "房屋维修基金申请使用流程不清楚，{estate}业委会需要指导。",
        ],
    ),
    "transport": (
        "complaint",
        [
            "今天在{addr}附近打车，出租车司机拒载并态度恶劣，车牌粤C{plate}。",
            "{n}路公交车经常不按时发车，早高峰等了四十分钟，希望增加班次。",
            "网约车司机绕路多收费{n}元，平台不处理，请交通部门介入。",
        ],
    ),
    "wages": (
        "help",
        [
            "我在{company}工作，老板拖欠工资{n}个月，共计{money}元，请求劳动部门帮助追讨。",
            "{company}没有给员工缴纳社保，也不签劳动合同，请人社部门查处。",
            "离职后{company}不出具离职证明，还扣押{n}天工资，怎么办？",
        ],
    ),
    "noise": (
        "report",
        [
            "{addr}附近工地夜间施工噪音扰民，晚上十一点后还在作业，严重影响休息。",
            "{estate}楼下餐饮店油烟直排，异味很大，请生态环境部门检查。",
            "举报{addr}一家小作坊向河涌偷排污水，水面发黑发臭。",
        ],
    ),
    "city": (
        "report",
        [
            "{addr}人行道被乱摆卖占道，行人只能走机动车道，很危险。",
            "{estate}小区顶楼有人搭建违建，请城管部门查处。",
            "{addr}垃圾桶满溢{n}天无人清运，气味难闻。",
        ],
    ),
    "consult": (
        "consult",
        [
            "请问在珠海办理居住证需要哪些材料？可以网上办理吗？",
            "咨询一下医保异地就医报销的流程和需要准备的材料。",
            "个税专项附加扣除中的住房租金怎么填报？",
            "新生儿落户需要去哪里办理，要带什么证件？",
            "请问申请公租房的条件是什么，收入标准是多少？",
        ],
    ),
    "misc": (
        "suggestion",
        [
            "建议在{addr}路口增设红绿灯，现在车流很大，行人过马路不安全。",
            "{addr}路灯坏了{n}盏，晚上很黑，建议尽快维修。",
            "建议政务服务中心周末增加窗口，上班族平时没时间办事。",
            "表扬{addr}社区工作人员，帮助独居老人办理了补贴申请，服务很热心。",
        ],
    ),
}
TOPIC_WEIGHTS = {
    "food": 20,
    "housing": 18,
    "transport": 10,
    "wages": 12,
    "noise": 12,
    "city": 10,
    "consult": 12,
    "misc": 6,
}
OPENERS = ["", "", "您好，", "你好，我想反映一个问题：", "麻烦你们，"]
CLOSERS = ["", "", "谢谢！", "希望尽快处理。", "请尽快给我回复。", "已经反映过一次了，还没解决。"]

# target state → share of the demo orders
STATES = [
    ("received", 8),
    ("dispatched", 12),
    ("signed", 10),
    ("in_progress", 15),
    ("paused", 4),
    ("replied", 10),
    ("return_requested", 4),
    ("closed", 12),
    ("called_back", 20),
    ("refused", 3),
    ("transferred", 2),
]
PATH = ["dispatched", "signed", "in_progress", "replied", "closed", "called_back"]


def _code_of_municipal(name: str) -> str:
    return f"zh-d{zhuhai.MUNICIPAL_DEPARTMENTS.index(name):03d}"


def _district_codes() -> dict[str, tuple[str, str]]:
    """district name → (district code, prefix for its departments' codes)."""
    return {d[0]: (f"zh-{i}", f"zh-{i}-d") for i, d in enumerate(zhuhai.DISTRICTS)}


@seed_step("hotline.catalogue", order=50)
def seed_catalogue(ctx: SeedContext) -> None:
    city = core.organisation_by_code("zh")
    if city is None:
        return
    existing = set(DispatchRule.objects.filter(city_id=city.id).values_list("name", flat=True))
    districts = _district_codes()
    for dname in DISTRICTS_WITH_RULES:
        dcode, dept_prefix = districts[dname]
        district = core.organisation_by_code(dcode)
        for suffix, dept, keywords in DISTRICT_RULES:
            name = f"{dname}{suffix}"
            j = zhuhai.DISTRICT_DEPARTMENTS.index(dept)
            unit = core.organisation_by_code(f"{dept_prefix}{j:02d}")
            if name in existing or unit is None or district is None:
                continue
            dispatch_rule_create(
                actor=None,
                city_id=city.id,
                name=name,
                keywords=keywords,
                district_id=district.id,
                lead_unit_id=unit.id,
                priority=50,
            )
            ctx.count("hotline dispatch rules")
    for name, dept, keywords, category in CITY_RULES:
        unit = core.organisation_by_code(_code_of_municipal(dept))
        if name in existing or unit is None:
            continue
        co_units = []
        if name == "物业与房屋":
            city_mgmt = core.organisation_by_code(_code_of_municipal("市城市管理和综合执法局"))
            co_units = [city_mgmt.id] if city_mgmt else []
        dispatch_rule_create(
            actor=None,
            city_id=city.id,
            name=name,
            category=category,
            keywords=keywords,
            lead_unit_id=unit.id,
            co_unit_ids=co_units,
            priority=100,
        )
        ctx.count("hotline dispatch rules")


@contextmanager
def _simulated_clock(start: dt.datetime):
    """Seed-only: the services read "now" through ``common.now``; replay a timeline."""
    state = {"t": start}
    original = common.now
    common.now = lambda: state["t"]
    try:
        yield state
    finally:
        common.now = original


def _text(rng: random.Random, topic: str) -> tuple[str, str, str]:
    category, templates = TOPICS[topic]
    district = rng.choice(DISTRICTS_WITH_RULES)
    addr = make_address(rng, district)
    body = rng.choice(templates).format(
        addr=addr,
        shop=rng.choice(SHOPS),
        estate=rng.choice(ESTATES),
        company=rng.choice(COMPANIES),
        n=rng.randint(2, 9),
        money=rng.randint(3, 40) * 1000,
        plate=f"{rng.randint(10000, 99999)}",
    )
    if "表扬" in body:
        category = "praise"
    return category, f"{rng.choice(OPENERS)}{body}{rng.choice(CLOSERS)}", addr


def _user(role: str, within_id: int | None):
    ref = core.organisation_by_id(within_id) if within_id else None
    ids = core.users_with_role(role, within=ref)
    return get_user_model().objects.filter(pk__in=ids).order_by("pk").first() if ids else None


@seed_step("hotline.orders", order=55)
def seed_orders(ctx: SeedContext) -> None:
    if core.organisation_by_code("zh") is None:
        return
    operator = get_user_model().objects.filter(username="operator").first()
    if operator is None:
        return
    if ctx.scale == "city":
        _seed_city(ctx)
        return
    total = ORDERS.get(ctx.scale, 150)
    done = set(
        WorkOrder.objects.filter(idempotency_key__startswith="seed-").values_list(
            "idempotency_key", flat=True
        )
    )
    anchor = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0)
    states = [s for s, w in STATES for _ in range(w)]
    topics = [t for t, w in TOPIC_WEIGHTS.items() for _ in range(w)]
    city_handler_unit = core.organisation_by_code(_code_of_municipal("市城市管理和综合执法局"))
    for i in ctx.track(range(total), "12345 工单", total=total):
        rng = random.Random(f"{ctx.rng.random()}:{i}")  # one stream per order: skips are stable
        key = f"seed-{i:05d}"
        target = rng.choice(states)
        topic = rng.choice(topics)
        category, content, addr = _text(rng, topic)
        enterprise = topic in ("wages", "food") and rng.random() < 0.35
        received = anchor - dt.timedelta(days=rng.randint(0, 20), minutes=rng.randint(0, 600))
        if key in done:
            continue
        kwargs = {
            "channel": rng.choice(["phone", "phone", "phone", "web", "api", "enterprise"]),
            "category": category,
            "requester_name": ctx.faker.name(),
            "contact_phone": make_mobile(rng),
            "content": content,
            "address": addr,
            "confidential": rng.random() < 0.05,
            "idempotency_key": key,
        }
        if enterprise:
            from yiwang.core.seed import make_uscc

            kwargs.update(
                requester_kind="enterprise",
                enterprise_name=f"珠海{ctx.faker.company()}",
                enterprise_uscc=make_uscc(rng),
                channel="enterprise",
            )
        if target == "refused":
            kwargs["exclusion_reason"] = rng.choice(["legal_procedure", "court", "repeated"])
        if target == "transferred":
            kwargs.update(emergency=True, transferred_to=rng.choice(["110", "119", "120"]))
        with _simulated_clock(received) as clock:
            try:
                _replay(rng, clock, operator, kwargs, target, city_handler_unit)
            except DomainError as exc:  # a demo path that the rules refuse: keep what exists
                ctx.count(f"hotline demo steps skipped ({exc.code})")
        ctx.count("hotline work orders")


def _replay(rng, clock, operator, kwargs, target, fallback_unit) -> None:
    def tick(hours_low=0.2, hours_high=20.0):
        step = dt.timedelta(hours=rng.uniform(hours_low, hours_high))
        clock["t"] = min(clock["t"] + step, timezone.now())

    order, _ = work_order_create(actor=operator, **kwargs)
    if target in ("received", "refused", "transferred"):
        return
    if order.status == Status.RECEIVED and order.category == "consult":
        tick(0.05, 0.5)  # 直接答复: the operator answers from the knowledge base
        order = wf.work_order_close(
            actor=operator,
            order_id=order.pk,
            version=order.version,
            answer="已根据政府热线知识库向市民详细答复办理条件、材料和渠道。",
        )
        if target == "called_back":
            tick(2, 30)
            wf.work_order_callback(
                actor=operator,
                order_id=order.pk,
                version=order.version,
                rating="very_satisfied",
                solved=True,
                reopen=False,
            )
        return
    if order.status == Status.RECEIVED:
        tick(0.1, 2)
        unit_id = fallback_unit.id if fallback_unit else None
        if unit_id is None:
            return
        order = work_order_dispatch(
            actor=operator, order_id=order.pk, version=order.version, lead_unit_id=unit_id
        )
    handler = _user(Role.CASE_HANDLER, order.lead_unit_id)
    if handler is None:
        return
    if target == "return_requested":
        tick(0.1, 1)
        wf.work_order_return(
            actor=handler, order_id=order.pk, version=order.version, reason="该事项不属于本单位职责"
        )
        return
    upto = PATH.index(target) if target in PATH else PATH.index("in_progress")
    v = order.version
    if upto >= 1:
        tick(0.1, 1.5)
        v = wf.work_order_sign(actor=handler, order_id=order.pk, version=v).version
    if upto >= 2:
        tick(0.5, 6)
        v = wf.work_order_start(actor=handler, order_id=order.pk, version=v).version
    if target == "paused":
        tick(1, 8)
        wf.work_order_pause(
            actor=handler, order_id=order.pk, version=v, reason="等待诉求人补充材料"
        )
        return
    if upto >= 3:
        tick(4, 40)
        v = wf.work_order_reply(
            actor=handler,
            order_id=order.pk,
            version=v,
            result=rng.choice(
                [
                    "已联系诉求人并现场核查，责令当事方整改，诉求人表示认可。",
                    "经核实情况属实，已依法立案调查，处理结果将另行告知。",
                    "已向诉求人详细解释相关政策和办理流程，诉求人表示理解。",
                    "已协调相关方达成一致意见，问题已解决。",
                ]
            ),
        ).version
    if upto >= 4:
        tick(1, 10)
        v = wf.work_order_review(actor=operator, order_id=order.pk, version=v, approve=True).version
    if upto >= 5:
        tick(2, 30)
        rating = rng.choices(
            ["very_satisfied", "satisfied", "neutral", "dissatisfied"], weights=[70, 22, 5, 3]
        )[0]
        wf.work_order_callback(
            actor=operator,
            order_id=order.pk,
            version=v,
            rating=rating,
            solved=rating != "dissatisfied",
            reopen=False,
        )


def _seed_city(ctx: SeedContext) -> None:
    """Half a year up to today (exclusive), then the roll-up and the enterprise-lane summary."""
    import time

    from yiwang.hotline.simulation import simulate

    started = time.perf_counter()
    city = core.organisation_by_code("zh")
    params = CITY_SIMULATION
    end = timezone.localdate()
    start = end - dt.timedelta(days=params["days"])
    result = simulate(
        city=city,
        start=start,
        end=end,
        enterprise_orders=params["enterprise_orders"],
        general_orders=params["general_orders"],
        seed=params["seed"],
        progress=ctx.progress,
    )
    if not result.created:
        return
    ctx.count("hotline work orders (simulated)", result.orders)
    ctx.count("hotline order events (simulated)", result.events)
    simulated = time.perf_counter() - started
    _rollup_and_report(ctx, city.id, start, end - dt.timedelta(days=1))
    ctx.progress.console.print(
        f"hotline simulation {simulated:.0f} s, with roll-up "
        f"{time.perf_counter() - started:.0f} s: {result.orders:,} orders "
        f"({result.by_lane}), {result.events:,} events, {result.open_orders:,} still open"
    )


def _rollup_and_report(ctx: SeedContext, city_id: int, first: dt.date, last: dt.date) -> None:
    from rich.table import Table

    from yiwang.hotline import stats
    from yiwang.hotline.services.stats import stats_rollup

    days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    ctx.count("hotline daily statistics rows", stats_rollup(actor=None, city_id=city_id, days=days))
    table = Table(title=f"12345 {first} – {last}")
    table.add_column("indicator")
    for lane in ("enterprise", "general"):
        table.add_column(lane, justify="right")
    rows = {
        lane: stats.summary(city_id=city_id, start=first, end=last, lane=lane)
        for lane in ("enterprise", "general")
    }
    for key, fmt in (
        ("received", "{:,}"),
        ("closed", "{:,}"),
        ("avg_handle_days", "{:.2f}"),
        ("avg_handle_work_days", "{:.2f}"),
        ("sign_on_time_rate", "{:.2%}"),
        ("close_on_time_rate", "{:.2%}"),
        ("callback_rate", "{:.2%}"),
        ("satisfaction_rate", "{:.2%}"),
        ("resolution_rate", "{:.2%}"),
        ("return_rate", "{:.2%}"),
        ("repeat_rate", "{:.2%}"),
        ("direct_answer_rate", "{:.2%}"),
    ):
        values = [rows[lane].get(key) for lane in ("enterprise", "general")]
        table.add_row(key, *("-" if v is None else fmt.format(v) for v in values))
    ctx.progress.console.print(table)
