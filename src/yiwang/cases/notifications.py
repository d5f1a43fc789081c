"""Notices to the applicant of a case (and to the agent who filed it for them, 帮办代办).

The services call the hooks below inside their transaction; each hook only registers an
``on_commit`` callback, so nothing is sent for a change that rolls back, and the notice reads
the committed case. Every notice goes to the inbox of the applicant and the agent (the link is
the "my cases" page of the case, which both may open) and, as a short text without personal
data, by SMS to the application's contact phone when it is a mobile number (else the
applicant account's mobile).

Events: 接件 (receipt, with the case number), 受理 (also when deemed accepted), 不予受理 (with
the reason and where to go), 补正 (every correction and the date to resubmit by), 视为撤回
(the correction deadline passed), 延期 (new deadline and reason), 决定 (准予/不予 with the
reasons), 办结 (how to get the result) and 送达/领取. A 一件事 bundle is one case to the
applicant: its sub-cases send nothing of their own; the parent's status changes are notified
once each (``parent_changed``), and the notices a department must give on its own part — a
correction, its lapse, an extension — are sent as notices of the parent naming the item.

A failure to notify never undoes the case change: the callback runs after the commit and
logs the error (with the case number and event, never personal data) instead of raising.
The dedupe key of each notice is its event's identity, so sending again notifies no one twice.

The default templates (Chinese) are registered lazily, the first time notify reports one
unknown; an administrator's edits of a template are kept.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation

from yiwang.cases.choices import CaseAction, CaseStatus, Decision, DeliveryMethod
from yiwang.cases.models import Case, CorrectionNotice, Extension
from yiwang.core.errors import DomainError, InvalidInput
from yiwang.notify import facade as notify

logger = logging.getLogger(__name__)

S, A = CaseStatus, CaseAction
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_PHONE_NOISE = re.compile(r"[\s\-()]")

_HEAD = "您申请的“{{ item }}”（办件编号 {{ number }}）"
_PART = "{% if part %}中的“{{ part }}”{% endif %}"
_LINK = "\n查看详情：{{ link }}"
_REMEDY = "如不服，可依法申请行政复议或者提起行政诉讼。"
_SMS = "【一网通办】您的办件{{ number }}（{{ item }}）"
_SMS_TAIL = "请登录一网通办“我的办件”查看。"

#: code → (subject, body). ``<event>`` goes to the inbox, ``<event>.sms`` by SMS (body only:
#: the case number, the item and dates — no names, no identity or phone numbers, no reasons).
TEMPLATES: dict[str, tuple[str, str]] = {
    "cases.received": (
        "办件 {{ number }} 已接收",
        "您申请的“{{ item }}”已于 {{ received_at }} 提交，办件编号 {{ number }}。"
        "{{ organisation }}将于 {{ accept_by }} 前决定是否受理，或一次性告知需要补正的全部内容。"
        + _LINK,
    ),
    "cases.received.sms": (
        "办件已接收",
        "【一网通办】您申请的“{{ item }}”已接收，办件编号{{ number }}。" + _SMS_TAIL,
    ),
    "cases.accepted": (
        "办件 {{ number }} 已受理",
        _HEAD + "已于 {{ accepted_at }} 受理。{% if deadline %}承诺于 {{ deadline }} 前作出决定。"
        "{% endif %}" + _LINK,
    ),
    "cases.accepted.sms": (
        "办件已受理",
        _SMS + "已受理{% if deadline %}，承诺于{{ deadline }}前作出决定{% endif %}。" + _SMS_TAIL,
    ),
    "cases.refused": (
        "办件 {{ number }} 不予受理",
        _HEAD + "不予受理。\n理由：{{ reason }}"
        "{% if refer_to %}\n请向{{ refer_to }}提出申请。{% endif %}\n" + _REMEDY + _LINK,
    ),
    "cases.refused.sms": ("办件不予受理", _SMS + "不予受理，理由" + _SMS_TAIL),
    "cases.correction": (
        "办件 {{ number }} 需要补正材料",
        _HEAD + "需要补正以下全部内容（一次性告知）："
        "{% for c in corrections %}\n{{ forloop.counter }}. "
        "{% if c.item %}【{{ c.item }}】{% endif %}{% if c.name %}{{ c.name }}：{% endif %}"
        "{{ c.reason }}{% endfor %}"
        "{% if note %}\n说明：{{ note }}{% endif %}"
        "\n请于 {{ correct_by }} 前在“我的办件”中提交补正材料；逾期未补正的，视为撤回申请。"
        "补正期间办理时限暂停计算，收到补正材料后重新计算。" + _LINK,
    ),
    "cases.correction.sms": (
        "办件需要补正",
        _SMS + "需要补正材料，请于{{ correct_by }}前提交，逾期视为撤回申请。" + _SMS_TAIL,
    ),
    "cases.lapsed": (
        "办件 {{ number }} 因逾期未补正视为撤回",
        _HEAD + _PART + "未在 {{ correct_by }} 前补正材料，依法视为撤回申请。"
        "如仍需办理，请重新提交申请。" + _LINK,
    ),
    "cases.lapsed.sms": ("办件视为撤回", _SMS + "因逾期未补正视为撤回申请。" + _SMS_TAIL),
    "cases.extended": (
        "办件 {{ number }} 办理时限已延长",
        _HEAD + _PART + "经本机关负责人批准，办理时限延长 {{ days }} 日，"
        "由 {{ previous_deadline }} 延至 {{ deadline }}。\n延期理由：{{ reason }}" + _LINK,
    ),
    "cases.extended.sms": (
        "办件延期",
        _SMS + "办理时限已延长至{{ deadline }}，延期理由" + _SMS_TAIL,
    ),
    "cases.decided": (
        "办件 {{ number }} 已作出决定",
        _HEAD + "已作出决定："
        "{% for r in results %}\n{% firstof r.item '结果' %}：{{ r.outcome }}"
        "{% if r.reasons %}（理由：{{ r.reasons }}）{% endif %}{% endfor %}"
        "{% if denied %}\n" + _REMEDY + "{% endif %}" + _LINK,
    ),
    "cases.decided.sms": ("办件已作出决定", _SMS + "已作出决定，" + _SMS_TAIL),
    "cases.completed": (
        "办件 {{ number }} 已办结",
        _HEAD + "已于 {{ completed_at }} 办结。"
        "{% for r in results %}\n{% firstof r.item '结果' %}：{{ r.outcome }}"
        "{% if r.result %}，审批结果：{{ r.result }}{% endif %}{% endfor %}"
        "{% if deliverable %}\n领取方式：{% for r in results %}{% if r.approved %}"
        "{% if r.item %}{{ r.item }}{% endif %}可到{% firstof r.places r.organisation %}窗口领取"
        "{% if r.result %}“{{ r.result }}”{% else %}审批结果{% endif %}；{% endif %}{% endfor %}"
        "也可选择邮寄送达或电子证照，办理部门将于 {{ deliver_by }} 前送达。{% endif %}"
        "\n欢迎对本次服务进行评价。" + _LINK,
    ),
    "cases.completed.sms": (
        "办件已办结",
        _SMS + "已办结{% if deliverable %}，审批结果将于{{ deliver_by }}前送达，领取方式"
        "{% else %}，办理结果{% endif %}" + _SMS_TAIL,
    ),
    "cases.delivered": (
        "办件 {{ number }} 审批结果已送达",
        _HEAD + "的审批结果已于 {{ delivered_at }} 送达。\n送达方式："
        "{% for r in results %}{% if r.item %}{{ r.item }}：{% endif %}{{ r.method }}"
        "{% if not forloop.last %}；{% endif %}{% endfor %}" + _LINK,
    ),
    "cases.delivered.sms": ("审批结果已送达", _SMS + "审批结果已送达。" + _SMS_TAIL),
}

#: The status a bundle's parent reaches → the notice of that change (others send nothing:
#: 补正 and 视为撤回 are told per sub-case, a resubmission or withdrawal is the applicant's own).
PARENT_NOTICES = {
    S.ACCEPTED: "cases.accepted",
    S.REFUSED: "cases.refused",
    S.DECIDED: "cases.decided",
    S.COMPLETED: "cases.completed",
    S.DELIVERED: "cases.delivered",
}


# --- hooks called by the services (inside their transaction) ------------------------------------


def case_received(case: Case) -> None:
    """接件 of an application or of a bundle's parent."""
    _later("cases.received", case.pk, f"cases:{case.number}:received")


def case_accepted(case: Case) -> None:
    """受理, or deemed accepted by the sweep. A sub-case: its parent's change tells."""
    if case.parent_id is None:
        _later("cases.accepted", case.pk, f"cases:{case.number}:accepted")


def case_refused(case: Case) -> None:
    if case.parent_id is None:
        _later("cases.refused", case.pk, f"cases:{case.number}:refused")


def case_correction(case: Case, notice: CorrectionNotice) -> None:
    """A 补正 notice (of a sub-case: a notice of its bundle listing every open correction)."""
    target = case.parent_id or case.pk
    number = case.parent.number if case.parent_id else case.number
    _later("cases.correction", target, f"cases:{number}:correction:{notice.pk}", notice=notice.pk)


def case_lapsed(case: Case, notice_deadline: dt.datetime | None) -> None:
    """视为撤回: the correction deadline passed."""
    target, key = _target(case, "lapsed")
    _later("cases.lapsed", target, key, part=case.pk, correct_by=notice_deadline)


def case_extended(case: Case, extension: Extension) -> None:
    target, key = _target(case, "extended")
    _later("cases.extended", target, key, part=case.pk, extension=extension.pk)


def case_decided(case: Case) -> None:
    if case.parent_id is None:
        _later("cases.decided", case.pk, f"cases:{case.number}:decided")


def case_completed(case: Case) -> None:
    if case.parent_id is None:
        _later("cases.completed", case.pk, f"cases:{case.number}:completed")


def case_delivered(case: Case) -> None:
    if case.parent_id is None:
        _later("cases.delivered", case.pk, f"cases:{case.number}:delivered")


def parent_changed(parent: Case, before: str) -> None:
    """A bundle's parent reached a new derived status (``joint.parent_sync``)."""
    template = PARENT_NOTICES.get(parent.status)
    if template is not None and parent.status != before:
        _later(template, parent.pk, f"cases:{parent.number}:{template.split('.')[1]}")


def _target(case: Case, event: str) -> tuple[int, str]:
    if case.parent_id:
        return case.parent_id, f"cases:{case.parent.number}:{event}:{case.number}"
    return case.pk, f"cases:{case.number}:{event}"


def _later(template: str, case_id: int, key: str, **extra: Any) -> None:
    transaction.on_commit(partial(notify_case, template, case_id, key, **extra))


# --- sending (after the commit) ------------------------------------------------------------------


def notify_case(template: str, case_id: int, key: str, **extra: Any) -> bool:
    """Send one notice of ``case_id`` now (idempotent through ``key``). Never raises: a failure
    is logged and False returned — the case change it reports is already committed."""
    try:
        case = (
            Case.objects.select_related("organisation", "applicant", "agent", "parent")
            .filter(pk=case_id)
            .first()
        )
        if case is None:
            return False
        with translation.override(settings.LANGUAGE_CODE):
            context = {**_base_context(case), **CONTEXT[template](case, **extra)}
        failures = _send(case, template, key, context)
    except Exception:
        logger.exception("cases: notice %s of case %s could not be sent", template, case_id)
        return False
    for exc in failures:
        logger.error(
            "cases: notice %s of case %s could not be sent: %s %s",
            template,
            case_id,
            exc.code,
            exc.message,
        )
    return not failures


def ensure_templates() -> None:
    for code, (subject, body) in TEMPLATES.items():
        notify.template_ensure(code, subject, body, name=code)


def recipients_of(case: Case) -> list:
    """The applicant and the agent who filed for them (active accounts, once each)."""
    users = [u for u in (case.applicant, case.agent) if u is not None and u.is_active]
    return list({u.pk: u for u in users}.values())


def sms_number(case: Case) -> str | None:
    """The application's contact phone when it is a mainland mobile number, else the
    applicant account's mobile; None when neither is."""
    for value in (case.phone, getattr(case.applicant, "mobile", "")):
        digits = _PHONE_NOISE.sub("", value or "")
        if digits.startswith("+86"):
            digits = digits[3:]
        if _MOBILE.match(digits):
            return digits
    return None


def _send(case: Case, template: str, key: str, context: dict) -> list[InvalidInput]:
    link = context["link"]
    payload = {"case": case.number, "event": template}
    items = [
        notify.Outgoing(
            template_code=template,
            recipients=recipients_of(case),
            channels=[notify.Channel.INBOX],
            context=context,
            dedupe_key=key,
            link=link,
            payload=payload,
        )
    ]
    phone = sms_number(case) if case.applicant.is_active else None
    if phone:
        items.append(
            notify.Outgoing(
                template_code=f"{template}.sms",
                recipients=[phone],
                channels=[notify.Channel.SMS],
                context=context,
                dedupe_key=key,
                payload=payload,
            )
        )
    items = [i for i in items if i.recipients]
    if not items:
        return []
    results = notify.send_many(items, skip_invalid=True)
    if any(_unknown_template(r) for r in results):
        ensure_templates()
        retry = [i for i, r in zip(items, results, strict=True) if isinstance(r, InvalidInput)]
        again = iter(notify.send_many(retry, skip_invalid=True))
        results = [next(again) if isinstance(r, InvalidInput) else r for r in results]
    return [r for r in results if isinstance(r, InvalidInput)]


def _unknown_template(result) -> bool:
    return isinstance(result, InvalidInput) and result.code == "notify.unknown_template"


# --- what each notice says ------------------------------------------------------------------------


def _fmt(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


def _subs(case: Case) -> list[Case]:
    if case.item_id is not None:
        return []
    return list(case.sub_cases.select_related("organisation").order_by("number"))


def _organisations(case: Case, subs: list[Case]) -> str:
    names = [c.organisation.name for c in subs] or [case.organisation.name]
    return "、".join(dict.fromkeys(names))


def _base_context(case: Case) -> dict[str, Any]:
    return {
        "number": case.number,
        "item": case.item_name,
        "organisation": case.organisation.name,
        "link": reverse("cases:mine_detail", args=[case.number]),
        "part": "",
    }


def _received(case: Case) -> dict[str, Any]:
    subs = _subs(case)
    accept_by = max((c.acceptance_deadline for c in subs if c.acceptance_deadline), default=None)
    return {
        "organisation": _organisations(case, subs),
        "received_at": _fmt(case.submitted_at),
        "accept_by": _fmt(accept_by or case.acceptance_deadline),
    }


def _accepted(case: Case) -> dict[str, Any]:
    return {"accepted_at": _fmt(case.accepted_at), "deadline": _fmt(case.deadline)}


def _refused(case: Case) -> dict[str, Any]:
    return {"reason": case.refusal_reason, "refer_to": case.refer_to}


def _correction(case: Case, notice: int) -> dict[str, Any]:
    """The notice's corrections (a bundle: every open notice of its sub-cases)."""
    if case.item_id is None:
        notices = list(
            CorrectionNotice.objects.filter(case__parent=case, resolved_at__isnull=True)
            .select_related("case")
            .order_by("case__number", "id")
        )
    else:
        notices = list(CorrectionNotice.objects.filter(pk=notice).select_related("case"))
    corrections = [
        {
            "item": n.case.item_name if n.case_id != case.pk else "",
            "name": entry.get("name") or entry.get("material") or "",
            "reason": entry.get("reason", ""),
        }
        for n in notices
        for entry in n.items
    ]
    return {
        "corrections": corrections,
        "correct_by": _fmt(min((n.deadline for n in notices), default=None)),
        "note": "；".join(n.note for n in notices if n.note),
    }


def _part(case: Case, part: int) -> str:
    if part == case.pk:
        return ""
    return Case.objects.filter(pk=part).values_list("item_name", flat=True).first() or ""


def _lapsed(case: Case, part: int, correct_by: dt.datetime | None) -> dict[str, Any]:
    return {"part": _part(case, part), "correct_by": _fmt(correct_by)}


def _extended(case: Case, part: int, extension: int) -> dict[str, Any]:
    ext = Extension.objects.get(pk=extension)
    return {
        "part": _part(case, part),
        "days": ext.days,
        "reason": ext.reason,
        "previous_deadline": _fmt(ext.previous_deadline),
        "deadline": _fmt(ext.new_deadline),
    }


def _outcome(case: Case) -> str:
    if case.decision:
        return str(Decision(case.decision).label)
    return str(CaseStatus(case.status).label)


def _reasons(case: Case) -> str:
    if case.decision:
        return case.decision_reasons
    return case.refusal_reason if case.status == S.REFUSED else ""


def _results(case: Case) -> list[Case]:
    """The cases whose outcome the notice lists: the case itself, or each sub-case."""
    return _subs(case) or [case]


def _decided(case: Case) -> dict[str, Any]:
    cases = _results(case)
    named = case.item_id is None
    return {
        "results": [
            {"item": c.item_name if named else "", "outcome": _outcome(c), "reasons": _reasons(c)}
            for c in cases
        ],
        "denied": any(c.decision == Decision.DENY or c.status == S.REFUSED for c in cases),
    }


def _result_of(case: Case) -> tuple[str, str]:
    """(the name of the result an approval gives, where to collect it) from the item in the
    catalogue; empty when unknown (no longer published) or not an approval."""
    if case.decision != Decision.APPROVE:
        return "", ""
    from yiwang.catalog import facade as catalog

    try:
        item = catalog.published_item_get(pk=case.item_id)
    except DomainError:
        return "", ""
    names = [(p.get("name") if isinstance(p, dict) else str(p)) or "" for p in item.places]
    return str(item.result.get("name") or ""), "、".join(n for n in names if n)


def _completed(case: Case) -> dict[str, Any]:
    cases = _results(case)
    named = case.item_id is None
    results = []
    for c in cases:
        result, places = _result_of(c)
        results.append(
            {
                "item": c.item_name if named else "",
                "outcome": _outcome(c),
                "result": result,
                "places": places,
                "organisation": c.organisation.name,
                "approved": c.decision == Decision.APPROVE,
            }
        )
    deliver_by = max((c.delivery_deadline for c in cases if c.delivery_deadline), default=None)
    return {
        "completed_at": _fmt(case.completed_at),
        "results": results,
        "deliverable": any(r["approved"] for r in results),
        "deliver_by": _fmt(deliver_by),
    }


def _delivered(case: Case) -> dict[str, Any]:
    cases = [c for c in _results(case) if c.delivery_method]
    named = case.item_id is None
    return {
        "delivered_at": _fmt(case.delivered_at),
        "results": [
            {
                "item": c.item_name if named else "",
                "method": str(DeliveryMethod(c.delivery_method).label),
            }
            for c in cases
        ],
    }


CONTEXT: dict[str, Callable[..., dict[str, Any]]] = {
    "cases.received": _received,
    "cases.accepted": _accepted,
    "cases.refused": _refused,
    "cases.correction": _correction,
    "cases.lapsed": _lapsed,
    "cases.extended": _extended,
    "cases.decided": _decided,
    "cases.completed": _completed,
    "cases.delivered": _delivered,
}
