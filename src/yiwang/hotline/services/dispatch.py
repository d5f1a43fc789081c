"""Dispatch (派单): the catalogue rules, automatic and manual dispatch, SLA deadlines.

Deadlines: sign-for = ``add_working_hours(dispatched_at, policy.sign_hours)``; handling =
``add_working_days(received_at, policy.handle_days)`` — the requester's clock starts when the
centre receives the request, so a re-dispatch (return accepted, reassignment) never restarts it.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from yiwang.core import facade as core
from yiwang.core.audit import audit_record, snapshot
from yiwang.core.errors import InvalidInput, NotFound
from yiwang.hotline import permissions as perms
from yiwang.hotline import selectors
from yiwang.hotline import support as common
from yiwang.hotline.choices import Action, Category, Lane, Status
from yiwang.hotline.models import DispatchRule, WorkOrder
from yiwang.worktime import facade as worktime

logger = logging.getLogger(__name__)


def rule_matches(rule: DispatchRule, order: WorkOrder) -> bool:
    if rule.category and rule.category != order.category:
        return False
    if rule.district_id and rule.district_id != order.district_id:
        return False
    if rule.keywords:
        text = f"{order.title}\n{order.content}"
        if not any(k and k in text for k in rule.keywords):
            return False
    return True


def find_rule(order: WorkOrder) -> DispatchRule | None:
    """The first active rule of the order's city, by ascending ``priority`` then id.

    The catalogue comes from the per-process cache of ``suggestions`` (validated against a
    token in the shared cache that every rule service deletes, now and after commit): a rule
    edit applies at once in the editing process and on the next read in the others."""
    from yiwang.hotline.suggestions import active_rules

    for rule, _unit_name in active_rules(order.city_id):
        if rule_matches(rule, order):
            return rule
    return None


def _check_unit(order: WorkOrder, unit_id: int, field: str = "lead_unit_id") -> None:
    ref = core.organisation_by_id(unit_id)
    if ref is None or not ref.path.startswith(f"/{order.city_id}/") or ref.id == order.city_id:
        message = _("Choose a unit of this city.")
        raise InvalidInput(
            "hotline.unknown_unit",
            message,
            errors=[{"field": field, "code": "hotline.unknown_unit", "message": message}],
        )


def assignment_changes(
    order: WorkOrder, *, lead_unit_id: int, at: dt.datetime, rule_id: int | None
) -> dict:
    """Field changes of a (re-)dispatch: unit, policy (kept once set), sign-for and handling
    deadlines."""
    return _assignment(order, lead_unit_id=lead_unit_id, at=at, rule_id=rule_id)[0]


def _assignment(
    order: WorkOrder, *, lead_unit_id: int, at: dt.datetime, rule_id: int | None
) -> tuple[dict, object]:
    """:func:`assignment_changes` and the policy they name (so the caller need not read it
    again to compute ``sla_check_at``)."""
    policy = order.sla_policy or selectors.sla_policy_current(
        lane=order.lane, category=order.category
    )
    if policy is None:
        raise InvalidInput("hotline.no_sla_policy", _("No SLA policy for this lane and category."))
    sign = worktime.add_working_hours(at, policy.sign_hours)
    changes = {
        "status": Status.DISPATCHED,
        "lead_unit_id": lead_unit_id,
        "dispatch_rule_id": rule_id,
        "sla_policy_id": policy.pk,
        "dispatched_at": at,
        "signed_at": None,
        "sign_deadline": sign.deadline,
        "return_reason": "",
        "held_status": "",
    }
    deadlines = [sign]
    if order.reply_deadline is None:
        reply = worktime.add_working_days(order.received_at, policy.handle_days)
        changes["reply_deadline"] = reply.deadline
        deadlines.append(reply)
    changes["deadline_warnings"] = common.add_warnings(order, *deadlines)
    return changes, policy


def _after_dispatch(order: WorkOrder, co_unit_ids: list[int], *, fresh: bool = False) -> None:
    co_units = [c for c in co_unit_ids if c != order.lead_unit_id]
    if co_units or not fresh:  # a fresh order (just created in this transaction) has none
        order.co_units.set(co_units)
    order_id, version = order.pk, order.version
    # The committed state, detached from the caller's instance (which may change later).
    sent = WorkOrder(
        pk=order.pk,
        number=order.number,
        category=order.category,
        lead_unit_id=order.lead_unit_id,
        sign_deadline=order.sign_deadline,
        reply_deadline=order.reply_deadline,
    )
    common.on_commit(
        lambda: common.notify_dispatched(order_id, version, order=sent, co_unit_ids=co_units)
    )


def _assign(
    *,
    order: WorkOrder,
    actor,
    action: str,
    lead_unit_id: int,
    co_unit_ids: list[int],
    at: dt.datetime,
    rule_id: int | None = None,
    note: str = "",
    extra: dict | None = None,
    unit_id: int | None = None,
) -> WorkOrder:
    """The one way an order gets a (new) lead unit: deadlines, conditional update + timeline
    event, co-units, notification after commit, audit record. Call inside the transaction."""
    changes, policy = _assignment(order, lead_unit_id=lead_unit_id, at=at, rule_id=rule_id)
    changes.update(extra or {})
    before = common.apply_change(
        order=order,
        actor=actor,
        action=action,
        changes=changes,
        note=note,
        unit_id=unit_id,
        related={"sla_policy": policy},
    )
    _after_dispatch(order, co_unit_ids)
    audit_record(
        actor=actor,
        action=f"hotline.order.{action}",
        obj=order,
        before=before,
        after=common.after_of(order, before),
    )
    return order


def _smart_unit(order: WorkOrder) -> tuple[int, float] | None:
    """智能派单 of an enterprise-lane order: the classifier's unit when it is confident."""
    from yiwang.hotline import suggestions

    try:
        # A savepoint: a failing query must not break the intake transaction on PostgreSQL.
        with transaction.atomic():
            ranked = suggestions.dispatch_suggestions(
                city_id=order.city_id,
                text=f"{order.title}\n{order.content}",
                category=order.category,
                district_id=order.district_id,
                k=1,
            )
    except Exception:  # the model must never break intake
        logger.exception("smart dispatch failed for order %s", order.pk)
        return None
    if not ranked or ranked[0].source != "model" or not ranked[0].confident:
        return None
    return ranked[0].unit_id, ranked[0].confidence


def work_order_auto_dispatch(*, actor, order_id: int, at: dt.datetime | None = None) -> bool:
    """即接即转: route a received order by the catalogue; False when nothing routes it (the
    order then waits for an operator's manual dispatch).

    Without a matching rule, an **enterprise-lane** order goes to the unit the city's classifier
    suggests when the suggestion is confident (智能派单, noted with its confidence); general-lane
    orders are never dispatched by the model — the operator confirms its suggestion.
    """
    with transaction.atomic():
        order = WorkOrder.objects.select_for_update().get(pk=order_id)
        return auto_dispatch_locked(actor=actor, order=order, at=at)


@dataclass(frozen=True)
class Route:
    """Where the catalogue (or the confident classifier) sends an order."""

    lead_unit_id: int
    co_unit_ids: list[int]
    rule_id: int | None
    note: str


def _route(order: WorkOrder) -> Route | None:
    """The first matching catalogue rule; without one, for the enterprise lane only, the
    classifier's unit when it is confident; else None (an operator dispatches)."""
    rule = find_rule(order)
    if rule is not None:
        return Route(
            lead_unit_id=rule.lead_unit_id,
            co_unit_ids=[u.pk for u in rule.co_units.all() if u.pk != rule.lead_unit_id],
            rule_id=rule.pk,
            note=_("Dispatched by rule %(rule)s") % {"rule": rule},
        )
    if order.lane != Lane.ENTERPRISE:
        return None
    smart = _smart_unit(order)
    if smart is None:
        return None
    unit_id, confidence = smart
    return Route(
        lead_unit_id=unit_id,
        co_unit_ids=[],
        rule_id=None,
        note=_("Smart dispatch, confidence %(confidence).2f") % {"confidence": confidence},
    )


def auto_dispatch_locked(*, actor, order: WorkOrder, at: dt.datetime | None = None) -> bool:
    """:func:`work_order_auto_dispatch` of an order already locked in the caller's
    transaction; updates ``order`` in memory."""
    if order.status != Status.RECEIVED:
        return False
    route = _route(order)
    if route is None:
        return False
    _assign(
        order=order,
        actor=actor,
        action=Action.DISPATCH,
        lead_unit_id=route.lead_unit_id,
        co_unit_ids=route.co_unit_ids,
        at=at or common.now(),
        rule_id=route.rule_id,
        note=route.note,
    )
    return True


@dataclass(frozen=True)
class FreshDispatch:
    """How intake routes a new order before inserting it (:func:`plan_fresh_dispatch`)."""

    route: Route
    before: dict  # the changed fields' values before the dispatch, for the audit record


def plan_fresh_dispatch(order: WorkOrder, *, at: dt.datetime) -> FreshDispatch | None:
    """即接即转 of an order **not yet inserted**: the routing of :func:`auto_dispatch_locked`
    applied to the unsaved instance — status, unit, policy, deadlines, ``sla_check_at`` and a
    version one past creation — so that intake inserts the order already dispatched: one
    INSERT where creating and then dispatching took an INSERT and an UPDATE. None when nothing
    routes it (it is inserted as received and waits for an operator)."""
    from yiwang.hotline.services.sla import order_check_at

    if order.status != Status.RECEIVED:
        return None
    route = _route(order)
    if route is None:
        return None
    changes, policy = _assignment(
        order, lead_unit_id=route.lead_unit_id, at=at, rule_id=route.rule_id
    )
    before = snapshot(order, [*changes, "version"])
    for key, value in changes.items():
        setattr(order, key, value)
    order.sla_policy = policy
    order.version += 1  # created, then dispatched: as if the two had been separate writes
    order.sla_check_at = order_check_at(order)
    return FreshDispatch(route=route, before=before)


def after_fresh_dispatch(order: WorkOrder, plan: FreshDispatch) -> None:
    """After the INSERT of a planned order (same transaction): co-units and, on commit, the
    units' notification. Intake writes the timeline events and audit records in bulk."""
    _after_dispatch(order, plan.route.co_unit_ids, fresh=True)


def _check_units(order: WorkOrder, lead_unit_id: int, co_unit_ids: list[int] | None) -> None:
    _check_unit(order, lead_unit_id)
    for co in co_unit_ids or []:
        _check_unit(order, co, "co_unit_ids")


def work_order_dispatch(
    *,
    actor,
    order_id: int,
    version: int,
    lead_unit_id: int,
    co_unit_ids: list[int] | None = None,
    note: str = "",
) -> WorkOrder:
    """Manual dispatch by an operator of an order awaiting dispatch."""
    with transaction.atomic():
        order = common.load_for_action(
            actor=actor,
            order_id=order_id,
            version=version,
            perm=perms.DISPATCH,
            allowed=frozenset({Status.RECEIVED}),
            action=Action.DISPATCH,
        )
        _check_units(order, lead_unit_id, co_unit_ids)
        return _assign(
            order=order,
            actor=actor,
            action=Action.DISPATCH,
            lead_unit_id=lead_unit_id,
            co_unit_ids=list(co_unit_ids or []),
            at=common.now(),
            note=note,
        )


def work_order_reassign(
    *,
    actor,
    order_id: int,
    version: int,
    lead_unit_id: int,
    co_unit_ids: list[int] | None = None,
    note: str = "",
) -> WorkOrder:
    """改派 by the centre: a new lead unit; the sign-for clock restarts, the handling one not."""
    with transaction.atomic():
        order = common.load_for_action(
            actor=actor,
            order_id=order_id,
            version=version,
            perm=perms.DISPATCH,
            allowed=frozenset(
                {Status.DISPATCHED, Status.SIGNED, Status.IN_PROGRESS, Status.RETURN_REQUESTED}
            ),
            action=Action.REASSIGN,
        )
        _check_units(order, lead_unit_id, co_unit_ids)
        return _assign(
            order=order,
            actor=actor,
            action=Action.REASSIGN,
            lead_unit_id=lead_unit_id,
            co_unit_ids=list(co_unit_ids or []),
            at=common.now(),
            note=note,
            extra={"started_at": None},
            unit_id=lead_unit_id,
        )


# --- the catalogue ----------------------------------------------------------------------------


def _rules_changed(city_id: int) -> None:
    """Drop cached catalogues (suggestions) now and again after commit, so no process keeps a
    catalogue read before the change was committed."""
    from yiwang.hotline.suggestions import forget_rules

    forget_rules(city_id)
    common.on_commit(lambda: forget_rules(city_id))


RULE_NAME_MAX = 100
RULE_KEYWORD_MAX = 50  # characters of one keyword
RULE_KEYWORDS_MAX = 100  # keywords of one rule
RULE_PRIORITY_MAX = 1_000_000
RULE_DISTRICT_KINDS = ("district", "area")


def _err(field: str, code: str, message: str) -> dict:
    return {"field": field, "code": code, "message": message}


def _unit_error(city_id, unit_id, field: str, *, kinds: tuple[str, ...] = ()) -> dict | None:
    """An error when ``unit_id`` is not an organisation (of ``kinds``) below the city."""
    ref = core.organisation_by_id(unit_id) if isinstance(unit_id, int) else None
    if (
        ref is None
        or ref.id == city_id
        or not ref.path.startswith(f"/{city_id}/")
        or (kinds and ref.kind not in kinds)
    ):
        if kinds:
            return _err(field, "hotline.unknown_district", _("Choose a district of this city."))
        return _err(field, "hotline.unknown_unit", _("Choose a unit of this city."))
    return None


def _rule_fields(
    *, name, category, keywords, district_id, lead_unit_id, priority, city_id, co_unit_ids=None
) -> dict:
    """Validated fields of a rule (all errors at once, per field).

    A rule needs at least one condition (category, district or keywords): one without any would
    route every request of the city to its unit. Units, district and co-units must belong to the
    rule's city."""
    errors = []
    name = str(name or "").strip()
    if category and category not in Category.values:
        errors.append(_err("category", "hotline.unknown_category", _("Unknown category.")))
    words = list(dict.fromkeys(str(k).strip() for k in (keywords or []) if str(k).strip()))
    if not name:
        errors.append(_err("name", "required", _("Give the rule a name.")))
    elif len(name) > RULE_NAME_MAX:
        errors.append(
            _err(
                "name",
                "hotline.rule_name_too_long",
                _("A name has at most %(n)d characters.") % {"n": RULE_NAME_MAX},
            )
        )
    if any(len(w) > RULE_KEYWORD_MAX for w in words) or len(words) > RULE_KEYWORDS_MAX:
        errors.append(
            _err(
                "keywords",
                "hotline.invalid_keywords",
                _("At most %(count)d keywords of at most %(n)d characters each.")
                % {"count": RULE_KEYWORDS_MAX, "n": RULE_KEYWORD_MAX},
            )
        )
    elif not (category or district_id or words):
        errors.append(
            _err(
                "keywords",
                "hotline.rule_without_condition",
                _(
                    "Give keywords, a category or a district: a rule without any would route every "
                    "request."
                ),
            )
        )
    if not isinstance(priority, int) or isinstance(priority, bool):
        priority = -1
    if not 0 <= priority <= RULE_PRIORITY_MAX:
        errors.append(
            _err(
                "priority",
                "hotline.invalid_priority",
                _("The priority is a whole number from 0 to %(max)d.") % {"max": RULE_PRIORITY_MAX},
            )
        )
    checks = [_unit_error(city_id, lead_unit_id, "lead_unit_id")]
    if district_id is not None:
        checks.append(_unit_error(city_id, district_id, "district_id", kinds=RULE_DISTRICT_KINDS))
    for co in co_unit_ids or []:
        checks.append(_unit_error(city_id, co, "co_unit_ids"))
    if lead_unit_id in (co_unit_ids or []):
        checks.append(
            _err(
                "co_unit_ids",
                "hotline.co_unit_is_lead",
                _("The lead unit cannot also be a co-unit."),
            )
        )
    errors += [e for e in checks if e is not None]
    if errors:
        raise InvalidInput(errors[0]["code"], errors[0]["message"], errors=errors)
    return {
        "name": name,
        "category": category or "",
        "keywords": words,
        "district_id": district_id,
        "lead_unit_id": lead_unit_id,
        "priority": priority,
        "city_id": city_id,
    }


def _check_unique_name(*, city_id: int, name: str, exclude_id: int | None = None) -> None:
    """Two active rules of a city never share a name (the page and the audit trail name them)."""
    clash = DispatchRule.objects.filter(city_id=city_id, active=True, name=name)
    if exclude_id is not None:
        clash = clash.exclude(pk=exclude_id)
    if clash.exists():
        message = _("An active rule of this city already has this name.")
        raise InvalidInput(
            "hotline.duplicate_rule",
            message,
            errors=[_err("name", "hotline.duplicate_rule", message)],
        )


def dispatch_rule_create(
    *,
    actor,
    city_id: int,
    name: str,
    lead_unit_id: int,
    category: str = "",
    keywords: list[str] | None = None,
    district_id: int | None = None,
    co_unit_ids: list[int] | None = None,
    priority: int = 100,
) -> DispatchRule:
    """Add a rule to the dispatch catalogue (派单目录)."""
    fields = _rule_fields(
        name=name,
        category=category,
        keywords=keywords,
        district_id=district_id,
        lead_unit_id=lead_unit_id,
        priority=priority,
        city_id=city_id,
        co_unit_ids=co_unit_ids,
    )
    with transaction.atomic():
        _check_unique_name(city_id=city_id, name=fields["name"])
        rule = DispatchRule.objects.create(**fields)
        rule.co_units.set(co_unit_ids or [])
        _rules_changed(city_id)
        audit_record(
            actor=actor,
            action="hotline.dispatch_rule.create",
            obj=rule,
            after={**snapshot(rule), "co_units": sorted(co_unit_ids or [])},
        )
    return rule


def dispatch_rule_revise(*, actor, rule_id: int, **changes) -> DispatchRule:
    """A new version of a rule: the old row is retired (kept for the orders it routed).

    Only an active row can be revised, so a page that posts the version it showed learns of a
    concurrent revision or deactivation as :class:`NotFound`. A revision that changes nothing
    is refused (``hotline.rule_unchanged``): it would only add an identical version."""
    with transaction.atomic():
        old = DispatchRule.objects.select_for_update().filter(pk=rule_id, active=True).first()
        if old is None:
            raise NotFound("dispatch rule")
        old_co_units = sorted(old.co_units.values_list("pk", flat=True))
        co_units = changes.pop("co_unit_ids", None)
        co_units = old_co_units if co_units is None else list(co_units)
        current = {
            "name": old.name,
            "category": old.category,
            "keywords": old.keywords,
            "district_id": old.district_id,
            "lead_unit_id": old.lead_unit_id,
            "priority": old.priority,
            "city_id": old.city_id,
        }
        current.update(changes)
        fields = _rule_fields(**current, co_unit_ids=co_units)
        unchanged = all(getattr(old, k) == v for k, v in fields.items())
        if unchanged and sorted(co_units) == old_co_units:
            raise InvalidInput("hotline.rule_unchanged", _("Nothing was changed."))
        _check_unique_name(city_id=fields["city_id"], name=fields["name"], exclude_id=old.pk)
        DispatchRule.objects.filter(pk=old.pk).update(active=False)
        rule = DispatchRule.objects.create(**fields, version=old.version + 1, supersedes=old)
        rule.co_units.set(co_units)
        _rules_changed(old.city_id)
        if rule.city_id != old.city_id:
            _rules_changed(rule.city_id)
        audit_record(
            actor=actor,
            action="hotline.dispatch_rule.revise",
            obj=rule,
            before={**snapshot(old), "co_units": old_co_units},
            after={**snapshot(rule), "co_units": sorted(co_units)},
        )
    return rule


def dispatch_rule_deactivate(*, actor, rule_id: int) -> None:
    with transaction.atomic():
        city_id = (
            DispatchRule.objects.filter(pk=rule_id, active=True)
            .values_list("city_id", flat=True)
            .first()
        )
        rows = DispatchRule.objects.filter(pk=rule_id, active=True).update(active=False)
        if not rows:
            raise NotFound("dispatch rule")
        _rules_changed(city_id)
        audit_record(
            actor=actor,
            action="hotline.dispatch_rule.deactivate",
            object_type="hotline.dispatchrule",
            object_id=rule_id,
            changes={"active": [True, False]},
        )
