"""The enterprise service desk's inbox (企业服务台): marking a pushed policy read, and the
desk's notices to an enterprise's users (grants paid or revoked, applications decided or
paid). Reads are in :mod:`yiwang.policy.selectors_desk`.

:func:`push_mark_read` records the first read only (status ``read``, ``read_at``,
``read_by``): the 阅读率 counts enterprises that opened the notice, not how often they did.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from yiwang.core.audit import audit_record, snapshot
from yiwang.core.errors import InvalidInput, NotFound
from yiwang.notify import facade as notify
from yiwang.policy.choices import PushStatus
from yiwang.policy.models import Push
from yiwang.policy.selectors_desk import enterprise_actor, seat_enterprise_ids
from yiwang.policy.services.common import enterprise_users
from yiwang.policy.services.push import push_dedupe_key

logger = logging.getLogger(__name__)

READ_AUDITED = ("status", "read_at", "read_by_id")


# --- writes ---------------------------------------------------------------------------------------


def push_mark_read(*, actor, push_id: int) -> Push:
    """An enterprise user opened a push: the first read is recorded (status ``read``, when and
    by whom) and audited; later opens change nothing."""
    enterprise_actor(actor)
    seats = seat_enterprise_ids(actor)
    with transaction.atomic():
        push = (
            Push.objects.select_for_update()
            .filter(pk=push_id, enterprise_id__in=list(seats))
            .exclude(status=PushStatus.CANCELLED)
            .first()
        )
        if push is None:
            raise NotFound("policy push")
        if push.read_at is not None:
            return push
        before = snapshot(push, READ_AUDITED)
        push.status = PushStatus.READ
        push.read_at = timezone.now()
        push.read_by = actor
        push.save(update_fields=["status", "read_at", "read_by"])
        audit_record(
            actor=actor,
            action="policy.push.read",
            obj=push,
            before=before,
            after=snapshot(push, READ_AUDITED),
        )
    # the reader's own inbox message of this push is read too (the bell stops counting it)
    transaction.on_commit(
        lambda: notify.inbox_mark_read_by_key(actor, push_dedupe_key(push.pk)), robust=True
    )
    return push


# --- notices to an enterprise's users -------------------------------------------------------------

# Shown in the inbox and sent by SMS: no personal data (the enterprise name is public registry
# data; amounts and references belong to the enterprise).
TEMPLATES: dict[str, tuple[str, str]] = {
    "policy.grant_paid": (
        "免申即享资金已拨付：{{ item }}",
        "{{ enterprise }}：您企业免申即享的“{{ item }}”已拨付{{ amount }}，"
        "支付凭证号 {{ reference }}。详情请登录企业服务台查看。",
    ),
    "policy.grant_revoked": (
        "免申即享资格已撤销：{{ item }}",
        "{{ enterprise }}：您企业免申即享的“{{ item }}”已撤销，原因：{{ reason }}。"
        "如有疑问请联系{{ contact }}。",
    ),
    "policy.application_approved": (
        "快申快享申请已通过：{{ item }}",
        "{{ enterprise }}：您企业“{{ item }}”的快申快享申请已审核通过"
        "{% if amount %}，核定金额{{ amount }}{% endif %}。"
        "详情请登录企业服务台查看。",
    ),
    "policy.application_rejected": (
        "快申快享申请未通过：{{ item }}",
        "{{ enterprise }}：您企业“{{ item }}”的快申快享申请未通过，原因：{{ reason }}。"
        "如有疑问请联系{{ contact }}。",
    ),
    "policy.application_paid": (
        "快申快享资金已拨付：{{ item }}",
        "{{ enterprise }}：您企业“{{ item }}”的快申快享资金已拨付{{ amount }}。"
        "详情请登录企业服务台查看。",
    ),
}


def ensure_templates() -> None:
    for code, (subject, body) in TEMPLATES.items():
        notify.template_ensure(code, subject, body, name=code)


@dataclass(frozen=True)
class Notice:
    """One notice to the users of an enterprise."""

    template: str
    uscc: str
    context: dict
    key: str
    link: str


def notices_send(notices: list[Notice]) -> None:
    """Send desk notices (inbox + SMS) to the enterprises' users. Runs after the commit; a
    failure is logged — the change it reports is already stored."""
    if not notices:
        return
    try:
        users = enterprise_users({n.uscc for n in notices})
        items = [
            notify.Outgoing(
                template_code=n.template,
                recipients=users[n.uscc],
                channels=[notify.Channel.INBOX, notify.Channel.SMS],
                context=n.context,
                dedupe_key=n.key,
                link=n.link,
            )
            for n in notices
            if users.get(n.uscc)
        ]
        if not items:
            return
        results = notify.send_many(items, skip_invalid=True)
        retry = [
            item
            for item, result in zip(items, results, strict=True)
            if isinstance(result, InvalidInput) and result.code == "notify.unknown_template"
        ]
        if retry:  # a fresh database: register the default templates once and send again
            ensure_templates()
            notify.send_many(retry, skip_invalid=True)
    except Exception:
        logger.exception("policy: desk notices could not be sent")
