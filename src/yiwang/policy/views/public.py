"""Public and enterprise pages: the published policy items, one item with its document,
interpretation, attachments and public FAQ, and the 政策计算器 of an enterprise user — every
item the enterprise qualifies for now and, for the others, what it misses."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from yiwang.core.choices import AccountKind
from yiwang.core.errors import InvalidInput
from yiwang.policy import selectors
from yiwang.policy.analysis import calculator as calculator_of
from yiwang.policy.choices import ItemKind
from yiwang.policy.views.common import PAGE_SIZE, enterprise_page, public_page
from yiwang.policy.views.consult import ask_context


@public_page
@require_GET
def public_items(request):
    qs = selectors.published_items()
    q = (request.GET.get("q") or "").strip()[:100]
    kind = request.GET.get("kind") or ""
    if q:
        qs = qs.filter(
            Q(title__icontains=q) | Q(document__title__icontains=q) | Q(benefit__icontains=q)
        )
    if kind in ItemKind.values:
        qs = qs.filter(kind=kind)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "policy/public_items.html",
        {
            "page": page,
            "q": q,
            "kind": kind,
            "kinds": ItemKind.choices,
            "query": query.urlencode(),
            "is_enterprise": request.user.is_authenticated
            and request.user.kind == AccountKind.ENTERPRISE,
        },
    )


@public_page
@require_GET
def public_item(request, pk: int):
    item = selectors.public_item_get(item_id=pk)
    document = item.document
    return render(
        request,
        "policy/public_item.html",
        {
            "item": item,
            "document": document,
            "attachments": list(selectors.attachments_of(document)),
            "faqs": list(selectors.faqs_of(item, public_only=True)),
            "siblings": [
                i for i in selectors.published_items().filter(document=document) if i.pk != item.pk
            ],
            "is_enterprise": request.user.is_authenticated
            and request.user.kind == AccountKind.ENTERPRISE,
            **ask_context(request, item),  # the question form (政策咨询)
        },
    )


@enterprise_page
@require_GET
def calculator(request):
    seats = selectors.enterprise_seats(request.user)
    try:
        seat = selectors.enterprise_seat_get(actor=request.user, uscc=request.GET.get("uscc"))
    except InvalidInput:  # a malformed credit code names no enterprise of the user's
        raise Http404 from None
    result = calculator_of(seat)
    return render(
        request,
        "policy/calculator.html",
        {"result": result, "seat": seat, "seats": seats},
    )
