"""Shared pieces of the JSON API: authentication, RFC 9457 problem details, pagination.

Every app's router uses :data:`auth_any` (session or bearer token) and raises
:class:`yiwang.core.errors.DomainError` subclasses; :func:`install_error_handlers` turns them,
ninja's validation errors and Django's 404/403 into ``application/problem+json``.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from django.http import Http404, HttpRequest, JsonResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import APIKeyCookie, HttpBearer

from yiwang.core.context import current
from yiwang.core.errors import DomainError, InvalidInput

PROBLEM_CONTENT_TYPE = "application/problem+json"


def problem(
    request: HttpRequest | None,
    status: int,
    code: str,
    title: str,
    *,
    detail: str = "",
    errors: list[dict[str, Any]] | None = None,
) -> JsonResponse:
    body: dict[str, Any] = {
        "type": f"https://yiwang.dev/problems/{code}",
        "title": title,
        "status": status,
        "code": code,
        "detail": detail or title,
        "instance": request.path if request is not None else None,
        "request_id": current().request_id,
    }
    if errors:
        body["errors"] = errors
    response = JsonResponse(
        body,
        status=status,
        content_type=PROBLEM_CONTENT_TYPE,
        json_dumps_params={"ensure_ascii": False},
    )
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="yiwang"'
    return response


_TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    409: "Conflict",
    422: "Unprocessable content",
    429: "Too many requests",
}


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(DomainError)
    def domain_error(request, exc: DomainError):
        return problem(
            request,
            exc.status,
            exc.code,
            _TITLES.get(exc.status, "Error"),
            detail=exc.message,
            errors=exc.errors,
        )

    @api.exception_handler(ValidationError)
    def validation_error(request, exc: ValidationError):
        errors = []
        for err in exc.errors:
            loc = [
                str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "payload")
            ]
            errors.append(
                {
                    "field": ".".join(loc) or None,
                    "code": err.get("type", "invalid"),
                    "message": err.get("msg", ""),
                }
            )
        return problem(
            request,
            422,
            "invalid",
            _TITLES[422],
            detail="; ".join(f"{e['field']}: {e['message']}" for e in errors),
            errors=errors,
        )

    @api.exception_handler(AuthenticationError)
    def auth_error(request, exc):
        return problem(
            request,
            401,
            "unauthenticated",
            _TITLES[401],
            detail="Authentication required: session or 'Authorization: Bearer <token>'.",
        )

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        return problem(
            request,
            exc.status_code,
            f"http_{exc.status_code}",
            _TITLES.get(exc.status_code, "Error"),
            detail=str(exc),
        )

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return problem(request, 404, "not_found", _TITLES[404], detail="Not found.")


class BearerToken(HttpBearer):
    """``Authorization: Bearer yw_...``: an API token of a client application."""

    def authenticate(self, request, token):
        from yiwang.core.services.tokens import api_token_authenticate

        user = api_token_authenticate(token)  # raises TokenRejected (401) with a precise code
        request.user = user
        return user


class SessionAuth(APIKeyCookie):
    """The signed-in web session (CSRF checked for unsafe methods)."""

    param_name = "sessionid"

    def __init__(self) -> None:
        super().__init__(csrf=True)

    def authenticate(self, request, key):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return user
        return None


auth_any = [BearerToken(), SessionAuth()]


class Page(Schema):
    """Cursor pagination envelope."""

    next_cursor: str | None = None
    count: int | None = None


def encode_cursor(values: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values, default=str).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> dict[str, Any] | None:
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, json.JSONDecodeError):
        raise InvalidInput(
            "invalid_cursor",
            "The cursor is not valid.",
            errors=[
                {"field": "cursor", "code": "invalid_cursor", "message": "The cursor is not valid."}
            ],
        ) from None
    if not isinstance(value, dict):
        raise InvalidInput("invalid_cursor", "The cursor is not valid.")
    return value


def keyset_page(qs, *, cursor: str | None, limit: int, key: str = "id", descending: bool = True):
    """Keyset pagination over a unique, monotonic ``key``; returns (items, next_cursor)."""
    limit = max(1, min(limit, 500))
    after = decode_cursor(cursor)
    if after is not None:
        if key not in after:
            raise InvalidInput("invalid_cursor", "The cursor is not valid.")
        qs = qs.filter(**{f"{key}__lt" if descending else f"{key}__gt": after[key]})
    items = list(qs.order_by(f"-{key}" if descending else key)[: limit + 1])
    next_cursor = None
    if len(items) > limit:
        items = items[:limit]
        next_cursor = encode_cursor({key: getattr(items[-1], key)})
    return items, next_cursor
