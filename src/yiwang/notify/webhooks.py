"""Signed webhook POSTs and the signature check a receiver performs.

Every request carries ``X-Yiwang-Event`` (the template code), ``X-Yiwang-Delivery`` (the message
id, stable across retries: receivers use it to ignore duplicates), ``X-Yiwang-Timestamp`` (Unix
seconds) and ``X-Yiwang-Signature: sha256=<hex>``, the HMAC-SHA256 with the endpoint's secret
of ``"<timestamp>.<raw body>"``. :func:`verify_signature` is the receiver's side.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlsplit

SIGNATURE_HEADER = "X-Yiwang-Signature"
TIMESTAMP_HEADER = "X-Yiwang-Timestamp"
EVENT_HEADER = "X-Yiwang-Event"
DELIVERY_HEADER = "X-Yiwang-Delivery"
DEFAULT_TOLERANCE_SECONDS = 300
USER_AGENT = "yiwang-webhooks/1"


class WebhookError(Exception):
    """The receiver did not accept the delivery (timeout, connection error, non-2xx)."""


def sign(secret: str, timestamp: int | str, body: bytes) -> str:
    """``sha256=<hex>`` over ``"<timestamp>.<body>"``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def verify_signature(
    *,
    secret: str,
    body: bytes,
    timestamp: str | None,
    signature: str | None,
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
    now: float | None = None,
) -> bool:
    """True when ``signature`` is valid for ``body`` and ``timestamp`` is recent.

    Receivers pass the raw request body (before JSON parsing) and the two headers. The
    timestamp window (default ±5 minutes) stops an intercepted request from being replayed.
    """
    if not secret or not timestamp or not signature:
        return False
    try:
        sent_at = int(timestamp)
    except ValueError:
        return False
    if abs((time.time() if now is None else now) - sent_at) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, sent_at, body), signature.strip())


def encode_body(document: dict) -> bytes:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"), default=str).encode()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # A redirect would turn the POST into a GET to a host nobody configured: treat as failure.
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


@dataclass(frozen=True)
class WebhookResponse:
    status: int
    body: str


def post(
    *,
    url: str,
    secret: str,
    event: str,
    delivery_id: str,
    document: dict,
    timeout: float,
    now: float | None = None,
) -> WebhookResponse:
    """POST ``document`` as signed JSON; raise :class:`WebhookError` unless the answer is 2xx."""
    if urlsplit(url).scheme not in {"http", "https"}:
        raise WebhookError(f"refusing a non-HTTP webhook URL scheme: {urlsplit(url).scheme!r}")
    body = encode_body(document)
    timestamp = str(int(time.time() if now is None else now))
    request = urllib.request.Request(  # noqa: S310 - scheme checked above: http(s) only
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": USER_AGENT,
            EVENT_HEADER: event,
            DELIVERY_HEADER: delivery_id,
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: sign(secret, timestamp, body),
        },
    )
    try:
        with _opener.open(request, timeout=timeout) as response:
            status = response.status
            text = response.read(2048).decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        raise WebhookError(f"HTTP {exc.code} from receiver") from None
    except TimeoutError:
        raise WebhookError(f"timed out after {timeout:g} s") from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, TimeoutError):
            raise WebhookError(f"timed out after {timeout:g} s") from None
        raise WebhookError(f"connection failed: {reason}") from None
    except OSError as exc:
        raise WebhookError(f"connection failed: {exc}") from None
    if not 200 <= status < 300:
        raise WebhookError(f"HTTP {status} from receiver")
    return WebhookResponse(status=status, body=text)
