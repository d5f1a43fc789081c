"""跨市联动 inbound endpoints (``/hotline/interop/v1/``): plain JSON views for other cities'
yiwang instances, authenticated by an HMAC signature instead of a session (hence CSRF-exempt).

Errors are RFC 9457 problem details like the rest of the API. A message that fails
verification is logged and audited (``hotline.transfer.rejected``) without its body.
"""

from __future__ import annotations

import json

from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from yiwang.core.api_base import _TITLES, problem
from yiwang.core.context import bind
from yiwang.core.errors import DomainError
from yiwang.hotline import services, signing
from yiwang.hotline.services.transfer import transfer_rejection_record

MAX_BODY_BYTES = 64 * 1024


def _verified(request: HttpRequest) -> tuple[signing.Peer | None, JsonResponse | None, dict]:
    """(peer, None, payload) for a verified JSON object, else (None, error response, {})."""
    city = request.headers.get(signing.HEADER_CITY)
    if len(request.body) > MAX_BODY_BYTES:
        return None, problem(request, 413, "hotline.interop.too_large", "Content too large"), {}
    try:
        peer = signing.verify(
            city=city,
            timestamp=request.headers.get(signing.HEADER_TIMESTAMP),
            sig=request.headers.get(signing.HEADER_SIGNATURE),
            method=request.method or "POST",
            path=request.path,
            body=request.body,
        )
    except signing.SignatureError as exc:
        transfer_rejection_record(
            city=city or "", code=exc.code, path=request.path, status=exc.status
        )
        return (
            None,
            problem(request, exc.status, exc.code, _TITLES[exc.status], detail=exc.message),
            {},
        )
    try:
        payload = json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        payload = None
    if not isinstance(payload, dict):
        return (
            None,
            problem(
                request,
                400,
                "hotline.interop.malformed",
                _TITLES[400],
                detail="The body must be a JSON object (UTF-8).",
            ),
            {},
        )
    return peer, None, payload


def _error(request: HttpRequest, exc: DomainError) -> JsonResponse:
    return problem(
        request,
        exc.status,
        exc.code,
        _TITLES.get(exc.status, "Error"),
        detail=exc.message,
        errors=exc.errors,
    )


def _post_only(request: HttpRequest) -> JsonResponse | None:
    if request.method == "POST":
        return None
    response = problem(request, 405, "hotline.interop.method", "Method not allowed")
    response["Allow"] = "POST"
    return response


@csrf_exempt
def transfers(request: HttpRequest) -> JsonResponse:
    """Receive an order from another city: 201 with our number, 200 for a replay."""
    if (refused := _post_only(request)) is not None:
        return refused
    with bind(channel="interop"):
        peer, error, payload = _verified(request)
        if error is not None:
            return error
        try:
            transfer, created = services.transfer_receive(peer=peer.code, payload=payload)
        except DomainError as exc:
            return _error(request, exc)
        return JsonResponse(
            {
                "message_id": transfer.message_id,
                "number": transfer.order.number,
                "status": transfer.state,
            },
            status=201 if created else 200,
            json_dumps_params={"ensure_ascii": False},
        )


@csrf_exempt
def outcomes(request: HttpRequest) -> JsonResponse:
    """Receive the outcome of an order we transferred: 200 (also for a replay)."""
    if (refused := _post_only(request)) is not None:
        return refused
    with bind(channel="interop"):
        peer, error, payload = _verified(request)
        if error is not None:
            return error
        try:
            transfer = services.transfer_outcome_receive(peer=peer.code, payload=payload)
        except DomainError as exc:
            return _error(request, exc)
        return JsonResponse(
            {"message_id": transfer.message_id, "status": transfer.state},
            json_dumps_params={"ensure_ascii": False},
        )


app_name = "hotline_interop"

urlpatterns = [
    path("transfers", transfers, name="transfers"),
    path("outcomes", outcomes, name="outcomes"),
]
