"""Notifications of 好差评 (through the notify facade), sent after the transaction commits.

The default templates are registered lazily, the first time notify reports one unknown (a
fresh database), so no existence query runs per notification. An administrator's edits of a
template are kept.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model

from yiwang.core import facade as core
from yiwang.core.choices import Role
from yiwang.core.errors import InvalidInput
from yiwang.notify import facade as notify

TEMPLATES: dict[str, tuple[str, str]] = {
    "ratings.invite": (
        "请对“{{ item }}”的服务进行评价",
        "您好，{{ organisation }}已为您办结“{{ item }}”。请于 {{ deadline }} 前进行好差评；"
        "逾期未评价的默认为“基本满意”。",
    ),
    "ratings.negative": (
        "收到差评：{{ item }}",
        "{{ organisation }}办理的“{{ item }}”收到差评（{{ level }}）。"
        "请于 {{ deadline }} 前完成核实回访。",
    ),
    "ratings.feedback": (
        "您对“{{ item }}”的评价已整改反馈",
        "您对{{ organisation }}“{{ item }}”的评价已核实处理：{{ feedback }}",
    ),
    "ratings.appeal_filed": (
        "差评申诉待复核：{{ item }}",
        "{{ organisation }}对“{{ item }}”的差评提出申诉：{{ reason }}",
    ),
    "ratings.appeal_decided": (
        "差评申诉复核结果：{{ item }}",
        "{{ organisation }}对“{{ item }}”差评的申诉已复核：{{ decision }}。{{ note }}",
    ),
}


def ensure_templates() -> None:
    for code, (subject, body) in TEMPLATES.items():
        notify.template_ensure(code, subject, body, name=code)


def send(*, template: str, recipients: list, channels=None, **kwargs) -> None:
    """``notify.send`` that registers the module's templates when they are missing."""
    if not recipients:
        return
    args = {
        "template_code": template,
        "recipients": recipients,
        "channels": channels or [notify.Channel.INBOX],
        **kwargs,
    }
    try:
        notify.send(**args)
    except InvalidInput as exc:
        if exc.code != "notify.unknown_template":
            raise
        ensure_templates()
        notify.send(**args)


def users_with_role_in(role: str, organisation_id: int) -> list:
    """Active users holding ``role`` inside the organisation's subtree."""
    ref = core.organisation_by_id(organisation_id)
    if ref is None:
        return []
    ids = core.users_with_role(role, within=ref)
    return list(get_user_model().objects.filter(pk__in=ids, is_active=True))


def department_handlers(organisation_id: int) -> list:
    return users_with_role_in(Role.CASE_HANDLER, organisation_id)


def appeal_reviewers(organisation_id: int) -> list:
    """The service authority's reviewers of the organisation's city."""
    chain = core.organisation_ancestors(organisation_id)
    if not chain:
        return []
    return users_with_role_in(Role.SERVICE_REVIEWER, chain[0].id)
