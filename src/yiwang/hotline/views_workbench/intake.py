"""受理 screen of the 12345 centre: the keyboard-first form and its htmx assist panel
(knowledge base, dispatch suggestions, duplicate candidates)."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from yiwang.catalog import facade as catalog
from yiwang.core.errors import DomainError, NotFound
from yiwang.hotline import permissions as perms
from yiwang.hotline import selectors, services
from yiwang.hotline.choices import (
    Category,
    Channel,
    Status,
)
from yiwang.hotline.forms import IntakeForm
from yiwang.hotline.models import WorkOrder
from yiwang.hotline.services.intake import normalise_phone, resolve_location
from yiwang.hotline.views_workbench.common import (
    S,
    _city_id,
    staff_page,
)

# --- intake ------------------------------------------------------------------------------------

SERVICE_ITEMS = 3  # service items of the catalogue shown in the assist panel


def _assist(actor, *, content: str, category: str, phone: str, address: str) -> dict:
    """Knowledge-base answers, service items of the catalogue, dispatch suggestions and
    duplicate candidates for the text.

    Articles, suggestions and duplicates come from sibling modules of this app (a missing one
    leaves its panel empty); service items from the catalogue's search (``catalog.facade``),
    the same ranking as the public guide, so an operator can read the guide to a caller who
    asks how to get something done.
    """
    city_id = _city_id(actor)
    out: dict = {"articles": [], "service_items": [], "suggestions": [], "duplicates": []}
    text = (content or "").strip()
    if city_id is None:
        return out
    category = category if category in Category.values else None
    if len(text) >= 2:
        try:
            from yiwang.hotline.knowledge import search_articles
        except ImportError:
            pass
        else:
            out["articles"] = list(
                search_articles(city_id=city_id, query=text, category=category, limit=5)
            )
        out["service_items"] = catalog.search_items(text, limit=SERVICE_ITEMS)
        try:
            from yiwang.hotline.suggestions import dispatch_suggestions
        except ImportError:
            pass
        else:
            district_id, _street = resolve_location(
                city_id=city_id, organisation_id=None, address=address or ""
            )
            out["suggestions"] = list(
                dispatch_suggestions(
                    city_id=city_id, text=text, category=category, district_id=district_id, k=3
                )
            )
    if text or phone:
        out["duplicates"] = _duplicates(city_id=city_id, phone=phone, address=address, content=text)
    return out


def _duplicates(*, city_id, phone, address, content, exclude_id=None) -> list:
    try:
        from yiwang.hotline.suggestions import duplicate_candidates
    except ImportError:
        return []
    try:
        phone = normalise_phone(phone)
    except ValidationError:  # a half-typed phone just means "no phone yet"
        phone = ""
    return list(
        duplicate_candidates(
            city_id=city_id,
            phone=phone,
            address=address or "",
            content=content or "",
            exclude_id=exclude_id,
            limit=5,
        )
    )


@staff_page(perms.INTAKE)
@require_GET
def intake_assist(request):
    """The htmx panel beside the intake form (knowledge base, suggestions, duplicates)."""
    data = request.GET
    context = _assist(
        request.user,
        content=data.get("content", "")[:2000],
        category=data.get("category", ""),
        phone=data.get("contact_phone", "")[:20],
        address=data.get("address", "")[:300],
    )
    context["confirmed_unit"] = data.get("dispatch_unit_id", "")
    return render(request, "hotline/_intake_assist.html", context)


def _create_kwargs(data: dict) -> dict:
    keep = (
        "contact_phone",
        "requester_name",
        "category",
        "content",
        "address",
        "requester_kind",
        "enterprise_name",
        "enterprise_uscc",
        "confidential",
        "emergency",
        "transferred_to",
        "exclusion_reason",
    )
    return {
        k: data.get(k) or ("" if k not in ("confidential", "emergency") else False) for k in keep
    }


@staff_page(perms.INTAKE)
@require_http_methods(["GET", "POST"])
def intake(request):
    """受理 screen of a centre operator (keyboard first; see workbench.js)."""
    actor = request.user
    form = IntakeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        confirmed = data.get("dispatch_unit_id")
        article_id = data.get("article_id")
        special = bool(data.get("emergency") or data.get("exclusion_reason"))
        key = (request.POST.get("idem") or "").strip()[:60]
        try:
            # One unit: a refused follow-up (unknown unit or article) registers nothing.
            with transaction.atomic():
                order, created = services.work_order_create(
                    actor=actor,
                    channel=Channel.PHONE,
                    idempotency_key=f"intake-{key}" if key else None,
                    auto_dispatch=not (confirmed or article_id),
                    **_create_kwargs(data),
                )
                if created and not special and order.status == S.RECEIVED:
                    if article_id:
                        order = _direct_answer(actor, order, article_id)
                    elif confirmed:
                        order = services.work_order_dispatch(
                            actor=actor,
                            order_id=order.pk,
                            version=order.version,
                            lead_unit_id=confirmed,
                            note=_("Suggested unit confirmed by the operator"),
                        )
        except DomainError as exc:
            form.add_service_error(exc)
        else:
            messages.success(
                request,
                _("Order %(number)s registered: %(status)s.")
                % {"number": order.number, "status": Status(order.status).label},
            )
            return redirect(f"{reverse('hotline:intake')}?created={order.pk}")
    created_order = None
    duplicates: list = []
    if request.method == "GET" and request.GET.get("created", "").isdigit():
        try:
            created_order = selectors.work_order_get(actor=actor, pk=int(request.GET["created"]))
        except NotFound:
            created_order = None
        if created_order is not None and created_order.status not in (
            S.MERGED,
            S.REFUSED,
            S.TRANSFERRED,
        ):
            duplicates = _duplicates(
                city_id=created_order.city_id,
                phone=created_order.contact_phone,
                address=created_order.address,
                content=created_order.content,
                exclude_id=created_order.pk,
            )
    return render(
        request,
        "hotline/intake.html",
        {
            "form": form,
            "idem": request.POST.get("idem") or uuid.uuid4().hex,
            "created_order": created_order,
            "duplicates": duplicates,
        },
    )


def _direct_answer(actor, order: WorkOrder, article_id: int) -> WorkOrder:
    """直接答复 from a knowledge-base article: close the fresh order with a reference to it (the
    answer text defaults to the article's body)."""
    return services.work_order_close(
        actor=actor, order_id=order.pk, version=order.version, answer="", article_id=article_id
    )
