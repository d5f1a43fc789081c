"""Operator's desk at /api/v1/hotline/suggestions: dispatch suggestions and duplicate candidates
for a request being registered (智能派单, 并单候选). Reads only."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Router, Schema
from pydantic import Field

from yiwang.core import facade as core
from yiwang.core import pii
from yiwang.core.errors import Forbidden, InvalidInput
from yiwang.core.permissions import has_perm
from yiwang.hotline import permissions as perms
from yiwang.hotline import selectors, suggestions
from yiwang.hotline.choices import Category
from yiwang.hotline.models import CONTENT_MAX_LENGTH

router = Router(tags=["hotline"])

REASON_LABELS = {
    "phone": gettext_lazy("same phone"),
    "address": gettext_lazy("same address"),
    "text": gettext_lazy("near-identical text"),
}


class SuggestionsIn(Schema):
    """The request being registered: its text, and when known its category and district."""

    text: str = Field(description="the request's content (1–5000 characters)")
    category: str | None = Field(None, description="consult, help, complaint, …")
    district_id: int | None = Field(None, description="district or functional area")
    phone: str = Field("", description="contact phone, for duplicate candidates")
    address: str = Field("", description="address, for duplicate candidates")
    exclude_id: int | None = Field(None, description="an order to leave out (the one edited)")


class UnitSuggestionOut(Schema):
    unit_id: int
    unit_name: str
    confidence: float
    confident: bool
    source: str = Field(description="rule (dispatch catalogue) or model (classifier)")


class DuplicateOut(Schema):
    id: int
    number: str
    status: str
    received_at: dt.datetime
    contact_phone: str = Field(description="masked")
    lead_unit: str | None
    reasons: list[str] = Field(description="phone, address, text")
    reason: str = Field(description="the reasons as text")
    similarity: float = Field(description="text similarity (character bigram Jaccard)")


class SuggestionsOut(Schema):
    units: list[UnitSuggestionOut]
    duplicates: list[DuplicateOut]


def _field_error(field: str, code: str, message: str) -> InvalidInput:
    return InvalidInput(code, message, errors=[{"field": field, "code": code, "message": message}])


def _validated(payload: SuggestionsIn, city_id: int) -> str:
    text = (payload.text or "").strip()
    if not text:
        raise _field_error("text", "hotline.content_empty", _("Describe the request (content)."))
    if len(text) > CONTENT_MAX_LENGTH:
        raise _field_error(
            "text",
            "hotline.content_too_long",
            _("The content has %(n)d characters; at most %(max)d are accepted.")
            % {"n": len(text), "max": CONTENT_MAX_LENGTH},
        )
    if payload.category is not None and payload.category not in Category.values:
        raise _field_error("category", "hotline.unknown_category", _("Unknown category."))
    if payload.district_id is not None:
        ref = core.organisation_by_id(payload.district_id)
        if ref is None or not ref.path.startswith(f"/{city_id}/") or ref.id == city_id:
            raise _field_error(
                "district_id",
                "hotline.unknown_organisation",
                _("The organisation is not part of this city."),
            )
    return text


@router.post(
    "/suggestions",
    response=SuggestionsOut,
    operation_id="hotline_suggestions",
    summary="Suggested units (rule first, then the classifier) and possible duplicates",
)
def suggestions_post(request: HttpRequest, payload: SuggestionsIn):
    actor = request.user
    if not has_perm(actor, perms.INTAKE):
        raise Forbidden("hotline.permission_denied", _("You may not register work orders."))
    city_id = selectors.city_root_id(actor)
    if city_id is None:
        raise Forbidden("hotline.permission_denied", _("You may not register work orders."))
    text = _validated(payload, city_id)
    units = suggestions.dispatch_suggestions(
        city_id=city_id, text=text, category=payload.category, district_id=payload.district_id
    )
    duplicates = suggestions.duplicate_candidates(
        city_id=city_id,
        phone=payload.phone,
        address=payload.address,
        content=text,
        exclude_id=payload.exclude_id,
    )
    return {
        "units": [
            {
                "unit_id": s.unit_id,
                "unit_name": s.unit_name,
                "confidence": round(s.confidence, 4),
                "confident": s.confident,
                "source": s.source,
            }
            for s in units
        ],
        "duplicates": [
            {
                "id": o.pk,
                "number": o.number,
                "status": o.status,
                "received_at": o.received_at,
                "contact_phone": pii.mask_phone(o.contact_phone),
                "lead_unit": o.lead_unit.name if o.lead_unit_id else None,
                "reasons": o.duplicate_reasons,
                "reason": ", ".join(str(REASON_LABELS[r]) for r in o.duplicate_reasons),
                "similarity": o.duplicate_similarity,
            }
            for o in duplicates
        ],
    }
