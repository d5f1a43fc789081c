"""What other apps may use of the policy app: published items as plain values and the
enterprises an item matches now."""

from __future__ import annotations

from dataclasses import dataclass

from yiwang.policy.choices import ItemStatus
from yiwang.policy.matching import matcher_for
from yiwang.policy.models import PolicyItem
from yiwang.policy.selectors import city_id_of

__all__ = ["PolicyItemRef", "item_matches", "item_ref"]


@dataclass(frozen=True)
class PolicyItemRef:
    id: int
    version: int
    status: str
    title: str
    kind: str
    exempt_application: bool
    document_id: int
    document_title: str
    document_number: str
    organisation_id: int
    city_id: int


def item_ref(item_id: int) -> PolicyItemRef | None:
    item = (
        PolicyItem.objects.select_related("document", "document__organisation")
        .filter(pk=item_id)
        .first()
    )
    if item is None:
        return None
    document = item.document
    return PolicyItemRef(
        id=item.pk,
        version=item.version,
        status=item.status,
        title=item.title,
        kind=item.kind,
        exempt_application=item.exempt_application,
        document_id=document.pk,
        document_title=document.title,
        document_number=document.document_number,
        organisation_id=document.organisation_id,
        city_id=city_id_of(document.organisation.path),
    )


def item_matches(item_id: int) -> list[int]:
    """Ids of the registry enterprises a published item matches now (empty otherwise)."""
    item = PolicyItem.objects.select_related("document__organisation").filter(pk=item_id).first()
    if item is None or item.status != ItemStatus.PUBLISHED or not item.rule:
        return []
    matcher = matcher_for(city_id_of(item.document.organisation.path))
    ids = matcher.match_ids(item.rule, key=(item.pk, item.version), fresh=True)
    return [int(i) for i in ids]
