"""显示完整信息: a department handler reads the full identity and phone number of the applicant
of a case their organisation holds (to call them back, to check an identity at the window).

Only with ``cases.reveal_pii`` (403 otherwise) and only for a held case (404 otherwise, as
for the case page). Every reveal writes an audit record ``cases.pii_reveal`` naming the case
and which fields were shown — never the values. A soft limit per user (:data:`REVEAL_LIMIT`
per clock hour, counted in the shared cache) stops bulk harvesting: beyond it the
answer is 429 and the refused attempt is audited too (result ``failure``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.core.cache import cache
from django.utils.translation import gettext as _

from yiwang.cases import permissions as perms
from yiwang.cases import selectors
from yiwang.cases.choices import ApplicantKind
from yiwang.core.audit import audit_record
from yiwang.core.choices import AuditResult
from yiwang.core.errors import DomainError, Forbidden
from yiwang.core.permissions import has_perm

#: Reveals one user may make per hour (a fixed window of the clock hour).
REVEAL_LIMIT = 30
REVEAL_WINDOW = 3600


@dataclass(frozen=True)
class RevealedContact:
    """The plain personal data of one case's applicant, for one response only."""

    number: str
    applicant_name: str
    id_number: str  # "" for a legal person (its credit code is not masked anywhere)
    phone: str
    fields: tuple[str, ...]


class RevealLimited(DomainError):
    """Too many reveals in the current hour (HTTP 429)."""

    status = 429


def _take(actor) -> bool:
    """Count one reveal for ``actor`` in the current window; False beyond the limit."""
    key = f"yiwang:cases:reveal:{actor.pk}:{int(time.time() // REVEAL_WINDOW)}"
    cache.add(key, 0, timeout=REVEAL_WINDOW * 2)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=REVEAL_WINDOW * 2)
        count = 1
    return count <= REVEAL_LIMIT


def case_pii_reveal(*, actor, number: str) -> RevealedContact:
    """The applicant's full ID number and phone of case ``number`` (audited, rate-limited)."""
    if selectors.is_applicant(actor) or not has_perm(actor, perms.REVEAL_PII):
        raise Forbidden(
            "cases.permission_denied", _("You may not see an applicant's full personal data.")
        )
    case = selectors.case_held(actor=actor, number=number)
    person = case.applicant_kind == ApplicantKind.PERSON and bool(case.id_number_encrypted)
    fields = (("id_number",) if person else ()) + ("phone",)
    record = {"number": case.number, "fields": list(fields)}
    if not _take(actor):
        audit_record(
            actor=actor,
            action="cases.pii_reveal",
            obj=case,
            changes={**record, "refused": "rate_limited"},
            result=AuditResult.FAILURE,
        )
        raise RevealLimited(
            "cases.reveal_rate_limited",
            _(
                "You have shown full personal data %(n)d times this hour, the most "
                "allowed. Try again later, or ask the applicant to confirm their details."
            )
            % {"n": REVEAL_LIMIT},
        )
    audit_record(actor=actor, action="cases.pii_reveal", obj=case, changes=record)
    return RevealedContact(
        number=case.number,
        applicant_name=case.applicant_name,
        id_number=case.reveal_id_number() if person else "",
        phone=case.phone,
        fields=fields,
    )
