from django.test import override_settings

from yiwang.core.health import WARNINGS, register_warning


def test_healthz_reports_each_part(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) >= {"database", "task_queue", "cache"}
    assert all(part["ok"] for part in body["checks"].values())


def test_healthz_503_names_the_failed_part(client, db):
    dead_cache = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    # Django's setting_changed handler rebuilds the cache connections for the override.
    with override_settings(CACHES=dead_cache):
        response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["cache"]["ok"] is False
    assert body["checks"]["database"]["ok"] is True


def test_healthz_shows_registered_warnings(client, db):
    def provider():
        return ["calendar year 2099 has no data"]

    register_warning(provider)
    try:
        body = client.get("/healthz").json()
    finally:
        WARNINGS.remove(provider)
    assert "calendar year 2099 has no data" in body["warnings"]


def test_metrics_in_prometheus_text_format(client, db):
    client.get("/healthz")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    text = response.content.decode()
    assert 'yiwang_http_requests_total{method="GET",route="healthz",status="200"}' in text
    assert "yiwang_http_request_duration_seconds_bucket" in text
    assert "yiwang_task_queue_depth" in text
