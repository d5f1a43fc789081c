"""Prometheus metrics: HTTP request counts and latencies, task queue depth (/metrics).

Metrics are per process; with several WSGI processes each exposes its own (documented in
docs/architecture.md). Route labels use the URL pattern, never the raw path, so the number of
series stays bounded.
"""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

REGISTRY = CollectorRegistry(auto_describe=True)
REQUESTS = Counter(
    "yiwang_http_requests_total",
    "HTTP requests served",
    ["method", "route", "status"],
    registry=REGISTRY,
)
LATENCY = Histogram(
    "yiwang_http_request_duration_seconds",
    "HTTP request latency",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
    registry=REGISTRY,
)


class _QueueCollector:
    def collect(self):
        from huey.contrib.djhuey import HUEY

        gauge = GaugeMetricFamily("yiwang_task_queue_depth", "Tasks waiting in the queue")
        scheduled = GaugeMetricFamily("yiwang_task_scheduled", "Tasks scheduled for later")
        try:
            gauge.add_metric([], HUEY.pending_count())
            scheduled.add_metric([], HUEY.scheduled_count())
        except Exception:  # queue down: report nothing rather than fail the scrape
            return
        yield gauge
        yield scheduled


REGISTRY.register(_QueueCollector())


class MetricsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        start = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        route = (match.route or match.view_name) if match else "unmatched"
        REQUESTS.labels(request.method, route, str(response.status_code)).inc()
        LATENCY.labels(request.method, route).observe(time.perf_counter() - start)
        return response


def exposition() -> bytes:
    return generate_latest(REGISTRY)
