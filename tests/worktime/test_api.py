"""The public API: POST /api/v1/worktime/deadlines and /between, GET /calendars."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.django_db

DEADLINES = "/api/v1/worktime/deadlines"
BETWEEN = "/api/v1/worktime/between"


def post(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def test_deadlines_in_order_with_offsets_and_without_authentication(client):
    items = [
        {"start": "2026-09-30T16:20:00+08:00", "working_days": 2},
        {"start": "2026-09-30T16:20:00+08:00", "working_hours": 1},
        {"start": "2024-02-09T02:00:00Z", "working_days": 1, "calendar": "CN"},
        {"start": "2026-09-30T16:20:00+08:00", "working_hours": 2.5},
        {"start": "2025-09-30T16:20:00+08:00", "working_days": 3},
    ]
    response = post(client, DEADLINES, {"items": items})
    assert response.status_code == 200, response.content
    body = response.json()
    assert [item["deadline"] for item in body["items"]] == [
        "2026-10-09T17:30:00+08:00",
        "2026-09-30T17:20:00+08:00",
        "2024-02-18T17:30:00+08:00",
        "2026-10-08T09:50:00+08:00",
        "2025-10-11T17:30:00+08:00",
    ]
    assert all(item["warnings"] == [] for item in body["items"])
    assert body["warnings"] == []


def test_uncovered_year_carries_a_warning(client):
    items = [
        {"start": "2026-12-30T10:00:00+08:00", "working_days": 5},
        {"start": "2027-03-01T10:00:00+08:00", "working_days": 1},
        {"start": "2026-03-02T10:00:00+08:00", "working_days": 1},
    ]
    body = post(client, DEADLINES, {"items": items}).json()
    assert body["items"][0]["deadline"] == "2027-01-06T17:30:00+08:00"
    assert body["items"][0]["warnings"] and "2027" in body["items"][0]["warnings"][0]
    assert body["items"][2]["warnings"] == []
    assert body["warnings"] == body["items"][0]["warnings"]  # distinct warnings once


def test_ten_thousand_items_are_accepted_one_more_is_422(client):
    item = {"start": "2026-09-30T16:20:00+08:00", "working_days": 1}
    response = post(client, DEADLINES, {"items": [item] * 10_000})
    assert response.status_code == 200
    assert len(response.json()["items"]) == 10_000
    response = post(client, DEADLINES, {"items": [item] * 10_001})
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == "items"


def test_bad_items_get_per_field_errors(client):
    items = [
        {"start": "2026-09-30T16:20:00+08:00", "working_days": 1},
        {"start": "2026-09-30T16:20:00", "working_days": 1},  # naive
        {"start": "2026-09-30T16:20:00+08:00", "working_days": -1},
        {"start": "2026-02-30T09:00:00+08:00", "working_days": 1},  # no such date
        {"start": "2026-09-30T16:20:00+08:00"},  # no amount
        {"start": "2026-09-30T16:20:00+08:00", "working_days": 1, "working_hours": 1},
        {"start": "yesterday", "working_hours": 1},
    ]
    response = post(client, DEADLINES, {"items": items})
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 422 and problem["type"].startswith("https://")
    fields = [e["field"] for e in problem["errors"]]
    assert fields == [
        "items.1.start",
        "items.2.working_days",
        "items.3.start",
        "items.4",
        "items.5",
        "items.6.start",
    ]
    assert problem["errors"][0]["code"] == "timezone_aware"


def test_domain_errors_of_items_are_per_field_too(client):
    items = [
        {"start": "2026-09-30T16:20:00+08:00", "working_days": 1},
        {"start": "2026-09-30T16:20:00+08:00", "working_days": 1, "calendar": "XX"},
        {"start": "2100-12-30T16:20:00+08:00", "working_days": 3},
        {"start": "1980-01-01T00:00:00+08:00", "working_hours": 1},
    ]
    response = post(client, DEADLINES, {"items": items})
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert [(e["field"], e["code"]) for e in errors] == [
        ("items.1.calendar", "worktime.unknown_calendar"),
        ("items.2.working_days", "worktime.out_of_range"),
        ("items.3.start", "worktime.out_of_range"),
    ]


def test_malformed_bodies(client):
    assert post(client, DEADLINES, {"items": "x"}).status_code == 422
    assert post(client, DEADLINES, {}).status_code == 422
    response = client.post(DEADLINES, data="{", content_type="application/json")
    assert response.status_code in (400, 422)


def test_between_with_pauses(client):
    body = {
        "start": "2026-09-30T10:00:00+08:00",
        "end": "2026-10-08T10:00:00+08:00",
        "pauses": [
            {"start": "2026-09-30T11:00:00+08:00", "end": "2026-09-30T15:00:00+08:00"},
            {"start": "2026-09-30T14:30:00+08:00", "end": "2026-09-30T16:00:00+08:00"},
        ],
    }
    response = post(client, BETWEEN, body)
    assert response.status_code == 200
    assert response.json() == {"minutes": 240, "seconds": 240 * 60, "warnings": []}


def test_between_errors(client):
    response = post(
        client, BETWEEN, {"start": "2026-09-30T10:00:00+08:00", "end": "2026-09-29T10:00:00+08:00"}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "end"
    response = post(
        client, BETWEEN, {"start": "2026-09-30T10:00:00", "end": "2026-10-01T10:00:00+08:00"}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "start"


def test_calendars_lists_coverage(client):
    response = client.get("/api/v1/worktime/calendars")
    assert response.status_code == 200
    (national,) = response.json()
    assert national["code"] == "CN" and national["time_zone"] == "Asia/Shanghai"
    assert national["covered_years"] == list(range(2004, 2027))
    assert national["office_hours"] == [
        {"start": "08:30:00", "end": "12:00:00"},
        {"start": "14:00:00", "end": "17:30:00"},
    ]


def test_openapi_contract(client):
    schema = client.get("/api/v1/openapi.json").json()
    operations = {
        (path, method): op
        for path, methods in schema["paths"].items()
        if path.startswith("/api/v1/worktime/")
        for method, op in methods.items()
    }
    assert {op["operationId"] for op in operations.values()} == {
        "worktime_deadlines",
        "worktime_between",
        "worktime_calendars",
    }
    for op in operations.values():
        assert op["tags"] == ["worktime"]
        assert op["summary"]
        assert not op.get("security")  # public computation: auth=None


def test_a_large_mixed_batch_is_written_exactly_as_the_response_schema_renders_it(client):
    """The bulk response is written directly; it must be what ninja would render, byte for byte."""
    import datetime as dt
    import random

    from ninja.responses import NinjaJSONEncoder

    from yiwang.worktime import api, facade, services

    services.calendar_create(actor=None, code="UTC", name="UTC office", time_zone="UTC")
    rng = random.Random(3)
    items = []
    for n in range(600):
        start = dt.datetime(2020, 1, 1, tzinfo=dt.UTC) + dt.timedelta(
            seconds=rng.uniform(0, 12 * 365 * 86400)  # into years without data: warnings
        )
        zone = dt.timezone(dt.timedelta(hours=rng.choice([8, 0, -5])))
        item = {"start": start.astimezone(zone).isoformat()}  # microseconds kept
        if n % 3 == 0:
            item["working_hours"] = rng.choice([1, 2.5, 0.25, 7])
        else:
            item["working_days"] = rng.randint(0, 25)
        if n % 10 == 0:
            item["calendar"] = "UTC"  # results in UTC: written with Z
        items.append(item)
    response = post(client, DEADLINES, {"items": items})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"

    requests = []
    for item in items:
        parsed = api.DeadlineItemIn.model_validate(item)
        requests.append(
            facade.DeadlineRequest(
                parsed.start, parsed.working_days, parsed.working_hours, parsed.calendar
            )
        )
    singles = [
        facade.add_working_days(r.start, r.working_days, r.calendar)
        if r.working_hours is None
        else facade.add_working_hours(r.start, r.working_hours, r.calendar)
        for r in requests
    ]
    expected = api.DeadlinesOut.model_validate(
        {
            "items": [{"deadline": r.deadline, "warnings": list(r.warnings)} for r in singles],
            "warnings": list(dict.fromkeys(w for r in singles for w in r.warnings)),
        }
    ).model_dump()
    assert response.content.decode() == json.dumps(expected, cls=NinjaJSONEncoder)
    body = response.json()
    assert any(item["deadline"].endswith("Z") for item in body["items"])
    assert any("." in item["deadline"] for item in body["items"])  # milliseconds, as before
    assert body["warnings"]


def test_items_that_are_not_objects_report_their_missing_start(client):
    items = [1, None, "x", ["2026-09-30T16:20:00+08:00", 1], {"start": "2026-09-30T16:20:00+08:00"}]
    response = post(client, DEADLINES, {"items": items})
    assert response.status_code == 422
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [
        ("items.0.start", "missing"),
        ("items.1.start", "missing"),
        ("items.2.start", "missing"),
        ("items.3.start", "missing"),
        ("items.4", "value_error"),
    ]
