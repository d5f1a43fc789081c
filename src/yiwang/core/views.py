"""Operational endpoints: /healthz and /metrics."""

from __future__ import annotations

from django.http import HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from yiwang.core.health import run_checks
from yiwang.core.metrics import exposition


@require_GET
def healthz(request):
    healthy, body = run_checks()
    return JsonResponse(
        body, status=200 if healthy else 503, json_dumps_params={"ensure_ascii": False}
    )


@require_GET
def metrics(request):
    return HttpResponse(exposition(), content_type="text/plain; version=0.0.4; charset=utf-8")
