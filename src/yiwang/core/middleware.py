"""Request context (request id, source IP) and 等保 session rules (idle timeout, expiry)."""

from __future__ import annotations

import time

from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse

from yiwang.core.context import bind, new_request_id


def client_ip(request) -> str | None:
    # REMOTE_ADDR only: X-Forwarded-For is trusted only when a proxy is configured to set it,
    # which production deployments do by overriding REMOTE_ADDR at the proxy/WSGI layer.
    return request.META.get("REMOTE_ADDR") or None


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request.headers.get("X-Request-ID", "")[:64] or new_request_id()
        channel = "api" if request.path.startswith("/api/") else "web"
        with bind(request_id=request_id, ip=client_ip(request), channel=channel):
            request.request_id = request_id
            response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response


TOUCHED_KEY = "yiwang_touched"  # epoch seconds when the session's expiry last slid
TOUCH_EVERY = 60  # seconds: the sliding expiry is written at most once a minute


def session_keep_alive(session, idle_seconds: int, now: int | None = None) -> None:
    """Slide the idle expiry of a signed-in session, writing it only when needed.

    Django saves a session whenever it is marked modified, and every ``set_expiry`` call marks
    it so. Calling it on every request wrote the session row on every request, so parallel
    requests of one browser (page + htmx fragments) queued on SQLite's single writer until one
    got "database is locked" (Django answers that with a 400). Here the expiry is stored only
    when the policy's value changes, and the sliding window is renewed at most every
    :data:`TOUCH_EVERY` seconds: the session then ends between ``idle_seconds - TOUCH_EVERY``
    and ``idle_seconds`` after the last request — never later than the policy says."""
    now = int(time.time()) if now is None else now
    if session.get("_session_expiry") != idle_seconds:
        session.set_expiry(idle_seconds)
    touched = session.get(TOUCHED_KEY)
    if not isinstance(touched, int) or not 0 <= now - touched < TOUCH_EVERY:
        session[TOUCHED_KEY] = now  # marks the session modified: saved with a new expiry
    elif session.modified:
        # Saved anyway (sign-in, a message …): take the chance to slide the window.
        session[TOUCHED_KEY] = now


class SessionSecurityMiddleware:
    """Idle timeout from the security policy; staff with an expired password must change it.

    The idle timeout is a sliding session expiry kept by :func:`session_keep_alive`: the
    session row is written when it changed or at most once a minute, not on every request."""

    EXEMPT_PREFIXES = ("/static/", "/healthz", "/metrics", "/api/", "/i18n/")

    def __init__(self, get_response):
        self.get_response = get_response

    def _applies(self, request) -> bool:
        user = getattr(request, "user", None)
        return (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(self.EXEMPT_PREFIXES)
        )

    def __call__(self, request):
        if self._applies(request):
            from yiwang.core.services.security import password_expired, security_policy_get

            user = request.user
            session_keep_alive(request.session, security_policy_get().idle_timeout_minutes * 60)
            if not user.is_active:
                logout(request)
            elif password_expired(user):
                target = reverse("portal:password_change")
                if request.path not in (target, reverse("portal:logout")):
                    return redirect(f"{target}?expired=1")
        response = self.get_response(request)
        if self._applies(request) and request.session.modified:
            # Signed in during this request (or the session is saved anyway): stamp the expiry
            # now, so the next requests need not write the session.
            from yiwang.core.services.security import security_policy_get

            session_keep_alive(request.session, security_policy_get().idle_timeout_minutes * 60)
        return response
