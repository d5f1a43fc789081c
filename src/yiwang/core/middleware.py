"""Request context (request id, source IP) and 等保 session rules (idle timeout, expiry)."""

from __future__ import annotations

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


class SessionSecurityMiddleware:
    """Idle timeout from the security policy; staff with an expired password must change it."""

    EXEMPT_PREFIXES = ("/static/", "/healthz", "/metrics", "/api/", "/i18n/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(self.EXEMPT_PREFIXES)
        ):
            from yiwang.core.services.security import password_expired, security_policy_get

            # Sliding expiry: the session ends after N idle minutes (saved on each request).
            request.session.set_expiry(security_policy_get().idle_timeout_minutes * 60)
            if not user.is_active:
                logout(request)
            elif password_expired(user):
                target = reverse("portal:password_change")
                if request.path not in (target, reverse("portal:logout")):
                    return redirect(f"{target}?expired=1")
        return self.get_response(request)
