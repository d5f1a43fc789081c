"""The public service guide (办事指南) at /services/: home with the ways in (audience, life
event, department, district, search), the filtered item list, one item's guide for a chosen
implementing body, its printable checklist of materials, the 一件事一次办 bundles and the
search results page.

Open to everyone, anonymous visitors included. Reads go through ``catalog.selectors_guide``
(published implementations only; a withdrawn or unknown item is 404). A citizen sees the chosen
body's own elements, never how they deviate from the standard.
"""

from __future__ import annotations

import unicodedata
from functools import wraps

from django import forms
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from yiwang.catalog import selectors_guide as guide
from yiwang.catalog.choices import ONLINE_APPLY_DEPTH, Audience, ItemKind, LimitUnit, ResultType
from yiwang.catalog.views import MATERIAL_FORMS, MATERIAL_KINDS, _int_param
from yiwang.core.errors import NotFound

PAGE_SIZE = 20
SEARCH_LIMIT = 20
QUERY_MAX = 100  # characters of a search query passed on; the rest of a long paste is dropped
QUERY_MIN = 2  # letters or digits; 1-character queries get a hint instead of noise

ONLINE_DEPTHS = {
    1: gettext_lazy("Level 1: guide published online"),
    2: gettext_lazy("Level 2: online booking and form downloads"),
    3: gettext_lazy("Level 3: online application and pre-check"),
    4: gettext_lazy("Level 4: fully online"),
}
MATERIAL_SOURCES = {
    "applicant": gettext_lazy("Provided by the applicant"),
    "government": gettext_lazy("Obtained by data sharing: no need to submit"),
}


CODE_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def public_page(view):
    """A page of the guide: GET only, open to everyone, ``NotFound`` → 404. A ``code`` in the
    path that no item or life event can have (a NUL, Chinese, 200 characters) is 404 before it
    reaches the database (PostgreSQL refuses NUL in text)."""

    @wraps(view)
    @require_GET
    def wrapped(request, *args, **kwargs):
        code = kwargs.get("code")
        if code is not None and (len(code) > 64 or not set(code) <= CODE_CHARS):
            raise Http404
        try:
            return view(request, *args, **kwargs)
        except NotFound:
            raise Http404 from None

    return wrapped


def _limit(value: int, unit: str) -> str:
    """A time limit as a citizen reads it: 即办件 for 0, else "5 个工作日"."""
    if not value:
        return _("Handled on the spot")
    return f"{value} {LimitUnit(unit).label if unit in LimitUnit.values else unit}"


# --- home --------------------------------------------------------------------------------------


@public_page
def home(request):
    data = guide.guide_home()
    events = {a: [e for e in data.life_events if e.audience == a] for a in Audience.values}
    return render(
        request,
        "catalog/guide/home.html",
        {
            "data": data,
            "audiences": [
                {
                    "code": a,
                    "label": _("Services for individuals")
                    if a == Audience.PERSON
                    else _("Services for enterprises and organisations"),
                    "count": data.audiences[a],
                    "events": events[a],
                }
                for a in Audience.values
            ],
        },
    )


# --- item list ---------------------------------------------------------------------------------


class GuideFilterForm(forms.Form):
    """The list's filters; an invalid value is ignored (and shown as such), never a 500."""

    audience = forms.ChoiceField(label=gettext_lazy("Audience"), required=False)
    event = forms.ChoiceField(label=gettext_lazy("Life event or theme"), required=False)
    department = forms.ChoiceField(label=gettext_lazy("Department"), required=False)
    district = forms.ChoiceField(label=gettext_lazy("District"), required=False)
    online = forms.BooleanField(label=gettext_lazy("Can apply online"), required=False)
    zero_visit = forms.BooleanField(label=gettext_lazy("No visit needed"), required=False)

    def __init__(self, *args, events, departments, districts, **kwargs):
        super().__init__(*args, **kwargs)
        everything = [("", _("All"))]
        self.fields["audience"].choices = everything + list(Audience.choices)
        self.fields["event"].choices = everything + [(e.code, e.name) for e in events]
        self.fields["department"].choices = everything + [(d, d) for d in departments]
        self.fields["district"].choices = everything + [(str(d.id), d.name) for d in districts]
        for name, field in self.fields.items():
            css = "form-check-input" if isinstance(field, forms.BooleanField) else "form-select"
            field.widget.attrs.update({"class": css, "data-testid": f"filter-{name}"})

    def filters(self, districts) -> guide.ItemFilters:
        self.is_valid()
        data = self.cleaned_data  # the valid fields only
        district = next((d for d in districts if str(d.id) == data.get("district")), None)
        return guide.ItemFilters(
            audience=data.get("audience") or "",
            event=data.get("event") or "",
            department=data.get("department") or "",
            district=district,
            online=bool(data.get("online")),
            zero_visit=bool(data.get("zero_visit")),
        )


@public_page
def items(request):
    events = guide.life_events()
    places = guide.districts()
    form = GuideFilterForm(
        request.GET, events=events, departments=guide.departments(), districts=places
    )
    filters = form.filters(places)
    page = Paginator(guide.guide_items(filters), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    summaries = guide.item_summaries([b.pk for b in rows], filters)
    query = request.GET.copy()
    query.pop("page", None)
    event = next((e for e in events if e.code == filters.event), None)
    return render(
        request,
        "catalog/guide/items.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "event": event,
            "district": filters.district,
            "rows": [
                {
                    "basic": b,
                    "summary": summaries.get(b.pk, guide.ItemSummary()),
                    "limit": _limit(*summaries[b.pk].min_promised)
                    if b.pk in summaries and summaries[b.pk].min_promised
                    else "",
                    "at": f"?district={filters.district.id}" if filters.district else "",
                }
                for b in rows
            ],
        },
    )


# --- one item ----------------------------------------------------------------------------------


def _material_rows(materials: list[dict]) -> list[dict]:
    def link(value) -> str:
        return value if isinstance(value, str) and value.startswith(("/", "https://")) else ""

    return [
        {
            "name": m.get("name", ""),
            "kind": str(MATERIAL_KINDS.get(m.get("kind"), m.get("kind") or "—")),
            "form": str(MATERIAL_FORMS.get(m.get("form"), m.get("form") or "—")),
            "required": bool(m.get("required", True)),
            "condition": m.get("condition") or "",
            "copies": m.get("copies"),
            "shared": m.get("source") == "government",
            "source": str(MATERIAL_SOURCES.get(m.get("source"), m.get("source") or "")),
            "note": m.get("note") or "",
            "basis": m.get("basis") or "",
            "blank_form": bool(m.get("blank_form")),
            "blank_form_url": link(m.get("blank_form")),
            "sample": bool(m.get("sample")),
            "sample_url": link(m.get("sample")),
        }
        for m in materials
        if isinstance(m, dict)
    ]


def _places(places: list) -> list[dict]:
    return [
        p if isinstance(p, dict) else {"name": str(p), "hours": ""}
        for p in places
        if p  # tolerate the older plain-string form
    ]


def _guide_context(found: guide.GuideItem) -> dict:
    basic, item = found.basic, found.chosen
    v = item.current
    depth = v.online_depth if v.online else 1
    can_apply = v.online and v.online_depth >= ONLINE_APPLY_DEPTH
    bodies = [
        {
            "impl": i,
            "district": found.districts[i.pk][1],
            "operation": i.get_operation_display() if i.operation else "",
            "chosen": i.pk == item.pk,
        }
        for i in found.implementations
    ]
    return {
        "basic": basic,
        "item": item,
        "v": v,
        "kind": ItemKind(basic.kind).label if basic.kind in ItemKind.values else basic.kind,
        "audience": [Audience(a).label for a in basic.audience if a in Audience.values],
        "district": found.districts[item.pk][1],
        "bodies": bodies,
        "several": len(bodies) > 1,
        "picked": found.picked,
        "materials": _material_rows(v.materials),
        "steps": [
            {
                **s,
                "time": _limit(s.get("days") or 0, s.get("unit") or v.promised_limit_unit)
                if s.get("days")
                else _("same day"),
            }
            for s in v.steps
            if isinstance(s, dict)
        ],
        "legal_limit": _limit(v.legal_limit, v.legal_limit_unit),
        "promised_limit": _limit(v.promised_limit, v.promised_limit_unit),
        "depth": ONLINE_DEPTHS.get(depth, ""),
        "can_apply": can_apply,
        # the application form belongs to the cases app (/cases/apply/<implementation id>/)
        "apply_url": f"/cases/apply/{item.pk}/" if can_apply else "",
        "places": _places(v.places),
        "result_type": ResultType(v.result["type"]).label
        if v.result.get("type") in ResultType.values
        else "",
    }


def _at(request) -> int | None:
    raw = request.GET.get("at")
    if raw in (None, ""):
        return None
    at = _int_param(raw)
    if at is None:
        raise Http404
    return at


def _found(request, code: str) -> guide.GuideItem:
    # ``district`` (from a district list) only preselects a body: an odd value is ignored
    return guide.guide_item(code, _at(request), _int_param(request.GET.get("district")))


@public_page
def item(request, code: str):
    found = _found(request, code)
    context = _guide_context(found)
    context["life_events"] = list(found.basic.life_events.all())
    return render(request, "catalog/guide/item.html", context)


@public_page
def checklist(request, code: str):
    """材料清单: what to take to the window, for print. Needs the body when several implement
    the item (materials and places differ): without ``at`` the visitor picks it first."""
    found = _found(request, code)
    if not found.picked:
        return redirect(reverse("guide:item", args=[code]) + "#bodies")
    context = _guide_context(found)
    materials = context["materials"]
    context["to_bring"] = [m for m in materials if not m["shared"]]
    context["shared"] = [m for m in materials if m["shared"]]
    op = found.chosen.get_operation_display() if found.chosen.operation else ""
    context["title_name"] = f"{found.basic.name}（{op}）" if op else found.basic.name
    return render(request, "catalog/guide/checklist.html", context)


# --- bundles -----------------------------------------------------------------------------------


@public_page
def bundles(request):
    return render(request, "catalog/guide/bundles.html", {"bundles": guide.bundles()})


@public_page
def bundle(request, code: str):
    found = guide.guide_bundle(code)
    b = found.bundle
    return render(
        request,
        "catalog/guide/bundle.html",
        {
            "bundle": b,
            "event": b.life_event,
            "items": found.items,
            "limit": _limit(b.promised_limit, b.promised_limit_unit)
            if b.promised_limit is not None
            else "",
            "materials": _material_rows(b.shared_materials),
            # the joint application belongs to the cases app (/cases/bundles/<code>/apply/)
            "apply_url": f"/cases/bundles/{b.life_event.code}/apply/",
        },
    )


# --- search ------------------------------------------------------------------------------------


def _meaningful(query: str) -> int:
    """How many letters or digits a query has (punctuation, symbols and spaces do not count)."""
    return sum(1 for ch in query if unicodedata.category(ch)[0] in "LN")


@public_page
def search(request):
    # control characters (a pasted NUL, say) are dropped: PostgreSQL refuses NUL in text
    raw = "".join(
        ch for ch in request.GET.get("q") or "" if unicodedata.category(ch) != "Cc" or ch.isspace()
    )
    query = " ".join(raw.split())[:QUERY_MAX]
    audience = request.GET.get("audience") or ""
    if audience not in Audience.values:
        audience = ""
    hint, hits = "", []
    if not query:
        hint = _("Type what you want to do, for example 开饭店要办什么证 or 护照.")
    elif _meaningful(query) < QUERY_MIN:
        hint = _("Please type at least two characters, for example 结婚 or 社保卡.")
    else:
        # h1's Chinese search (jieba + full-text index); imported here, where it is used
        from yiwang.catalog.search import search_items

        found = search_items(query, limit=SEARCH_LIMIT, audience=audience or None)
        published = guide.published_codes([h.code for h in found])
        hits = [
            {
                "hit": h,
                "basic": published[h.code],
                "kind": ItemKind(h.kind).label if h.kind in ItemKind.values else h.kind,
            }
            for h in found
            if h.code in published
        ]
    return render(
        request,
        "catalog/guide/search.html",
        {
            "q": query,
            "audience": audience,
            "audiences": Audience.choices,
            "hint": hint,
            "hits": hits,
            "truncated": len(" ".join(raw.split())) > QUERY_MAX,
        },
    )


__all__ = ["bundle", "bundles", "checklist", "home", "item", "items", "search"]
