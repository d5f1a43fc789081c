"""The work-order workflow: an explicit transition table and one service per action.

Every action takes the ``version`` the client saw; the write is ``UPDATE ... WHERE version =
seen`` (409 ``hotline.concurrent_change`` when someone was faster), an action not allowed in
the current status is 409 ``hotline.illegal_transition``. Each action appends a timeline event
and an audit record in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import translation
from django.utils.translation import gettext as _

from yiwang.core.audit import audit_record
from yiwang.core.errors import Conflict, InvalidInput
from yiwang.core.permissions import has_perm
from yiwang.hotline import permissions as perms
from yiwang.hotline import selectors
from yiwang.hotline import support as common
from yiwang.hotline.choices import UNSATISFIED_RATINGS, Action, Channel, Rating, Status
from yiwang.hotline.models import (
    CONTENT_MAX_LENGTH,
    KnowledgeArticle,
    WorkOrder,
    WorkOrderEvent,
)
from yiwang.worktime import facade as worktime

S = Status

MAX_EXTENSIONS = 2
MAX_EXTENSION_DAYS = 10
MAX_REOPENS = 1


@dataclass(frozen=True)
class Transition:
    sources: frozenset[str]
    target: str | None  # None: status unchanged or decided by the service
    perm: str


def _t(sources, target, perm) -> Transition:
    return Transition(frozenset(sources), target, perm)


UNIT_ACTIVE = {S.SIGNED, S.IN_PROGRESS}

TRANSITIONS: dict[str, Transition] = {
    Action.DISPATCH: _t({S.RECEIVED}, S.DISPATCHED, perms.DISPATCH),
    Action.CLOSE: _t({S.RECEIVED}, S.CLOSED, perms.REVIEW),
    Action.SIGN: _t({S.DISPATCHED}, S.SIGNED, perms.HANDLE),
    Action.START: _t({S.SIGNED}, S.IN_PROGRESS, perms.HANDLE),
    Action.PAUSE: _t(UNIT_ACTIVE, S.PAUSED, perms.HANDLE),
    Action.RESUME: _t({S.PAUSED}, None, perms.HANDLE),
    Action.REPLY: _t(UNIT_ACTIVE, S.REPLIED, perms.HANDLE),
    Action.APPROVE: _t({S.REPLIED}, S.CLOSED, perms.REVIEW),
    Action.SEND_BACK: _t({S.REPLIED}, S.IN_PROGRESS, perms.REVIEW),
    Action.CALLBACK: _t({S.CLOSED}, None, perms.CALLBACK),
    Action.RETURN: _t({S.DISPATCHED, *UNIT_ACTIVE}, S.RETURN_REQUESTED, perms.HANDLE),
    Action.RETURN_ACCEPT: _t({S.RETURN_REQUESTED}, S.RECEIVED, perms.DISPATCH),
    Action.RETURN_REJECT: _t({S.RETURN_REQUESTED}, None, perms.DISPATCH),
    Action.REASSIGN: _t(
        {S.DISPATCHED, *UNIT_ACTIVE, S.RETURN_REQUESTED}, S.DISPATCHED, perms.DISPATCH
    ),
    Action.EXTENSION_REQUEST: _t(UNIT_ACTIVE, None, perms.HANDLE),
    Action.EXTENSION_APPROVE: _t(UNIT_ACTIVE | {S.PAUSED}, None, perms.REVIEW),
    Action.EXTENSION_REJECT: _t(UNIT_ACTIVE | {S.PAUSED}, None, perms.REVIEW),
    Action.URGE: _t(
        {S.DISPATCHED, *UNIT_ACTIVE, S.PAUSED, S.REPLIED, S.RETURN_REQUESTED},
        None,
        perms.SUPERVISE,
    ),
    Action.MERGE: _t(
        {S.RECEIVED, S.DISPATCHED, *UNIT_ACTIVE, S.PAUSED, S.RETURN_REQUESTED},
        S.MERGED,
        perms.DISPATCH,
    ),
    # 跨市联动 (services/transfer.py): the centre sends a received order to another city.
    Action.TRANSFER_CITY: _t({S.RECEIVED}, S.TRANSFERRED_CITY, perms.DISPATCH),
}


def _queue_transfer_outcome(actor, order: WorkOrder) -> None:
    """An order received from another city went back with its outcome once closed."""
    if order.channel == Channel.CROSS_CITY:
        from yiwang.hotline.services.transfer import transfer_outcome_queue

        transfer_outcome_queue(actor=actor, order=order)


def rating_event_fields(order: WorkOrder, closer_unit_id: int | None = None) -> dict:
    """好差评: what a closed order is as a rating service event (``ratings.facade``). The
    serving unit is the lead unit, or the unit that closed it (the centre's direct answer)."""
    unit_id = order.lead_unit_id or closer_unit_id or order.city_id
    with translation.override(settings.LANGUAGE_CODE):
        name = _("12345 hotline: %(category)s") % {"category": order.get_category_display()}
    return {
        "subject_app": "hotline",
        "subject_key": order.number,
        "channel": "hotline",
        "item_code": f"12345.{order.category}",
        "item_name": name,
        "organisation_id": unit_id,
        "served_at": order.closed_at,
        "served_user_id": order.owner_id,
        "served_phone": "" if order.owner_id else order.contact_phone,
    }


def _rating_event_record(actor, order: WorkOrder) -> None:
    """A closed order becomes a service event its requester may rate."""
    from yiwang.ratings import facade as ratings

    if order.owner_id is None and not order.contact_phone:
        return  # nobody to ask
    unit_id = getattr(actor, "organisation_id", None)
    ratings.service_event_record(actor=actor, **rating_event_fields(order, unit_id))


def _load(actor, order_id: int, version: int, action: str) -> WorkOrder:
    rule = TRANSITIONS[action]
    return common.load_for_action(
        actor=actor,
        order_id=order_id,
        version=version,
        perm=rule.perm,
        allowed=rule.sources,
        action=action,
    )


def _text(value: str, field: str, *, required: bool = True, limit: int = 500) -> str:
    text = (value or "").strip()
    if (required and not text) or len(text) > limit:
        message = _("Give a text of at most %(n)d characters.") % {"n": limit}
        raise InvalidInput(
            "hotline.invalid_text",
            message,
            errors=[{"field": field, "code": "hotline.invalid_text", "message": message}],
        )
    return text


def _simple(actor, order_id, version, action, changes, note="", audit_action=None) -> WorkOrder:
    """Load, check, apply and audit one table-driven transition (caller holds the atomic)."""
    order = _load(actor, order_id, version, action)
    target = TRANSITIONS[action].target
    if target is not None:
        changes = {"status": target, **changes}
    before = common.apply_change(
        order=order, actor=actor, action=action, changes=changes, note=note
    )
    audit_record(
        actor=actor,
        action=audit_action or f"hotline.order.{action}",
        obj=order,
        before=before,
        after=common.after_of(order, before),
    )
    return order


def work_order_sign(*, actor, order_id: int, version: int) -> WorkOrder:
    """签收: the lead unit acknowledges the order (stops the sign-for clock)."""
    with transaction.atomic():
        order = _simple(actor, order_id, version, Action.SIGN, {"signed_at": common.now()})
    return order


def work_order_start(*, actor, order_id: int, version: int) -> WorkOrder:
    """开始办理."""
    with transaction.atomic():
        order = _simple(actor, order_id, version, Action.START, {"started_at": common.now()})
    return order


def work_order_reply(*, actor, order_id: int, version: int, result: str) -> WorkOrder:
    """回复: the unit's result, for the centre to review."""
    text = _text(result, "result", limit=CONTENT_MAX_LENGTH)
    with transaction.atomic():
        order = _simple(
            actor,
            order_id,
            version,
            Action.REPLY,
            {"reply_text": text, "replied_at": common.now(), "extension_pending_days": None},
        )
    return order


def work_order_review(
    *, actor, order_id: int, version: int, approve: bool, note: str = ""
) -> WorkOrder:
    """审核: the centre approves the reply (→ closed, callback clock starts) or sends it back."""
    with transaction.atomic():
        if approve:
            at = common.now()
            order = _load(actor, order_id, version, Action.APPROVE)
            policy = order.sla_policy
            callback = worktime.add_working_days(at, policy.callback_days if policy else 2)
            changes = {
                "status": S.CLOSED,
                "closed_at": at,
                "callback_deadline": callback.deadline,
                "deadline_warnings": common.add_warnings(order, callback),
            }
            before = common.apply_change(
                order=order, actor=actor, action=Action.APPROVE, changes=changes, note=note
            )
            audit_record(
                actor=actor,
                action="hotline.order.approve",
                obj=order,
                before=before,
                after=common.after_of(order, before),
            )
            _rating_event_record(actor, order)
            _queue_transfer_outcome(actor, order)
        else:
            _text(note, "note")
            order = _simple(actor, order_id, version, Action.SEND_BACK, {}, note=note)
    return order


def work_order_close(
    *, actor, order_id: int, version: int, answer: str, article_id: int | None = None
) -> WorkOrder:
    """直接答复: the centre answers a received order itself (e.g. a consultation from the
    knowledge base) and closes it without dispatch.

    With ``article_id`` (an active article of the order's city, else 422
    ``hotline.invalid_article``) the order records the article, an empty ``answer`` defaults
    to the article's body (cut to the reply's length) and the article's ``use_count`` grows.
    """
    text = _text(answer, "answer", required=article_id is None, limit=CONTENT_MAX_LENGTH)
    with transaction.atomic():
        at = common.now()
        order = _load(actor, order_id, version, Action.CLOSE)
        changes: dict = {}
        note = text[:200]
        if article_id is not None:
            article = (
                KnowledgeArticle.objects.select_for_update()
                .filter(pk=article_id, city_id=order.city_id, active=True)
                .first()
            )
            if article is None:
                code = "hotline.invalid_article"
                message = _("Choose an active knowledge article of this city.")
                raise InvalidInput(
                    code,
                    message,
                    errors=[{"field": "article_id", "code": code, "message": message}],
                )
            text = text or article.body[:CONTENT_MAX_LENGTH]
            changes["knowledge_article_id"] = article.pk
            note = _("Answered from knowledge article #%(id)d “%(title)s”") % {
                "id": article.pk,
                "title": article.title,
            }
            KnowledgeArticle.objects.filter(pk=article.pk).update(use_count=F("use_count") + 1)
        callback = worktime.add_working_days(at, 2)
        before = common.apply_change(
            order=order,
            actor=actor,
            action=Action.CLOSE,
            changes={
                "status": S.CLOSED,
                "reply_text": text,
                "replied_at": at,
                "closed_at": at,
                "callback_deadline": callback.deadline,
                "deadline_warnings": common.add_warnings(order, callback),
                **changes,
            },
            note=note,
        )
        audit_record(
            actor=actor,
            action="hotline.order.close",
            obj=order,
            before=before,
            after=common.after_of(order, before),
        )
        _rating_event_record(actor, order)
        _queue_transfer_outcome(actor, order)
    return order


def _load_callback(actor, order_id: int, version: int) -> WorkOrder:
    """The centre calls back (``hotline.callback``); the requester may also rate their own
    closed order online (the web/SMS-link route of 好差评) — only their own, only once closed."""
    if actor is not None and not has_perm(actor, perms.CALLBACK):
        order = selectors.work_order_get(actor=actor, pk=order_id)
        if order.owner_id is not None and order.owner_id == actor.pk:
            if order.version != version:
                raise common.concurrent_change()
            if order.status not in TRANSITIONS[Action.CALLBACK].sources:
                raise common.illegal_transition(Action.CALLBACK, order.status)
            return order
    return _load(actor, order_id, version, Action.CALLBACK)


def work_order_callback(
    *,
    actor,
    order_id: int,
    version: int,
    rating: str,
    solved: bool,
    note: str = "",
    reopen: bool = True,
) -> WorkOrder:
    """回访: record the rating (好差评, five levels) and whether the problem was solved.

    Unsatisfied (dissatisfied/very dissatisfied) with ``reopen`` → 重办: back to the lead unit
    in progress with a new handling deadline, at most ``MAX_REOPENS`` times; afterwards the
    rating is recorded and the order stays called back.
    """
    if rating not in Rating.values:
        raise InvalidInput(
            "hotline.unknown_rating",
            _("Unknown rating."),
            errors=[{"field": "rating", "code": "hotline.unknown_rating", "message": "rating"}],
        )
    with transaction.atomic():
        at = common.now()
        order = _load_callback(actor, order_id, version)
        changes = {"rating": rating, "solved": solved, "called_back_at": at}
        reopening = (
            reopen
            and rating in UNSATISFIED_RATINGS
            and order.reopen_count < MAX_REOPENS
            and order.lead_unit_id is not None
        )
        if reopening:
            policy = order.sla_policy
            reply = worktime.add_working_days(at, policy.handle_days if policy else 4)
            changes.update(
                status=S.IN_PROGRESS,
                reopen_count=order.reopen_count + 1,
                reply_deadline=reply.deadline,
                callback_deadline=None,
                closed_at=None,
                replied_at=None,
                deadline_warnings=common.add_warnings(order, reply),
            )
            action = Action.REOPEN
        else:
            changes["status"] = S.CALLED_BACK
            action = Action.CALLBACK
        before = common.apply_change(
            order=order,
            actor=actor,
            action=action,
            changes=changes,
            note=f"{rating}; solved={solved}; {note}".strip("; "),
        )
        audit_record(
            actor=actor,
            action=f"hotline.order.{action}",
            obj=order,
            before=before,
            after=common.after_of(order, before),
        )
        _rating_from_callback(actor, order, rating, note, reopening)
    if reopening:
        order_id_, version_ = order.pk, order.version
        common.on_commit(lambda: common.notify_dispatched(order_id_, version_))
    return order


def _rating_from_callback(actor, order: WorkOrder, rating: str, note: str, reopening: bool):
    """好差评: the callback's rating is the order's rating — unless the order goes back for
    重办, which puts its rating event on hold until it is closed again."""
    from yiwang.ratings import facade as ratings

    if reopening:
        ratings.service_event_hold(actor=actor, subject_app="hotline", subject_key=order.number)
    else:
        ratings.rating_record_callback(
            actor=actor,
            subject_app="hotline",
            subject_key=order.number,
            level=rating,
            comment=note,
            rated_at=order.called_back_at,
        )


def work_order_return(*, actor, order_id: int, version: int, reason: str) -> WorkOrder:
    """退单: the unit says the order is not its duty; the centre reviews the return."""
    text = _text(reason, "reason")
    with transaction.atomic():
        current = WorkOrder.objects.filter(pk=order_id).values_list("status", flat=True).first()
        order = _simple(
            actor,
            order_id,
            version,
            Action.RETURN,
            {"return_reason": text, "held_status": current or ""},
            note=text,
        )
    return order


def work_order_return_review(
    *, actor, order_id: int, version: int, accept: bool, note: str = ""
) -> WorkOrder:
    """派单异议审核: accept → the order waits for re-dispatch (lead unit cleared); reject → back
    to the unit in the status it had."""
    with transaction.atomic():
        if accept:
            order = _simple(
                actor,
                order_id,
                version,
                Action.RETURN_ACCEPT,
                {"lead_unit_id": None, "sign_deadline": None, "held_status": ""},
                note=note,
            )
            order.co_units.clear()
        else:
            order = _load(actor, order_id, version, Action.RETURN_REJECT)
            before = common.apply_change(
                order=order,
                actor=actor,
                action=Action.RETURN_REJECT,
                changes={"status": order.held_status or S.DISPATCHED, "held_status": ""},
                note=note,
            )
            audit_record(
                actor=actor,
                action="hotline.order.return_reject",
                obj=order,
                before=before,
                after=common.after_of(order, before),
            )
    return order


def work_order_pause(*, actor, order_id: int, version: int, reason: str) -> WorkOrder:
    """挂起 while waiting for the requester: the handling clock stops."""
    text = _text(reason, "reason")
    with transaction.atomic():
        current = WorkOrder.objects.filter(pk=order_id).values_list("status", flat=True).first()
        order = _simple(
            actor,
            order_id,
            version,
            Action.PAUSE,
            {"paused_at": common.now(), "held_status": current or ""},
            note=text,
        )
    return order


def work_order_resume(*, actor, order_id: int, version: int) -> WorkOrder:
    """Resume: the handling deadline moves by the office time that passed while paused
    (``working_minutes_between(paused_at, now)`` added with ``add_working_hours``)."""
    with transaction.atomic():
        at = common.now()
        order = _load(actor, order_id, version, Action.RESUME)
        paused = common.paused_working_seconds(order, at)
        changes = {
            "status": order.held_status or S.IN_PROGRESS,
            "held_status": "",
            "paused_at": None,
            "paused_seconds": order.paused_seconds + paused.seconds,
        }
        if order.reply_deadline is not None and paused.seconds:
            moved = worktime.add_working_hours(
                order.reply_deadline, common.working_hours(paused.seconds)
            )
            changes["reply_deadline"] = moved.deadline
            changes["deadline_warnings"] = common.add_warnings(order, paused, moved)
        before = common.apply_change(
            order=order,
            actor=actor,
            action=Action.RESUME,
            changes=changes,
            note=_("paused for %(m)d working minutes") % {"m": paused.minutes},
        )
        audit_record(
            actor=actor,
            action="hotline.order.resume",
            obj=order,
            before=before,
            after=common.after_of(order, before),
        )
    return order


def work_order_extension_request(
    *, actor, order_id: int, version: int, days: int, reason: str
) -> WorkOrder:
    """延期申请: only before the handling deadline, at most ``MAX_EXTENSION_DAYS`` working days,
    at most ``MAX_EXTENSIONS`` approved per order, one pending at a time."""
    text = _text(reason, "reason")
    if not 1 <= int(days) <= MAX_EXTENSION_DAYS:
        message = _("An extension is 1 to %(n)d working days.") % {"n": MAX_EXTENSION_DAYS}
        raise InvalidInput(
            "hotline.invalid_extension",
            message,
            errors=[{"field": "days", "code": "hotline.invalid_extension", "message": message}],
        )
    with transaction.atomic():
        order = _load(actor, order_id, version, Action.EXTENSION_REQUEST)
        if order.reply_deadline is not None and common.now() >= order.reply_deadline:
            raise Conflict(
                "hotline.extension_after_expiry",
                _("The handling deadline has passed; an extension can no longer be requested."),
            )
        if order.extension_count >= MAX_EXTENSIONS:
            raise Conflict("hotline.extension_limit", _("No further extension can be granted."))
        if order.extension_pending_days:
            raise Conflict("hotline.extension_pending", _("An extension is already pending."))
        before = common.apply_change(
            order=order,
            actor=actor,
            action=Action.EXTENSION_REQUEST,
            changes={"extension_pending_days": int(days), "extension_reason": text},
            note=text,
        )
        audit_record(
            actor=actor,
            action="hotline.order.extension_request",
            obj=order,
            before=before,
            after=common.after_of(order, before),
        )
    return order


def work_order_extension_review(
    *, actor, order_id: int, version: int, approve: bool, note: str = ""
) -> WorkOrder:
    """延期审批 by the centre: approval moves the handling deadline by the requested working
    days (``add_working_days(reply_deadline, days)``)."""
    action = Action.EXTENSION_APPROVE if approve else Action.EXTENSION_REJECT
    with transaction.atomic():
        order = _load(actor, order_id, version, action)
        if not order.extension_pending_days:
            raise Conflict("hotline.no_extension_pending", _("No extension is pending."))
        changes: dict = {"extension_pending_days": None}
        if approve:
            moved = worktime.add_working_days(order.reply_deadline, order.extension_pending_days)
            changes.update(
                reply_deadline=moved.deadline,
                extension_count=order.extension_count + 1,
                deadline_warnings=common.add_warnings(order, moved),
            )
        before = common.apply_change(
            order=order, actor=actor, action=action, changes=changes, note=note
        )
        audit_record(
            actor=actor,
            action=f"hotline.order.{action}",
            obj=order,
            before=before,
            after=common.after_of(order, before),
        )
    return order


def work_order_urge(*, actor, order_id: int, version: int, note: str) -> WorkOrder:
    """督办/催办: notifies the lead unit's handlers; the status does not change."""
    text = _text(note, "note")
    with transaction.atomic():
        order = _load(actor, order_id, version, Action.URGE)
        before = common.apply_change(
            order=order,
            actor=actor,
            action=Action.URGE,
            changes={"urge_count": order.urge_count + 1},
            note=text,
        )
        audit_record(
            actor=actor,
            action="hotline.order.urge",
            obj=order,
            before=before,
            after=common.after_of(order, before),
        )
        order_id_, count, unit = order.pk, order.urge_count, order.lead_unit_id

        def _notify():
            fresh = WorkOrder.objects.get(pk=order_id_)
            common.send(
                template="hotline.order_urged",
                order=fresh,
                recipients=common.unit_handlers(unit),
                dedupe_key=f"hotline:{order_id_}:urge:{count}",
                note=text,
            )

        common.on_commit(_notify)
    return order


def work_order_merge(
    *, actor, order_id: int, version: int, parent_id: int, note: str = ""
) -> WorkOrder:
    """并单: the order becomes a child of ``parent_id`` and leaves the workflow."""
    from yiwang.hotline.selectors import work_order_get

    with transaction.atomic():
        parent = work_order_get(actor=actor, pk=parent_id)
        if (
            parent.pk == order_id
            or parent.parent_id is not None
            or parent.status
            in (
                S.MERGED,
                S.REFUSED,
                S.TRANSFERRED,
            )
        ):
            raise Conflict("hotline.invalid_merge_parent", _("This order cannot be a parent."))
        order = _simple(
            actor,
            order_id,
            version,
            Action.MERGE,
            {"parent_id": parent.pk, "paused_at": None, "held_status": ""},
            note=note or parent.number,
        )
        WorkOrderEvent.objects.create(
            order=parent,
            action=Action.MERGE,
            actor=actor,
            from_status=parent.status,
            to_status=parent.status,
            note=order.number,
            at=common.now(),
        )
    return order
