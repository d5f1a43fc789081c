"""Behavioural simulation of months of 12345 operations (``yiwang seed --scale city``).

Requests arrive on a weekday/hour profile, are worded by :mod:`yiwang.hotline.textgen`, routed
by the real dispatch catalogue (``rule_matches``) or, without a matching rule, by an operator
to the unit the text concerns; units sign, handle, pause, ask for extensions, return orders;
the centre reviews, sends replies back and calls every requester back, who rates the handling
by what happened to the order. Deadlines come from the real SLA policies through the worktime
facade. Nothing is steered towards a target figure: the indicators the platform computes from
the result are an outcome of the behaviour parameters below (see
``docs/modules/hotline-simulation.md`` for why they are realistic).

Each order's whole story is drawn first and then cut at ``now``: whatever happens later is not
written, so the orders of the last days stay open in the state they would have by now.
Rows are written with ``bulk_create``; per-order audit rows of synthetic history would be
noise, so the run writes one summary audit record (live actions are audited by the services).
"""

from __future__ import annotations

import datetime as dt
import math
import random
import re
from collections import deque
from dataclasses import dataclass, field
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.db.models import DateTimeField, JSONField
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.core import facade as core
from yiwang.core.audit import audit_record
from yiwang.core.choices import OrgKind, Role
from yiwang.core.seed import make_address, make_mobile, make_uscc
from yiwang.hotline import textgen
from yiwang.hotline.choices import (
    UNSATISFIED_RATINGS,
    Action,
    Category,
    Channel,
    Lane,
    Rating,
    RequesterKind,
    Status,
)
from yiwang.hotline.models import DailyCounter, DispatchRule, SlaPolicy, WorkOrder, WorkOrderEvent
from yiwang.hotline.services.dispatch import rule_matches
from yiwang.hotline.services.workflow import MAX_EXTENSION_DAYS, MAX_REOPENS
from yiwang.worktime import facade as worktime

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
KEY_PREFIX = "sim"
CHUNK = 2000  # orders drawn, cut and written per batch

# --- behaviour parameters (docs/modules/hotline-simulation.md explains each) -----------------

# Arrivals: relative volume per hour of the day (the hotline answers around the clock; the
# enterprise desk is staffed in office hours, outside them only web/app messages arrive).
HOUR_WEIGHTS = {
    Lane.GENERAL: (1.2, 0.8, 0.5, 0.4, 0.4, 0.6, 1.5, 3.5, 6.5, 9.0, 9.5, 8.5,
                   6.0, 5.5, 8.0, 8.5, 8.0, 7.0, 5.0, 4.5, 4.5, 4.0, 3.0, 2.0),
    Lane.ENTERPRISE: (0.2, 0.1, 0.1, 0.1, 0.1, 0.1, 0.3, 1.0, 6.0, 10.0, 10.0, 8.5,
                      3.5, 4.0, 9.0, 9.5, 9.0, 6.0, 1.5, 1.0, 0.8, 0.6, 0.4, 0.3),
}  # fmt: skip
# Relative volume per weekday (Monday first); a public holiday counts as a Sunday, a make-up
# working day as a Friday.
WEEKDAY_WEIGHTS = {
    Lane.GENERAL: (1.18, 1.06, 1.0, 1.0, 0.96, 0.62, 0.55),
    Lane.ENTERPRISE: (1.15, 1.05, 1.0, 1.0, 0.95, 0.18, 0.15),
}
CATEGORY_MIX = {
    Lane.GENERAL: {"consult": 34, "help": 16, "complaint": 30, "report": 8, "suggestion": 8,
                   "praise": 4},
    Lane.ENTERPRISE: {"consult": 46, "help": 22, "complaint": 14, "report": 4, "suggestion": 10,
                      "praise": 4},
}  # fmt: skip
CHANNEL_MIX = {
    Lane.GENERAL: {Channel.PHONE: 64, Channel.API: 18, Channel.WEB: 13, Channel.OPEN311: 3,
                   Channel.EMAIL: 2},
    Lane.ENTERPRISE: {Channel.ENTERPRISE: 45, Channel.PHONE: 45, Channel.WEB: 10},
}  # fmt: skip
# Topics of the enterprise desk: its own topics, plus citizen topics enterprises also raise.
ENTERPRISE_TOPICS = {
    **{t.name: 5 for t in textgen.TOPICS.values() if t.lane == "enterprise"},
    "发票": 4, "退税": 3, "社保": 3, "劳动合同": 2, "拖欠工资": 1, "办事系统": 3, "政务服务": 2,
    "价格": 1, "特种设备": 1, "建筑工地": 1, "停水": 1, "道路": 1,
}  # fmt: skip
REPEAT_CALLER_SHARE = 0.10  # a request comes from someone who called in the last weeks
RECENT_CALLERS = 4000
ENTERPRISES = 20_000  # distinct enterprises that use the desk in half a year
CONFIDENTIAL_SHARE = 0.03
REFUSED_SHARE = {Lane.GENERAL: 0.010, Lane.ENTERPRISE: 0.003}  # 不予受理
EMERGENCY_SHARE = 0.004  # general phone calls passed to 110/119/120/122

# 直接答复: consultations the operator answers from the knowledge base.
DIRECT_ANSWER_SHARE = {Lane.GENERAL: 0.42, Lane.ENTERPRISE: 0.30}
DIRECT_ANSWER_MINUTES = (6.0, 0.5)  # phone: median minutes on the call, log-sigma
DIRECT_ANSWER_HOURS = (1.5, 0.8)  # web/app: working hours until the centre answers
MANUAL_DISPATCH_MINUTES = (18.0, 0.9)  # no rule matched: operator dispatches (24 h centre)

# Units: sign-for delay as a share of the sign-for limit, handling as a share of the handling
# limit (units plan their work against the limit they are given), lognormal (median, sigma).
UNIT_SPREAD = 0.25  # log-sigma of a unit's own speed factor
SIGN_SHARE = (0.22, 0.9)
START_HOURS = (0.5, 1.0)  # signed → started, working hours
HANDLE_SHARE = {
    "consult": (0.30, 0.55),
    "help": (0.50, 0.55),
    "complaint": (0.55, 0.55),
    "report": (0.60, 0.55),
    "suggestion": (0.50, 0.55),
    "praise": (0.20, 0.55),
}
RETURN_SHARE = {"rule": 0.025, "manual": 0.06}  # 退单 of dispatched orders
RETURN_ACCEPTED = 0.7
PAUSE_SHARE = {"help": 0.06, "complaint": 0.05, "report": 0.05}  # waiting for the requester
PAUSE_HOURS = (10.0, 0.8)  # working hours paused
EXTENSION_ASK = 0.6  # a unit that sees it will be late asks for an extension …
EXTENSION_APPROVED = 0.85  # … and the centre approves most
REVIEW_HOURS = (2.0, 0.7)  # reply → centre review, working hours
SEND_BACK_SHARE = {"consult": 0.02, "default": 0.05}
REDO_SHARE = (0.20, 0.6)  # sent back: share of the handling limit to reply again
CALLBACK_HOURS = (3.5, 0.8)  # closed → callback, working hours
# Solved (per category) and the rating: an ordered-probit model of the requester's judgement.
SOLVED = {
    "consult": 0.97,
    "help": 0.87,
    "complaint": 0.84,
    "report": 0.85,
    "suggestion": 0.88,
    "praise": 1.0,
}
LATE_SOLVED_DROP = 0.10
RATING_BASE = 2.7
RATING_EFFECTS = {"unsolved": -1.6, "late": -0.9, "returned": -0.5, "sent_back": -0.4,
                  "reopened": -0.3}  # fmt: skip
RATING_CUTS = (  # latent ≥ cut → rating
    (1.8, Rating.VERY_SATISFIED),
    (0.0, Rating.SATISFIED),
    (-0.6, Rating.NEUTRAL),
    (-1.6, Rating.DISSATISFIED),
)
REOPEN_HANDLE_SHARE = (0.35, 0.5)
REOPEN_SOLVED = 0.75

# Districts of textgen → organisation names of the demo city.
TEXTGEN_DISTRICTS = {
    "香洲区": "香洲区",
    "斗门区": "斗门区",
    "金湾区": "金湾区",
    "横琴": "横琴粤澳深度合作区",
    "高新区": "珠海高新技术产业开发区",
}
DISTRICT_SHARE = {"香洲区": 46, "斗门区": 16, "金湾区": 14, "横琴": 9, "高新区": 15}

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高梁郑谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红玲建国志文斌宇浩俊辉晓婷雪梅海燕"
_FIRM_HEAD = ("格创", "华海", "金湾", "横琴", "湾区", "智汇", "宏远", "恒达", "顺源", "鑫盛",
              "南粤", "海纳", "博思", "同创", "联科", "汇通", "瑞丰", "中盈", "信达",
              "嘉和")  # fmt: skip
_FIRM_KIND = ("科技", "电子", "精密制造", "生物医药", "物流", "贸易", "装饰工程", "餐饮管理",
              "软件", "新材料", "医疗器械", "建筑工程", "食品", "跨境电商", "智能装备")  # fmt: skip

_REPLY_FINDINGS = {
    "consult": ("经核实，", "经查询相关政策，", "经与业务科室确认，", ""),
    "praise": ("已将市民的表扬转达", "已向被表扬人员所在科室通报", "已将表扬记入服务档案"),
    "default": ("经现场核查，反映情况基本属实，", "经调查核实，", "经与诉求人电话沟通并上门了解，",
                "经执法人员实地检查，", "经联合属地街道核查，"),
}  # fmt: skip
_REPLY_ACTIONS = {
    "consult": ("已向诉求人详细解释办理条件、所需材料和办理渠道，诉求人表示清楚。",
                "已告知诉求人可通过粤省事或政务服务网在线办理，并发送了办事指南。",
                "已将相关政策文件和咨询电话告知诉求人。"),
    "praise": ("，并对相关工作人员给予肯定。", "，感谢市民的支持与认可。"),
    "suggestion": ("诉求人的建议已转相关科室研究，将在后续工作中统筹考虑。",
                   "已将建议纳入年度工作计划，并向诉求人反馈了研究意见。"),
    "default": ("已责令当事方限期整改，并将持续跟踪整改情况。",
                "已依法立案调查，对违法行为予以查处，处理结果已告知诉求人。",
                "已协调双方达成一致意见，问题已解决。",
                "已督促相关单位完成维修，诉求人对处理结果表示认可。",
                "已约谈责任单位负责人，落实整改措施。",
                "已向诉求人说明相关法律规定和维权途径，并协助其申请调解。"),
}  # fmt: skip
_RETURN_REASONS = ("该事项不属于本单位法定职责，建议改派属地街道。",
                   "经核查，诉求地点不在本辖区范围内。",
                   "该事项已进入诉讼程序，不属于本单位受理范围。",
                   "诉求涉及多个部门职责，建议由主办单位牵头处理。")  # fmt: skip
_PAUSE_REASONS = ("等待诉求人补充材料。", "诉求人暂时无法配合现场核查。",
                  "需诉求人提供合同和付款凭证。")  # fmt: skip
_EXTENSION_REASONS = ("需协调多个部门联合处理，申请延期。", "需等待检测报告结果。",
                      "涉及历史遗留问题，需进一步调查取证。",
                      "当事方整改需要一定时间。")  # fmt: skip
_SEND_BACK_NOTES = ("回复内容过于简单，请补充核查过程和处理结果。",
                    "未联系诉求人，请与诉求人沟通后重新回复。",
                    "处理结果与诉求不对应，请重新核实。")  # fmt: skip
_ACCEPT_NOTES = ("同意退单，重新派单。", "退单理由成立。")
_REJECT_NOTES = ("退单理由不充分，请继续办理。", "属于本单位职责，驳回退单。")
_EXCLUSIONS = (("legal_procedure", 5), ("repeated", 4), ("court", 2), ("party_congress", 1))
_EMERGENCIES = (("110", 6), ("120", 2), ("119", 1), ("122", 1))

RUNNING = {
    Status.DISPATCHED,
    Status.SIGNED,
    Status.IN_PROGRESS,
    Status.RETURN_REQUESTED,
    Status.CLOSED,
}


@dataclass
class SimulationResult:
    """What one run wrote (``created`` False: the run had been done before, nothing written)."""

    created: bool
    start: dt.date
    end: dt.date
    orders: int = 0
    events: int = 0
    by_lane: dict[str, int] = field(default_factory=dict)
    open_orders: int = 0


class _Cut(Exception):
    """The story reached ``now``: the rest has not happened yet."""


class _Story:
    """One order's fields and timeline, advanced step by step and cut at ``now``."""

    __slots__ = ("events", "f", "now", "t")

    def __init__(self, fields: dict, now: dt.datetime) -> None:
        self.f = fields
        self.events: list[tuple] = []
        self.now = now
        self.t = fields["received_at"]

    def step(self, at, action, actor, note="", unit=-1, **changes) -> dt.datetime:
        at = max(at, self.t)
        if at > self.now:
            raise _Cut
        self.t = at
        before = self.f["status"] if self.events else ""
        self.f.update(changes)
        unit_id = self.f["lead_unit_id"] if unit == -1 else unit
        self.events.append((action, actor, before, self.f["status"], unit_id, note, at))
        return at


def _lognormal(rng: random.Random, median: float, sigma: float) -> float:
    return median * math.exp(rng.gauss(0.0, sigma))


def _pick(rng: random.Random, weighted: dict):
    return rng.choices(list(weighted), weights=list(weighted.values()))[0]


class _World:
    """What the simulation reads once: organisations, rules, policies, staff."""

    def __init__(self, city_id: int, seed: int) -> None:
        org_model = WorkOrder._meta.get_field("district").related_model
        orgs = list(
            org_model.objects.filter(path__startswith=f"/{city_id}/").values_list(
                "id", "name", "kind", "parent_id"
            )
        )
        self.city_id = city_id
        city_code = org_model.objects.filter(pk=city_id).values_list("code", flat=True).first()
        # same prefix as intake.next_number
        self.prefix = re.sub(r"[^A-Z]", "", (city_code or "").upper())[:4] or "YW"
        self.units = {name: pk for pk, name, kind, _c in orgs if kind == OrgKind.DEPARTMENT}
        self.districts = {
            name: pk
            for pk, name, kind, _c in orgs
            if kind in (OrgKind.DISTRICT, OrgKind.FUNCTIONAL_AREA)
        }
        self.district_units: dict[int, list[int]] = {}
        for pk, _name, kind, parent in orgs:
            if kind == OrgKind.DEPARTMENT and parent in self.districts.values():
                self.district_units.setdefault(parent, []).append(pk)
        if not self.units:
            raise ValueError(f"organisation {city_id} has no departments to dispatch to")
        self.rules = [
            (rule, [u.pk for u in rule.co_units.all()])
            for rule in DispatchRule.objects.filter(city_id=city_id, active=True)
            .prefetch_related("co_units")
            .order_by("priority", "id")
        ]
        self.policies: dict[tuple[str, str], SlaPolicy] = {}
        for policy in SlaPolicy.objects.filter(active=True).order_by("version"):
            self.policies[(policy.lane, policy.category)] = policy
        missing = {(lane, c) for lane in Lane.values for c in Category.values} - set(self.policies)
        if missing:
            raise ValueError(f"no active SLA policy for {sorted(missing)}")
        city_ref = core.organisation_by_id(city_id)
        self.operators = sorted(core.users_with_role(Role.HOTLINE_OPERATOR, within=city_ref))
        self._handlers: dict[int, list[int]] = {}
        self._speed: dict[int, float] = {}
        self.seed = seed
        fallback = sorted(self.units.values())
        self.fallback_unit = self.units.get("市12345政务服务便民热线中心") or (
            fallback[0] if fallback else None
        )

    def handlers(self, unit_id: int) -> list[int]:
        if unit_id not in self._handlers:
            ref = core.organisation_by_id(unit_id)
            ids = sorted(core.users_with_role(Role.CASE_HANDLER, within=ref)) if ref else []
            self._handlers[unit_id] = ids or [None]
        return self._handlers[unit_id]

    def speed(self, unit_id: int) -> float:
        """A unit's own pace (1 = typical), stable for a seed."""
        if unit_id not in self._speed:
            rng = random.Random(f"{self.seed}:unit:{unit_id}")
            self._speed[unit_id] = math.exp(rng.gauss(0.0, UNIT_SPREAD))
        return self._speed[unit_id]

    def route(self, order: SimpleNamespace) -> tuple[DispatchRule | None, list[int]]:
        for rule, co_units in self.rules:
            if rule_matches(rule, order):
                return rule, co_units
        return None, []


def _office_day_hours() -> float:
    day = dt.datetime(2026, 6, 1, tzinfo=LOCAL_TZ)  # a Monday
    while not worktime.is_working_day(day.date()):
        day += dt.timedelta(days=1)
    return worktime.working_minutes_between(day, day + dt.timedelta(days=1)).seconds / 3600


def _arrivals(rng, start: dt.date, end: dt.date, lane: str, count: int) -> list[dt.datetime]:
    days = [start + dt.timedelta(days=i) for i in range((end - start).days)]
    weights = []
    for day in days:
        weekday = day.weekday()
        working = worktime.is_working_day(day)
        if working and weekday >= 5:
            weekday = 4  # make-up working day
        elif not working and weekday < 5:
            weekday = 6  # public holiday
        weights.append(WEEKDAY_WEIGHTS[lane][weekday])
    picked = rng.choices(range(len(days)), weights=weights, k=count)
    hours = rng.choices(range(24), weights=HOUR_WEIGHTS[lane], k=count)
    out = []
    for d, h in zip(picked, hours, strict=True):
        day = days[d]
        out.append(
            dt.datetime(day.year, day.month, day.day, h, tzinfo=LOCAL_TZ)
            + dt.timedelta(seconds=rng.randrange(3600))
        )
    return out


def _name(rng) -> str:
    return rng.choice(_SURNAMES) + "".join(rng.choices(_GIVEN, k=rng.choice((1, 2, 2))))


class _Simulation:
    def __init__(self, *, world: _World, rng: random.Random, now: dt.datetime, seed: int):
        self.w = world
        self.rng = rng
        self.now = now
        self.seed = seed
        self.day_hours = _office_day_hours()
        self.recent_callers: deque = deque(maxlen=RECENT_CALLERS)
        self.last_seen: dict[tuple[str, str], dt.datetime] = {}
        self.enterprises = [
            (
                f"珠海{rng.choice(_FIRM_HEAD)}{rng.choice(_FIRM_KIND)}有限公司",
                make_uscc(rng),
                make_mobile(rng),
                _name(rng),
            )
            for _ in range(ENTERPRISES)
        ]
        self.topics_general = [t for t in textgen.TOPICS.values() if t.lane == "citizen"]
        try:
            from yiwang.hotline.suggestions import duplicate_window_days

            self.repeat_window = dt.timedelta(days=duplicate_window_days())
        except ImportError:  # the duplicate window is not configurable in this build
            self.repeat_window = dt.timedelta(days=30)

    # --- working-time helpers ------------------------------------------------------------

    def after_hours(self, at: dt.datetime, hours: float) -> dt.datetime:
        return worktime.add_working_hours(at, max(hours, 1 / 60)).deadline

    # --- one request -------------------------------------------------------------------

    def draw_request(self, index: int, received: dt.datetime, lane: str) -> dict:
        rng = self.rng
        category = _pick(rng, CATEGORY_MIX[lane])
        district = _pick(rng, DISTRICT_SHARE)
        if lane == Lane.ENTERPRISE:
            topic = _pick(rng, ENTERPRISE_TOPICS)
        else:
            topic = rng.choice(self.topics_general).name
        text = textgen.generate_request(
            rng,
            unit_topic=topic,
            category=category,
            district=district,
            lane="enterprise" if lane == Lane.ENTERPRISE else "citizen",
        )
        district_name = TEXTGEN_DISTRICTS[district]
        fields = {
            "city_id": self.w.city_id,
            "channel": _pick(rng, CHANNEL_MIX[lane]),
            "category": category,
            "lane": lane,
            "status": Status.RECEIVED,
            "title": text.text[:30],
            "content": text.text,
            "address": make_address(rng, district_name),
            "district_id": self.w.districts.get(district_name),
            "street_id": None,
            "confidential": rng.random() < CONFIDENTIAL_SHARE,
            "received_at": received,
            "idempotency_key": f"{KEY_PREFIX}-{self.seed}-{index:07d}",
            "lead_unit_id": None,
        }
        if lane == Lane.ENTERPRISE:
            name, uscc, phone, person = rng.choice(self.enterprises)
            fields.update(
                requester_kind=RequesterKind.ENTERPRISE,
                enterprise_name=name,
                enterprise_uscc=uscc,
                contact_phone=phone,
                requester_name=person,
            )
        else:
            if self.recent_callers and rng.random() < REPEAT_CALLER_SHARE:
                person, phone = rng.choice(self.recent_callers)
            else:
                person, phone = _name(rng), make_mobile(rng)
                self.recent_callers.append((person, phone))
            fields.update(
                requester_kind=RequesterKind.CITIZEN,
                enterprise_name="",
                enterprise_uscc="",
                contact_phone=phone,
                requester_name=person,
            )
        seen_key = (fields["contact_phone"], category)
        last = self.last_seen.get(seen_key)
        fields["repeat"] = last is not None and received - last <= self.repeat_window
        self.last_seen[seen_key] = received
        fields["_unit"] = self.w.units.get(text.unit)
        policy = self.w.policies.get((lane, category))
        fields["sla_policy_id"] = None
        fields["_policy"] = policy
        return fields

    def play(self, f: dict, reply_deadline: dt.datetime | None) -> _Story:
        rng, w = self.rng, self.w
        story = _Story(f, self.now)
        operator = rng.choice(w.operators) if w.operators else None
        lane, category, received = f["lane"], f["category"], f["received_at"]
        f["created_by_id"] = operator if f["channel"] == Channel.PHONE else None
        refused = rng.random() < REFUSED_SHARE[lane]
        emergency = (
            lane == Lane.GENERAL
            and f["channel"] == Channel.PHONE
            and category == Category.HELP
            and rng.random() < EMERGENCY_SHARE * 6
        )
        if refused or emergency:
            f["repeat"] = False  # as intake: only accepted orders are flagged as repeats
        try:
            if refused:
                reason = _pick(rng, dict(_EXCLUSIONS))
                f["exclusion_reason"] = reason
                story.step(received, Action.REFUSE, operator, reason, status=Status.REFUSED)
                return story
            if emergency:
                target = _pick(rng, dict(_EMERGENCIES))
                f.update(emergency=True, transferred_to=target, transferred_at=received)
                story.step(received, Action.TRANSFER, operator, target, status=Status.TRANSFERRED)
                return story
            story.step(received, Action.CREATE, f["created_by_id"], status=Status.RECEIVED)
            if category == Category.CONSULT and rng.random() < DIRECT_ANSWER_SHARE[lane]:
                self._direct_answer(story, operator)
            else:
                self._handle(story, operator, reply_deadline)
        except _Cut:
            pass
        return story

    def _direct_answer(self, story: _Story, operator) -> None:
        rng, f = self.rng, story.f
        if f["channel"] == Channel.PHONE:
            at = f["received_at"] + dt.timedelta(minutes=_lognormal(rng, *DIRECT_ANSWER_MINUTES))
        else:
            at = self.after_hours(f["received_at"], _lognormal(rng, *DIRECT_ANSWER_HOURS))
        answer = "已根据政府热线知识库向诉求人答复：" + rng.choice(_REPLY_ACTIONS["consult"])
        callback = worktime.add_working_days(at, 2)
        story.step(
            at,
            Action.CLOSE,
            operator,
            answer[:200],
            status=Status.CLOSED,
            reply_text=answer,
            replied_at=at,
            closed_at=at,
            callback_deadline=callback.deadline,
        )
        self._callback(story, operator, late=False, flags=set())

    def _dispatch(self, story: _Story, operator, at, unit_id, rule, co_units, first_deadline):
        f = story.f
        policy = f["_policy"]
        sign = worktime.add_working_hours(at, policy.sign_hours)
        changes = {
            "status": Status.DISPATCHED,
            "lead_unit_id": unit_id,
            "dispatch_rule_id": rule.pk if rule else None,
            "sla_policy_id": policy.pk,
            "dispatched_at": at,
            "signed_at": None,
            "sign_deadline": sign.deadline,
            "return_reason": "",
            "held_status": "",
            "_co_units": [c for c in co_units if c != unit_id],
        }
        if f.get("reply_deadline") is None:
            changes["reply_deadline"] = first_deadline
        note = _("Dispatched by rule %(rule)s") % {"rule": rule} if rule else ""
        actor = f["created_by_id"] if rule is not None else operator
        story.step(at, Action.DISPATCH, actor, note, **changes)

    def _handle(self, story: _Story, operator, reply_deadline) -> None:
        rng, w, f = self.rng, self.w, story.f
        policy = f["_policy"]
        category = f["category"]
        probe = SimpleNamespace(
            title=f["title"],
            content=f["content"],
            category=category,
            district_id=f["district_id"],
            city_id=w.city_id,
        )
        rule, co_units = w.route(probe)
        flags: set[str] = set()
        if rule is not None:
            unit_id, at = rule.lead_unit_id, f["received_at"]  # 即接即转 at intake
        else:
            unit_id = f["_unit"] or w.fallback_unit
            at = f["received_at"] + dt.timedelta(minutes=_lognormal(rng, *MANUAL_DISPATCH_MINUTES))
        self._dispatch(story, operator, at, unit_id, rule, co_units, reply_deadline)
        # 退单: the unit disputes the dispatch before signing.
        if rng.random() < RETURN_SHARE["rule" if rule else "manual"]:
            flags.add("returned")
            handler = rng.choice(w.handlers(unit_id))
            at = self.after_hours(story.t, float(policy.sign_hours) * 0.5 * rng.random() + 0.05)
            reason = rng.choice(_RETURN_REASONS)
            story.step(
                at,
                Action.RETURN,
                handler,
                reason,
                status=Status.RETURN_REQUESTED,
                held_status=Status.DISPATCHED,
                return_reason=reason,
            )
            at = self.after_hours(at, _lognormal(rng, *REVIEW_HOURS))
            if rng.random() < RETURN_ACCEPTED:
                story.step(
                    at,
                    Action.RETURN_ACCEPT,
                    operator,
                    rng.choice(_ACCEPT_NOTES),
                    status=Status.RECEIVED,
                    lead_unit_id=None,
                    sign_deadline=None,
                    held_status="",
                    _co_units=[],
                )
                unit_id = self._redispatch_unit(f, unit_id)
                at += dt.timedelta(minutes=_lognormal(rng, *MANUAL_DISPATCH_MINUTES))
                self._dispatch(story, operator, at, unit_id, None, [], reply_deadline)
            else:
                story.step(
                    at,
                    Action.RETURN_REJECT,
                    operator,
                    rng.choice(_REJECT_NOTES),
                    status=Status.DISPATCHED,
                    held_status="",
                )
        speed = w.speed(unit_id)
        handler = rng.choice(w.handlers(unit_id))
        sign_hours = float(policy.sign_hours) * _lognormal(rng, *SIGN_SHARE) * speed
        at = self.after_hours(story.t, sign_hours)
        story.step(at, Action.SIGN, handler, status=Status.SIGNED, signed_at=at)
        at = self.after_hours(at, _lognormal(rng, *START_HOURS))
        story.step(at, Action.START, handler, status=Status.IN_PROGRESS, started_at=at)
        limit_hours = policy.handle_days * self.day_hours
        work = limit_hours * _lognormal(rng, *HANDLE_SHARE[category]) * speed
        reply_at = self._work(story, handler, at, work, flags)
        self._reply_and_review(story, handler, operator, reply_at, flags)

    def _work(self, story: _Story, handler, at, work_hours: float, flags: set) -> dt.datetime:
        """Pause and extension decisions while working; returns when the reply is ready."""
        rng, f = self.rng, story.f
        category = f["category"]
        if rng.random() < PAUSE_SHARE.get(category, 0.0):
            flags.add("paused")
            paused_at = self.after_hours(at, work_hours * 0.3)
            story.step(
                paused_at,
                Action.PAUSE,
                handler,
                rng.choice(_PAUSE_REASONS),
                status=Status.PAUSED,
                paused_at=paused_at,
                held_status=Status.IN_PROGRESS,
            )
            resumed = self.after_hours(paused_at, _lognormal(rng, *PAUSE_HOURS))
            paused = worktime.working_minutes_between(paused_at, resumed)
            changes = {
                "status": Status.IN_PROGRESS,
                "held_status": "",
                "paused_at": None,
                "paused_seconds": f.get("paused_seconds", 0) + paused.seconds,
            }
            if f.get("reply_deadline") is not None and paused.seconds:
                moved = worktime.add_working_hours(f["reply_deadline"], paused.seconds / 3600)
                changes["reply_deadline"] = moved.deadline
            story.step(
                resumed,
                Action.RESUME,
                handler,
                _("paused for %(m)d working minutes") % {"m": paused.minutes},
                **changes,
            )
            at, work_hours = resumed, work_hours * 0.7
        ready = self.after_hours(at, work_hours)
        deadline = f.get("reply_deadline")
        if (
            deadline is not None
            and ready > deadline
            and category != Category.CONSULT
            and f.get("extension_count", 0) == 0
            and rng.random() < EXTENSION_ASK
        ):
            asked = at + (deadline - at) * 0.7
            if asked < deadline:
                late_hours = worktime.working_minutes_between(deadline, ready).seconds / 3600
                days = min(MAX_EXTENSION_DAYS, max(1, math.ceil(late_hours / self.day_hours) + 1))
                reason = rng.choice(_EXTENSION_REASONS)
                story.step(
                    asked,
                    Action.EXTENSION_REQUEST,
                    handler,
                    reason,
                    extension_pending_days=days,
                    extension_reason=reason,
                )
                decided = self.after_hours(asked, _lognormal(rng, *REVIEW_HOURS))
                if decided < ready:
                    operator = rng.choice(self.w.operators) if self.w.operators else None
                    if rng.random() < EXTENSION_APPROVED:
                        moved = worktime.add_working_days(deadline, days)
                        story.step(
                            decided,
                            Action.EXTENSION_APPROVE,
                            operator,
                            extension_pending_days=None,
                            reply_deadline=moved.deadline,
                            extension_count=f.get("extension_count", 0) + 1,
                        )
                    else:
                        story.step(
                            decided,
                            Action.EXTENSION_REJECT,
                            operator,
                            extension_pending_days=None,
                        )
        return ready

    def _reply_text(self, category: str) -> str:
        rng = self.rng
        key = category if category in ("consult", "praise") else "default"
        finding = rng.choice(_REPLY_FINDINGS[key])
        action_key = category if category in _REPLY_ACTIONS else "default"
        return finding + rng.choice(_REPLY_ACTIONS[action_key])

    def _reply_and_review(self, story: _Story, handler, operator, reply_at, flags: set) -> None:
        rng, f = self.rng, story.f
        policy = f["_policy"]
        category = f["category"]
        story.step(
            reply_at,
            Action.REPLY,
            handler,
            status=Status.REPLIED,
            reply_text=self._reply_text(category),
            replied_at=reply_at,
            extension_pending_days=None,
        )
        review_at = self.after_hours(reply_at, _lognormal(rng, *REVIEW_HOURS))
        share = SEND_BACK_SHARE.get(category, SEND_BACK_SHARE["default"])
        if "sent_back" not in flags and rng.random() < share:
            flags.add("sent_back")
            story.step(
                review_at,
                Action.SEND_BACK,
                operator,
                rng.choice(_SEND_BACK_NOTES),
                status=Status.IN_PROGRESS,
            )
            redo = policy.handle_days * self.day_hours * _lognormal(rng, *REDO_SHARE)
            again = self.after_hours(review_at, redo)
            self._reply_and_review(story, handler, operator, again, flags)
            return
        callback = worktime.add_working_days(review_at, policy.callback_days)
        story.step(
            review_at,
            Action.APPROVE,
            operator,
            status=Status.CLOSED,
            closed_at=review_at,
            callback_deadline=callback.deadline,
        )
        deadline = f.get("reply_deadline")
        self._callback(
            story, operator, late=deadline is not None and review_at > deadline, flags=flags
        )

    def _callback(self, story: _Story, operator, *, late: bool, flags: set) -> None:
        rng, f = self.rng, story.f
        at = self.after_hours(f["closed_at"], _lognormal(rng, *CALLBACK_HOURS))
        reopened = f.get("reopen_count", 0) > 0
        p_solved = REOPEN_SOLVED if reopened else SOLVED[f["category"]]
        if late:
            p_solved -= LATE_SOLVED_DROP
        solved = rng.random() < p_solved
        latent = RATING_BASE + rng.gauss(0.0, 1.0)
        effects = set(flags)
        if not solved:
            effects.add("unsolved")
        if late:
            effects.add("late")
        if reopened:
            effects.add("reopened")
        latent += sum(RATING_EFFECTS.get(e, 0.0) for e in effects)
        rating = Rating.VERY_DISSATISFIED
        for cut, level in RATING_CUTS:
            if latent >= cut:
                rating = level
                break
        note = f"{rating}; solved={solved}"
        reopen = (
            rating in UNSATISFIED_RATINGS
            and f.get("reopen_count", 0) < MAX_REOPENS
            and f.get("lead_unit_id") is not None
        )
        if not reopen:
            story.step(
                at,
                Action.CALLBACK,
                operator,
                note,
                status=Status.CALLED_BACK,
                rating=rating,
                solved=solved,
                called_back_at=at,
            )
            return
        policy = f["_policy"]
        reply = worktime.add_working_days(at, policy.handle_days)
        story.step(
            at,
            Action.REOPEN,
            operator,
            note,
            status=Status.IN_PROGRESS,
            rating=rating,
            solved=solved,
            called_back_at=at,
            reopen_count=f.get("reopen_count", 0) + 1,
            reply_deadline=reply.deadline,
            callback_deadline=None,
            closed_at=None,
            replied_at=None,
        )
        unit_id = f["lead_unit_id"]
        handler = rng.choice(self.w.handlers(unit_id))
        work = (
            policy.handle_days
            * self.day_hours
            * _lognormal(rng, *REOPEN_HANDLE_SHARE)
            * self.w.speed(unit_id)
        )
        ready = self.after_hours(at, work)
        self._reply_and_review(story, handler, operator, ready, set(flags))

    def _redispatch_unit(self, f: dict, returned_by: int) -> int:
        """After an accepted return: the unit the text is really about, else another department
        of the order's district (属地), else any other department."""
        rng, w = self.rng, self.w
        if f["_unit"] and f["_unit"] != returned_by:
            return f["_unit"]
        local = [u for u in w.district_units.get(f["district_id"], ()) if u != returned_by]
        if local:
            return rng.choice(local)
        return rng.choice([u for u in w.units.values() if u != returned_by] or [returned_by])


EVENT_COLUMNS = [
    "order_id",
    "action",
    "actor_id",
    "from_status",
    "to_status",
    "unit_id",
    "note",
    "at",
]


def _sqlite_datetime(value: dt.datetime | None) -> str | None:
    """What Django's SQLite backend stores for an aware datetime: naive UTC text."""
    if value is None:
        return None
    return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ")


def _json_converter(field):
    return lambda value: field.get_db_prep_save(value, connection)


class _Writer:
    """Rows straight to ``executemany``: the ORM's per-field preparation of ``bulk_create``
    took most of the run time (hundreds of thousands of orders, millions of values)."""

    def __init__(self, model, columns: list[str] | None = None) -> None:
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        if columns is not None:
            fields = [f for f in fields if f.attname in columns]
        self.fields = fields
        self.table = model._meta.db_table
        self.sqlite = connection.vendor == "sqlite"
        # (attribute, default, converter or None) per column, decided once
        self.specs = []
        for f in fields:
            convert = None
            if isinstance(f, DateTimeField) and self.sqlite:
                convert = _sqlite_datetime
            elif isinstance(f, JSONField):
                convert = _json_converter(f)
            self.specs.append((f.attname, f.get_default(), convert))  # default "" or None

    def insert(self, rows: list[dict]) -> None:
        if not rows:
            return
        specs = self.specs
        values = [
            tuple(
                [
                    convert(row.get(name, default)) if convert else row.get(name, default)
                    for name, default, convert in specs
                ]
            )
            for row in rows
        ]
        self._execute(values)

    def insert_tuples(self, rows: list[tuple]) -> None:
        """Rows as tuples in the order of ``self.fields``."""
        if not rows:
            return
        converters = [convert for _n, _d, convert in self.specs]
        if any(converters):
            rows = [
                tuple(
                    [
                        convert(v) if convert else v
                        for v, convert in zip(row, converters, strict=True)
                    ]
                )
                for row in rows
            ]
        self._execute(rows)

    def _execute(self, values: list[tuple]) -> None:
        quote = connection.ops.quote_name
        columns = ", ".join(quote(f.column) for f in self.fields)
        marks = ", ".join(["%s"] * len(self.fields))
        # identifiers from model metadata, quoted; every value is a parameter
        sql = f"INSERT INTO {quote(self.table)} ({columns}) VALUES ({marks})"  # noqa: S608
        with connection.cursor() as cursor:
            for i in range(0, len(values), 5000):
                cursor.executemany(sql, values[i : i + 5000])


def already_simulated(seed: int = 2026) -> bool:
    return WorkOrder.objects.filter(idempotency_key__startswith=f"{KEY_PREFIX}-{seed}-").exists()


def simulate(
    *,
    city,
    start: dt.date,
    end: dt.date,
    enterprise_orders: int = 35_000,
    general_orders: int = 100_000,
    seed: int = 2026,
    progress=None,
    now: dt.datetime | None = None,
) -> SimulationResult:
    """Simulate the orders received from ``start`` (inclusive) to ``end`` (exclusive) and what
    happened to them until ``now`` (default: the current time), then write them.

    ``city`` is the city organisation (an object with ``id``, or its id). ``progress`` is a
    ``rich.progress.Progress`` (optional). Idempotent: a second run with the same ``seed``
    writes nothing (orders carry the idempotency keys ``sim-<seed>-<n>``).
    """
    city_id = getattr(city, "id", city)
    if end <= start:
        raise ValueError("end must be after start")
    if enterprise_orders < 0 or general_orders < 0:
        raise ValueError("order counts cannot be negative")
    now = now or timezone.now()
    result = SimulationResult(created=False, start=start, end=end)
    if already_simulated(seed):
        return result
    rng = random.Random(seed)
    world = _World(city_id, seed)
    sim = _Simulation(world=world, rng=rng, now=now, seed=seed)
    arrivals = [
        (t, Lane.ENTERPRISE) for t in _arrivals(rng, start, end, Lane.ENTERPRISE, enterprise_orders)
    ]
    arrivals += [
        (t, Lane.GENERAL) for t in _arrivals(rng, start, end, Lane.GENERAL, general_orders)
    ]
    arrivals = sorted((t, lane) for t, lane in arrivals if t <= now)
    task = (
        progress.add_task("12345 half-year simulation", total=len(arrivals)) if progress else None
    )
    counters = dict(
        DailyCounter.objects.filter(city_id=city_id, day__gte=start, day__lte=end).values_list(
            "day", "last"
        )
    )
    existing_days = set(counters)
    writers = {
        "order": _Writer(WorkOrder),
        "event": _Writer(WorkOrderEvent, EVENT_COLUMNS),
        "co_unit": _Writer(WorkOrder.co_units.through),
    }
    if [f.attname for f in writers["event"].fields] != EVENT_COLUMNS:
        raise RuntimeError("WorkOrderEvent's columns changed: update EVENT_COLUMNS")
    with transaction.atomic():
        for offset in range(0, len(arrivals), CHUNK):
            batch = arrivals[offset : offset + CHUNK]
            _write_chunk(sim, batch, offset, counters, result, writers)
            if progress:
                progress.advance(task, len(batch))
        for day, last in counters.items():
            if day in existing_days:
                DailyCounter.objects.filter(city_id=city_id, day=day).update(last=last)
        DailyCounter.objects.bulk_create(
            [
                DailyCounter(city_id=city_id, day=day, last=last)
                for day, last in counters.items()
                if day not in existing_days
            ]
        )
        result.created = True
        audit_record(
            actor=None,
            action="hotline.simulation.run",
            object_type="hotline.workorder",
            changes={
                "seed": seed,
                "start": start.isoformat(),
                "end": end.isoformat(),
                "now": now.isoformat(),
                "orders": result.orders,
                "events": result.events,
                "by_lane": result.by_lane,
                "open_orders": result.open_orders,
            },
        )
    return result


def _write_chunk(sim: _Simulation, batch, offset: int, counters: dict, result, writers) -> None:
    drawn = [
        sim.draw_request(offset + i, received, lane) for i, (received, lane) in enumerate(batch)
    ]
    requests = [
        worktime.DeadlineRequest(start=f["received_at"], working_days=f["_policy"].handle_days)
        for f in drawn
    ]
    reply_deadlines = worktime.compute_deadlines(requests)
    stamp = timezone.now()
    stories = []
    for f, reply in zip(drawn, reply_deadlines, strict=True):
        story = sim.play(f, reply.deadline)
        day = timezone.localtime(f["received_at"], LOCAL_TZ).date()
        counters[day] = counters.get(day, 0) + 1
        f["number"] = f"{sim.w.prefix}{day:%Y%m%d}-{counters[day]:06d}"
        f["version"] = max(1, len(story.events))
        f["sla_check_at"] = sim.now if f["status"] in RUNNING else None
        f["updated_at"] = stamp
        stories.append(story)
        result.by_lane[f["lane"]] = result.by_lane.get(f["lane"], 0) + 1
        result.open_orders += f["status"] not in (
            Status.CALLED_BACK,
            Status.REFUSED,
            Status.TRANSFERRED,
        )
    last_id = WorkOrder.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    writers["order"].insert(drawn)
    ids = dict(
        WorkOrder.objects.filter(pk__gt=last_id, idempotency_key__isnull=False).values_list(
            "idempotency_key", "pk"
        )
    )
    events, links = [], []
    for f, story in zip(drawn, stories, strict=True):
        order_id = ids[f["idempotency_key"]]
        for action, actor, before, after, unit, note, at in story.events:
            events.append((order_id, action, actor, before, after, unit, note, at))
        for unit in f.get("_co_units") or ():
            links.append({"workorder_id": order_id, "organisation_id": unit})
    writers["event"].insert_tuples(events)
    writers["co_unit"].insert(links)
    result.orders += len(drawn)
    result.events += len(events)
