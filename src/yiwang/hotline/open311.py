"""Open311 GeoReport v2 at ``/open311/v2/``: services, service definitions, requests (JSON only).

Plain Django views (not django-ninja): GeoReport has its own URL shape (format by extension),
form-encoded POST bodies and its own error body ``[{"code": 400, "description": "..."}]``.
Error descriptions are machine-facing protocol text and stay English literals, except the
field messages of intake validation, which come from ``work_order_create`` as they are.

* ``api_key`` is a yiwang API token (``yw_...``) of an API client whose roles and token scopes
  include ``hotline.intake``; the order is created by the client's service user, channel
  ``open311``.
* Reads are public and carry no personal data: no names, phones or emails; confidential (保密)
  orders show neither description nor address nor coordinates.
* ``service_request_id`` is the order number (``ZH20261129-000123``).
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.http import HttpRequest, JsonResponse
from django.urls import re_path
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from yiwang.core import facade as core
from yiwang.core.api_base import BearerToken
from yiwang.core.choices import OrgKind
from yiwang.core.errors import DomainError, InvalidInput
from yiwang.hotline import selectors
from yiwang.hotline.choices import OPEN_STATUSES, Action, Category, Channel, Status
from yiwang.hotline.services import work_order_create

SH = ZoneInfo("Asia/Shanghai")
GROUP = "12345"
MAX_RESULTS = 1000
DEFAULT_WINDOW = dt.timedelta(days=90)
# GeoReport has two states. Our "closed" (办结, awaiting callback) is closed for the requester.
OPEN311_OPEN = frozenset(OPEN_STATUSES) - {Status.CLOSED}

DESCRIPTIONS = {
    Category.CONSULT: "咨询：政策、办事流程等问题的咨询。",
    Category.HELP: "求助：生活、生产中遇到困难需要政府部门帮助。",
    Category.COMPLAINT: "投诉：对行政机关、企业或个人侵害自身权益的投诉。",
    Category.REPORT: "举报：对违法违规行为的举报。",
    Category.SUGGESTION: "意见建议：对政府工作和城市管理的意见建议。",
    Category.PRAISE: "表扬：对政府部门或工作人员的表扬。",
}
KEYWORDS = {
    Category.CONSULT: "咨询,政策,办事",
    Category.HELP: "求助,困难",
    Category.COMPLAINT: "投诉,维权",
    Category.REPORT: "举报,违法",
    Category.SUGGESTION: "意见,建议",
    Category.PRAISE: "表扬,感谢",
}
SERVICE_NAMES = {
    Category.CONSULT: "咨询",
    Category.HELP: "求助",
    Category.COMPLAINT: "投诉",
    Category.REPORT: "举报",
    Category.SUGGESTION: "意见建议",
    Category.PRAISE: "表扬",
}


class Open311Error(Exception):
    def __init__(self, status: int, *descriptions: str) -> None:
        super().__init__(descriptions[0] if descriptions else "")
        self.status = status
        self.descriptions = list(descriptions)


def _error(status: int, *descriptions: str) -> JsonResponse:
    body = [{"code": status, "description": d} for d in descriptions]
    return JsonResponse(body, status=status, safe=False)


def _ts(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(SH).isoformat(timespec="seconds")


def _open311_view(methods: list[str]):
    """JSON only, Open311 error bodies, no CSRF (third-party clients post forms)."""

    def wrap(func):
        @csrf_exempt
        @require_http_methods(methods)
        def view(request: HttpRequest, fmt: str, **kwargs):
            if fmt.lower() != "json":
                return _error(400, "Only the JSON format is supported: use the .json extension.")
            try:
                return func(request, **kwargs)
            except Open311Error as exc:
                return _error(exc.status, *exc.descriptions)

        view.__name__ = func.__name__
        view.__doc__ = func.__doc__
        return view

    return wrap


def _params(request: HttpRequest) -> dict[str, str]:
    """Query string, then the form-encoded or JSON body (POST)."""
    data = {k: v for k, v in request.GET.items()}
    if request.method == "POST":
        if (request.content_type or "").startswith("application/json"):
            try:
                body = json.loads(request.body or b"{}")
            except ValueError:
                raise Open311Error(400, "The JSON body is not valid.") from None
            if not isinstance(body, dict):
                raise Open311Error(400, "The JSON body must be an object.")
            data.update({k: "" if v is None else str(v) for k, v in body.items()})
        else:
            data.update({k: v for k, v in request.POST.items()})
    return {k: (v or "").strip() for k, v in data.items()}


def _jurisdiction(params: dict[str, str]) -> int | None:
    """The city named by ``jurisdiction_id`` (its organisation code), or None when not given."""
    code = params.get("jurisdiction_id", "")
    if not code:
        return None
    org = core.organisation_by_code(code)
    if org is None or org.kind != OrgKind.CITY:
        raise Open311Error(404, f"Unknown jurisdiction_id: {code}.")
    return org.id


def _service(code: str) -> dict:
    return {
        "service_code": code,
        "service_name": SERVICE_NAMES[code],
        "description": DESCRIPTIONS[code],
        "metadata": False,
        "type": "realtime",
        "keywords": KEYWORDS[code],
        "group": GROUP,
    }


@_open311_view(["GET"])
def services_list(request: HttpRequest):
    """GET services.json: the hotline categories."""
    _jurisdiction(_params(request))
    return JsonResponse([_service(code) for code in Category.values], safe=False)


@_open311_view(["GET"])
def service_definition(request: HttpRequest, service_code: str):
    """GET services/{service_code}.json: no extra attributes."""
    _jurisdiction(_params(request))
    if service_code not in Category.values:
        raise Open311Error(404, f"Unknown service_code: {service_code}.")
    return JsonResponse({"service_code": service_code, "attributes": []})


@_open311_view(["GET", "POST"])
def requests_collection(request: HttpRequest):
    if request.method == "POST":
        return _request_create(request)
    return _request_list(request)


@_open311_view(["GET"])
def request_detail(request: HttpRequest, service_request_id: str):
    """GET requests/{service_request_id}.json: one order by number, as a one-element list."""
    params = _params(request)
    city_id = _jurisdiction(params)
    qs = selectors.work_order_public_list(city_id=city_id).filter(number=service_request_id.upper())
    order = qs.first()
    if order is None:
        raise Open311Error(404, f"Unknown service_request_id: {service_request_id}.")
    return JsonResponse([_request_out(order, _extensions(params))], safe=False)


def _extensions(params: dict[str, str]) -> bool:
    return params.get("extensions", "").lower() in ("true", "1", "yes")


def _authenticate(request: HttpRequest, raw: str):
    if not raw:
        raise Open311Error(403, "api_key is required.")
    try:
        return BearerToken().authenticate(request, raw)
    except DomainError as exc:
        raise Open311Error(403, f"api_key rejected: {exc.code}.") from None


def _coordinate(params: dict[str, str], key: str, errors: list[str]) -> Decimal | None:
    raw = params.get(key, "")
    if not raw:
        return None
    try:
        return Decimal(raw).quantize(Decimal("0.000001"))
    except InvalidOperation:
        errors.append(f"{key}: not a number.")
        return None


def _request_create(request: HttpRequest) -> JsonResponse:
    """POST requests.json: a new work order (channel open311) by the API client's user."""
    params = _params(request)
    actor = _authenticate(request, params.get("api_key", ""))
    city_id = _jurisdiction(params)
    errors: list[str] = []
    service_code = params.get("service_code", "")
    if service_code not in Category.values:
        raise Open311Error(400, f"service_code: unknown service {service_code!r}.")
    if city_id is not None and city_id != selectors.city_root_id(actor):
        raise Open311Error(404, "jurisdiction_id: not served by this api_key.")
    lat = _coordinate(params, "lat", errors)
    lng = _coordinate(params, "long", errors)
    address = params.get("address_string", "")
    if (lat is None) != (lng is None) and not errors:
        errors.append("lat and long: give both or neither.")
    if lat is None and lng is None and not address:
        errors.append("location: lat and long, or address_string, is required.")
    if not params.get("phone"):
        errors.append("phone: required (the hotline calls the requester back).")
    if not params.get("description"):
        errors.append("description: required.")
    if errors:
        raise Open311Error(400, *errors)
    name = (params.get("last_name", "") + params.get("first_name", "")).strip()
    if params.get("first_name") and params.get("last_name") and name.isascii():
        name = f"{params['first_name']} {params['last_name']}"
    try:
        order, _created = work_order_create(
            actor=actor,
            channel=Channel.OPEN311,
            category=service_code,
            requester_name=name or params.get("email", "") or "Open311",
            contact_phone=params["phone"],
            content=params["description"],
            address=address,
            lat=lat,
            lng=lng,
        )
    except InvalidInput as exc:
        field_map = {"content": "description", "contact_phone": "phone", "lng": "long"}
        items = exc.errors or [{"field": "", "message": exc.message}]
        raise Open311Error(
            400,
            *[
                f"{field_map.get(e.get('field', ''), e.get('field', ''))}: {e['message']}"
                for e in items
            ],
        ) from None
    except DomainError as exc:
        status = 403 if exc.status in (401, 403) else exc.status
        raise Open311Error(status, f"{exc.code}: {exc.message}") from None
    notice = f"工单 {order.number} 已受理"
    if order.reply_deadline:
        notice += f"，办结时限 {_ts(order.reply_deadline)}"
    body = [{"service_request_id": order.number, "service_notice": notice, "account_id": None}]
    return JsonResponse(body, status=201, safe=False)


def _parse_when(raw: str, key: str, *, end: bool = False) -> dt.datetime | None:
    if not raw:
        return None
    try:
        value = parse_datetime(raw.replace(" ", "+") if "T" in raw else raw)
    except ValueError:
        value = None
    if value is None:
        try:
            day = parse_date(raw)
        except ValueError:
            day = None
        if day is None:
            raise Open311Error(400, f"{key}: not a W3C datetime (2026-11-01T00:00:00+08:00).")
        value = dt.datetime.combine(day, dt.time.max if end else dt.time.min)
    if timezone.is_naive(value):
        value = value.replace(tzinfo=SH)
    return value


def _request_list(request: HttpRequest) -> JsonResponse:
    """GET requests.json: public search (no personal data)."""
    params = _params(request)
    city_id = _jurisdiction(params)
    qs = selectors.work_order_public_list(city_id=city_id)
    ids = [i.strip().upper() for i in params.get("service_request_id", "").split(",") if i.strip()]
    if ids:
        qs = qs.filter(number__in=ids[:MAX_RESULTS])
    else:
        codes = [c.strip() for c in params.get("service_code", "").split(",") if c.strip()]
        if codes:
            qs = qs.filter(category__in=codes)
        start = _parse_when(params.get("start_date", ""), "start_date")
        end = _parse_when(params.get("end_date", ""), "end_date", end=True)
        if start and end and start > end:
            raise Open311Error(400, "start_date: after end_date.")
        if start is None and end is None:
            start = timezone.now() - DEFAULT_WINDOW
        if start is not None:
            qs = qs.filter(received_at__gte=start)
        if end is not None:
            qs = qs.filter(received_at__lte=end)
        statuses = {s.strip().lower() for s in params.get("status", "").split(",") if s.strip()}
        if statuses - {"open", "closed"}:
            raise Open311Error(400, "status: open or closed.")
        if statuses == {"open"}:
            qs = qs.filter(status__in=OPEN311_OPEN)
        elif statuses == {"closed"}:
            qs = qs.exclude(status__in=OPEN311_OPEN)
    extensions = _extensions(params)
    if extensions:
        qs = qs.prefetch_related("events")
    rows = [_request_out(o, extensions) for o in qs.order_by("-received_at", "-id")[:MAX_RESULTS]]
    return JsonResponse(rows, safe=False)


def _request_out(order, extensions: bool) -> dict:
    hidden = order.confidential
    row = {
        "service_request_id": order.number,
        "status": "open" if order.status in OPEN311_OPEN else "closed",
        "status_notes": str(order.get_status_display()),
        "service_name": SERVICE_NAMES.get(order.category, order.category),
        "service_code": order.category,
        "agency_responsible": order.lead_unit.name if order.lead_unit_id else None,
        "service_notice": None,
        "requested_datetime": _ts(order.received_at),
        "updated_datetime": _ts(order.updated_at),
        "expected_datetime": _ts(order.reply_deadline),
        "address": None if hidden else (order.address or None),
        "address_id": None,
        "zipcode": None,
        "lat": None if hidden or order.lat is None else float(order.lat),
        "long": None if hidden or order.lng is None else float(order.lng),
        "media_url": None,
    }
    if not hidden:
        row["description"] = order.content
    if extensions:
        row["extended_attributes"] = {
            "yiwang_status": order.status,
            "lane": order.lane,
            "notes": [
                {
                    "action": event.action,
                    "label": str(Action(event.action).label)
                    if event.action in Action.values
                    else event.action,
                    "at": _ts(event.at),
                }
                for event in sorted(order.events.all(), key=lambda e: (e.at, e.id))
            ],
        }
    return row


urlpatterns = [
    re_path(r"^services\.(?P<fmt>\w+)$", services_list, name="open311_services"),
    re_path(
        r"^services/(?P<service_code>[\w-]+)\.(?P<fmt>\w+)$",
        service_definition,
        name="open311_service_definition",
    ),
    re_path(r"^requests\.(?P<fmt>\w+)$", requests_collection, name="open311_requests"),
    re_path(
        r"^requests/(?P<service_request_id>[\w-]+)\.(?P<fmt>\w+)$",
        request_detail,
        name="open311_request",
    ),
]
