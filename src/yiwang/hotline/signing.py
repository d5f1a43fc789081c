"""跨市联动 peers and message signing: HMAC-SHA256 over timestamp, method, path and body.

Peers and their shared secrets come only from the environment (``YIWANG_HOTLINE_PEERS``), never
from the database. The same secret signs what we send to a peer and verifies what it sends us.
See docs/modules/hotline-transfer.md for the wire format.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from yiwang import config

HEADER_CITY = "X-Yiwang-City"
HEADER_TIMESTAMP = "X-Yiwang-Timestamp"
HEADER_SIGNATURE = "X-Yiwang-Signature"
SIGNATURE_VERSION = "v1"
MAX_SKEW_SECONDS = 300
MIN_SECRET_LENGTH = 32
API_PREFIX = "hotline/interop/v1/"

_CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
_SIGNATURE = re.compile(r"^v1=([0-9a-f]{64})$")


@dataclass(frozen=True)
class Peer:
    code: str
    name: str
    url: str  # base URL of the peer's yiwang, ending with "/"
    secret: str

    def endpoint(self, name: str) -> str:
        return f"{self.url}{API_PREFIX}{name}"


class SignatureError(Exception):
    """An inbound message failed verification; ``status`` is 401 or 403, ``code`` is stable."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def peers() -> dict[str, Peer]:
    """The configured peers by city code (``ConfigError`` naming the variable when malformed)."""
    raw = config.get("YIWANG_HOTLINE_PEERS")
    if not raw:
        return {}
    name = "YIWANG_HOTLINE_PEERS"
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise config.ConfigError(f"{name} is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise config.ConfigError(f"{name} must be a JSON object keyed by city code")
    result = {}
    for code, entry in data.items():
        if not isinstance(code, str) or not _CODE.match(code):
            raise config.ConfigError(f"{name}: city code {code!r} must match {_CODE.pattern}")
        if not isinstance(entry, dict):
            raise config.ConfigError(f"{name}[{code}] must be an object with url and secret")
        url = str(entry.get("url") or "")
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise config.ConfigError(f"{name}[{code}].url must be an http(s) URL")
        secret = str(entry.get("secret") or "")
        if len(secret) < MIN_SECRET_LENGTH:
            raise config.ConfigError(
                f"{name}[{code}].secret must have at least {MIN_SECRET_LENGTH} characters"
            )
        result[code] = Peer(
            code=code,
            name=str(entry.get("name") or code),
            url=url if url.endswith("/") else url + "/",
            secret=secret,
        )
    return result


def own_city_code() -> str:
    """This instance's city code: ``YIWANG_HOTLINE_CITY_CODE`` or the first city's code."""
    code = config.get("YIWANG_HOTLINE_CITY_CODE")
    if code:
        return code
    from yiwang.hotline.services.intake import _default_city_id, ref_code

    return ref_code(_default_city_id(None))


def signature(secret: str, timestamp: str, method: str, path: str, body: bytes) -> str:
    """``v1=<hex HMAC-SHA256(secret, timestamp "." METHOD "." path "." body)>``."""
    message = f"{timestamp}.{method.upper()}.{path}.".encode() + body
    digest = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    return f"{SIGNATURE_VERSION}={digest}"


def sign_headers(peer: Peer, method: str, url: str, body: bytes, *, now: float | None = None):
    """Headers for a request to ``url`` (its path is what gets signed)."""
    timestamp = str(int(now if now is not None else time.time()))
    return {
        HEADER_CITY: own_city_code(),
        HEADER_TIMESTAMP: timestamp,
        HEADER_SIGNATURE: signature(peer.secret, timestamp, method, urlsplit(url).path, body),
        "Content-Type": "application/json; charset=utf-8",
    }


def verify(
    *,
    city: str | None,
    timestamp: str | None,
    sig: str | None,
    method: str,
    path: str,
    body: bytes,
    now: float | None = None,
) -> Peer:
    """The peer that signed this request, or :class:`SignatureError`.

    401: a header is missing or malformed, the timestamp is outside ±5 minutes or the signature
    does not match; 403: the city is not one of our peers.
    """
    if not city or not timestamp or not sig:
        raise SignatureError(401, "hotline.interop.unsigned", "Missing signature headers.")
    peer = peers().get(city)
    if peer is None:
        raise SignatureError(403, "hotline.interop.unknown_city", "Unknown city.")
    if not timestamp.isdigit():
        raise SignatureError(401, "hotline.interop.bad_timestamp", "Malformed timestamp.")
    current = now if now is not None else time.time()
    if abs(current - int(timestamp)) > MAX_SKEW_SECONDS:
        raise SignatureError(401, "hotline.interop.stale", "Timestamp outside ±5 minutes.")
    match = _SIGNATURE.match(sig.strip())
    expected = signature(peer.secret, timestamp, method, path, body)
    if match is None or not hmac.compare_digest(expected, f"v1={match.group(1)}"):
        raise SignatureError(401, "hotline.interop.bad_signature", "Signature mismatch.")
    return peer
