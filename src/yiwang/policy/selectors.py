"""Reads of policies, already scoped to the actor.

* Officers see the documents (and their items) issued inside their organisation subtree;
  ``policy.citywide`` (leaders, the platform administrator) widens that to their city. A
  document or item outside the scope is 404, exactly like a missing one.
* Published items of published documents are public (the item pages, the calculator).
* An enterprise user acts for the enterprises they are a member of (``core`` accounts link
  to registry files by USCC); another enterprise's calculator or explanation is 404.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from yiwang.core.choices import AccountKind
from yiwang.core.errors import InvalidInput, NotFound
from yiwang.core.permissions import has_perm
from yiwang.core.validators import validate_uscc
from yiwang.policy import permissions as perms
from yiwang.policy.choices import DocumentStatus, ItemStatus
from yiwang.policy.models import PolicyAttachment, PolicyDocument, PolicyFAQ, PolicyItem
from yiwang.registry import facade as registry


def city_id_of(path: str) -> int:
    """The city (the root of the organisation tree) of an organisation path ``/1/4/27/``."""
    return int(path.strip("/").split("/")[0])


def scope_prefix(actor, perm: str = perms.VIEW) -> str | None:
    """The organisation-path prefix of the documents ``actor`` may read (or, with
    ``perms.MANAGE``, write); ``None`` when none."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None
    if actor.kind not in (AccountKind.STAFF, AccountKind.SYSTEM):
        return None
    if actor.is_superuser:
        return "/"
    org = actor.organisation
    if org is None or not has_perm(actor, perm):
        return None
    if has_perm(actor, perms.CITYWIDE):
        return f"/{city_id_of(org.path)}/"
    return org.path


def documents_visible(*, actor, perm: str = perms.VIEW) -> QuerySet:
    prefix = scope_prefix(actor, perm)
    if prefix is None:
        return PolicyDocument.objects.none()
    return PolicyDocument.objects.filter(organisation__path__startswith=prefix).select_related(
        "organisation"
    )


def document_get(*, actor, document_id: int, perm: str = perms.VIEW) -> PolicyDocument:
    document = documents_visible(actor=actor, perm=perm).filter(pk=document_id).first()
    if document is None:
        raise NotFound("policy document")
    return document


def items_visible(*, actor, perm: str = perms.VIEW) -> QuerySet:
    prefix = scope_prefix(actor, perm)
    if prefix is None:
        return PolicyItem.objects.none()
    return PolicyItem.objects.filter(
        document__organisation__path__startswith=prefix
    ).select_related("document", "document__organisation")


def item_get(*, actor, item_id: int, perm: str = perms.VIEW) -> PolicyItem:
    item = items_visible(actor=actor, perm=perm).filter(pk=item_id).first()
    if item is None:
        raise NotFound("policy item")
    return item


def attachments_of(document: PolicyDocument) -> QuerySet:
    return document.attachments.order_by("pk")


def faqs_of(item: PolicyItem, *, public_only: bool = False) -> QuerySet:
    qs = item.faqs.order_by("sort_order", "pk")
    return qs.filter(public=True) if public_only else qs


# --- public reads ---------------------------------------------------------------------------------


def published_items(*, city_id: int | None = None) -> QuerySet:
    """Published items of published documents (of one city's organisations)."""
    qs = PolicyItem.objects.filter(
        status=ItemStatus.PUBLISHED, document__status=DocumentStatus.PUBLISHED
    ).select_related("document", "document__organisation")
    if city_id is not None:
        qs = qs.filter(document__organisation__path__startswith=f"/{city_id}/")
    return qs.order_by("-published_at", "pk")


def public_item_get(*, item_id: int) -> PolicyItem:
    item = published_items().filter(pk=item_id).first()
    if item is None:
        raise NotFound("policy item")
    return item


def public_attachment_get(*, actor, attachment_id: int) -> PolicyAttachment:
    """An attachment of a published document (anyone), or of a document in the actor's
    scope (officers, drafts included)."""
    attachment = (
        PolicyAttachment.objects.select_related("document", "document__organisation")
        .filter(pk=attachment_id)
        .first()
    )
    if attachment is None:
        raise NotFound("policy attachment")
    if attachment.document.status == DocumentStatus.PUBLISHED:
        return attachment
    prefix = scope_prefix(actor)
    if prefix is None or not attachment.document.organisation.path.startswith(prefix):
        raise NotFound("policy attachment")
    return attachment


def public_faqs_of(items: list[PolicyItem]) -> dict[int, list[PolicyFAQ]]:
    faqs: dict[int, list[PolicyFAQ]] = {item.pk: [] for item in items}
    for faq in PolicyFAQ.objects.filter(item__in=items, public=True).order_by("sort_order", "pk"):
        faqs[faq.item_id].append(faq)
    return faqs


# --- enterprises ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class EnterpriseSeat:
    """The enterprise an enterprise user acts for: its account and its registry file (None
    when the registry has no file for that credit code yet)."""

    uscc: str
    name: str
    enterprise: registry.EnterpriseRef | None


def enterprise_seats(actor) -> list[EnterpriseSeat]:
    """The enterprises ``actor`` acts for (an enterprise user's memberships), by name."""
    if (
        actor is None
        or not getattr(actor, "is_authenticated", False)
        or actor.kind != AccountKind.ENTERPRISE
    ):
        return []
    memberships = actor.enterprise_memberships.select_related("enterprise").order_by(
        "enterprise__name", "pk"
    )
    return [
        EnterpriseSeat(
            m.enterprise.uscc, m.enterprise.name, registry.enterprise_by_uscc(m.enterprise.uscc)
        )
        for m in memberships
    ]


def uscc_checked(uscc: str, field: str = "uscc") -> str:
    """A well-formed USCC (422 naming the field otherwise)."""
    from django.core.exceptions import ValidationError

    try:
        return validate_uscc((uscc or "").strip().upper())
    except ValidationError as exc:
        message = " ".join(str(m) for m in exc.messages)
        raise InvalidInput(
            "policy.invalid_uscc",
            message,
            errors=[{"field": field, "code": "policy.invalid_uscc", "message": message}],
        ) from None


def enterprise_seat_get(*, actor, uscc: str | None = None) -> EnterpriseSeat:
    """The enterprise an enterprise user asks about (``uscc``, else their first one); another
    enterprise's credit code is 404, like an unknown one."""
    seats = enterprise_seats(actor)
    if uscc:
        code = uscc_checked(uscc)
        seats = [s for s in seats if s.uscc == code]
    if not seats:
        raise NotFound("enterprise")
    return seats[0]


def explain_subject(*, actor, item_id: int, uscc: str) -> tuple[PolicyItem, registry.EnterpriseRef]:
    """The item and the enterprise of an explanation. Officers: an item in their scope (drafts
    included) and any enterprise of the item's city. Enterprise users: a published item and
    an enterprise they act for. Anything else is 404."""
    code = uscc_checked(uscc)
    if actor is not None and getattr(actor, "kind", None) == AccountKind.ENTERPRISE:
        seat = enterprise_seat_get(actor=actor, uscc=code)
        item = public_item_get(item_id=item_id)
        enterprise = seat.enterprise
    else:
        item = item_get(actor=actor, item_id=item_id)
        enterprise = registry.enterprise_by_uscc(code)
    city_id = city_id_of(item.document.organisation.path)
    if enterprise is None or enterprise.city_id != city_id:
        raise NotFound("enterprise")
    return item, enterprise
