"""Rules against the registry: the live count of a rule being written (with its warnings), the
explanation of one item for one enterprise, and the 政策计算器 of an enterprise.

Counts and "which items does this enterprise qualify for" come from the per-process matcher
(:func:`yiwang.policy.matching.matcher_for`, asked for fresh answers); explanations evaluate
the rule exactly on the enterprise's current profile read from the database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.policy import rules
from yiwang.policy.describe import Row, explain, field_label, misses
from yiwang.policy.matching import matcher_for
from yiwang.policy.models import PolicyItem
from yiwang.policy.selectors import EnterpriseSeat, published_items
from yiwang.policy.services.items import unverifiable_fields
from yiwang.registry import facade as registry


@dataclass(frozen=True)
class RuleCheck:
    tree: dict
    text: str
    count: int
    warnings: list[str]


def rule_check(tree: dict, *, city_id: int, exempt_application: bool = False) -> RuleCheck:
    """The canonical text, the number of the city's enterprises matching now, and warnings:
    contradictions (the rule can match nothing), an empty result, and fields a 免申即享 item
    may not use."""
    count = matcher_for(city_id).count(tree, fresh=True)
    warnings = list(rules.contradictions(tree))
    if count == 0 and not warnings:
        warnings.append(_("No enterprise in the registry meets this rule today."))
    if exempt_application:
        bad = unverifiable_fields(tree)
        if bad:
            warnings.append(
                _(
                    "%(fields)s cannot be verified from registry data: the item cannot be "
                    "published as 免申即享 with this rule."
                )
                % {"fields": "、".join(field_label(n) for n in bad)}
            )
    return RuleCheck(tree, rules.to_text(tree), count, warnings)


@dataclass
class Explanation:
    item: PolicyItem
    enterprise: registry.EnterpriseRef
    today: dt.date
    eligible: bool
    row: Row | None  # None when the item has no rule yet


def explanation(item: PolicyItem, enterprise: registry.EnterpriseRef) -> Explanation:
    """Which conditions of the item's rule the enterprise meets today, with its values."""
    today = timezone.localdate()
    profile = matcher_for(enterprise.city_id).profile(enterprise.id) or {}
    if not item.rule:
        return Explanation(item, enterprise, today, False, None)
    outcome = rules.evaluate(item.rule, profile, today=today)
    return Explanation(item, enterprise, today, outcome.passed, explain(outcome))


@dataclass
class Missed:
    item: PolicyItem
    rows: list[Row]


@dataclass
class Calculator:
    seat: EnterpriseSeat
    today: dt.date
    qualifying: list[PolicyItem] = field(default_factory=list)
    others: list[Missed] = field(default_factory=list)


def calculator(seat: EnterpriseSeat) -> Calculator:
    """Every published item of the enterprise's city it qualifies for now, and for each other
    one what it misses."""
    today = timezone.localdate()
    result = Calculator(seat, today)
    enterprise = seat.enterprise
    if enterprise is None:
        return result
    items = [i for i in published_items(city_id=enterprise.city_id) if i.rule]
    matcher = matcher_for(enterprise.city_id)
    keys = set(
        matcher.items_for(enterprise.id, [((i.pk, i.version), i.rule) for i in items], fresh=True)
    )
    profile = matcher.profile(enterprise.id) or {}
    for item in items:
        if (item.pk, item.version) in keys:
            result.qualifying.append(item)
            continue
        outcome = rules.evaluate(item.rule, profile, today=today)
        if outcome.passed:  # changed between the two reads: the fresher answer wins
            result.qualifying.append(item)
        else:
            result.others.append(Missed(item, misses(outcome)))
    return result
