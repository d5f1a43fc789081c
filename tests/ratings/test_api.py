"""The ratings API: pending services and the rating (person served only), the department's
差评 worklist and actions; permission cases and problem+json errors."""

from __future__ import annotations

import pytest

from yiwang.ratings.models import Rating


def _as(client, user):
    client.force_login(user)
    return client


def test_pending_and_rate_through_the_api(client, rt, make_event):
    event = make_event()
    api = _as(client, rt.citizen)
    pending = api.get("/api/v1/ratings/events/pending").json()
    assert [e["id"] for e in pending] == [event.pk]
    assert pending[0]["dimensions"] == [
        "overall",
        "efficiency",
        "guide_accuracy",
        "convenience",
        "usability",
    ]
    response = api.post(
        f"/api/v1/ratings/events/{event.pk}/rating",
        {"level": "satisfied", "dimensions": {"overall": 4}},
        content_type="application/json",
    )
    assert response.status_code == 201 and response.json()["level"] == "satisfied"
    again = api.post(
        f"/api/v1/ratings/events/{event.pk}/rating",
        {"level": "satisfied"},
        content_type="application/json",
    )
    assert again.status_code == 409 and again.json()["code"] == "ratings.already_rated"
    assert api.get("/api/v1/ratings/events/pending").json() == []


def test_rating_someone_elses_service_is_404(client, rt, make_event):
    event = make_event()
    response = _as(client, rt.other).post(
        f"/api/v1/ratings/events/{event.pk}/rating",
        {"level": "very_dissatisfied", "comment": "恶意"},
        content_type="application/json",
    )
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert not Rating.objects.exists()


def test_anonymous_callers_are_401(client, rt, make_event):
    event = make_event()
    assert client.get("/api/v1/ratings/events/pending").status_code == 401
    response = client.post(
        f"/api/v1/ratings/events/{event.pk}/rating",
        {"level": "satisfied"},
        content_type="application/json",
    )
    assert response.status_code == 401
    assert client.get("/api/v1/ratings/negative").status_code == 401


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"level": "great"}, "level"),
        ({"level": "satisfied", "dimensions": {"overall": 9}}, "dimensions.overall"),
        ({"level": "dissatisfied"}, "comment"),
        ({}, "level"),
    ],
)
def test_bad_ratings_are_422_with_the_field(client, rt, make_event, payload, field):
    event = make_event()
    response = _as(client, rt.citizen).post(
        f"/api/v1/ratings/events/{event.pk}/rating", payload, content_type="application/json"
    )
    assert response.status_code == 422
    assert field in {e["field"] for e in response.json()["errors"]}


def test_the_department_handles_its_negative_ratings(client, rt, negative):
    api = _as(client, rt.handler)
    page = api.get("/api/v1/ratings/negative").json()
    assert page["count"] == 1 and page["items"][0]["id"] == negative.pk
    assert page["items"][0]["handling"] == "verifying"
    illegal = api.post(
        f"/api/v1/ratings/negative/{negative.pk}/actions",
        {"action": "feedback", "text": "已处理"},
        content_type="application/json",
    )
    assert illegal.status_code == 409 and illegal.json()["code"] == "ratings.illegal_transition"
    missing = api.post(
        f"/api/v1/ratings/negative/{negative.pk}/actions",
        {"action": "verify", "note": "回访"},
        content_type="application/json",
    )
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "rectify"
    done = api.post(
        f"/api/v1/ratings/negative/{negative.pk}/actions",
        {"action": "verify", "note": "回访属实", "rectify": True},
        content_type="application/json",
    )
    assert done.status_code == 200 and done.json()["handling"] == "rectifying"
    assert done.json()["rectify_deadline"]


def test_other_departments_and_public_accounts_see_nothing(client, rt, negative):
    other = _as(client, rt.dm_handler)
    assert other.get("/api/v1/ratings/negative").json()["count"] == 0
    assert other.get(f"/api/v1/ratings/negative/{negative.pk}").status_code == 404
    response = other.post(
        f"/api/v1/ratings/negative/{negative.pk}/actions",
        {"action": "verify", "note": "n", "rectify": False},
        content_type="application/json",
    )
    assert response.status_code == 404
    citizen = _as(client, rt.citizen)
    assert citizen.get("/api/v1/ratings/negative").json()["count"] == 0


def test_the_authority_decides_an_appeal_through_the_api(client, rt, negative):
    _as(client, rt.handler).post(
        f"/api/v1/ratings/negative/{negative.pk}/actions",
        {"action": "appeal", "reason": "评价人当日未到窗口"},
        content_type="application/json",
    )
    wrong_role = client.post(
        f"/api/v1/ratings/negative/{negative.pk}/actions",
        {"action": "appeal_decide", "upheld": True, "note": "n"},
        content_type="application/json",
    )
    assert wrong_role.status_code == 404
    response = _as(client, rt.reviewer).post(
        f"/api/v1/ratings/negative/{negative.pk}/actions",
        {"action": "appeal_decide", "upheld": True, "note": "属恶意评价"},
        content_type="application/json",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["excluded"] and body["appeal"]["decision"] == "upheld"


def test_list_queries_do_not_grow_with_rows(client, rt, make_event, django_assert_max_num_queries):
    from yiwang.ratings import services

    def negatives(n):
        for _ in range(n):
            event = make_event()
            services.rating_submit(
                actor=rt.citizen, event_id=event.pk, level="dissatisfied", comment="差"
            )

    api = _as(client, rt.handler)
    negatives(2)
    with django_assert_max_num_queries(8) as few:
        assert api.get("/api/v1/ratings/negative").json()["count"] == 2
    negatives(5)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert api.get("/api/v1/ratings/negative").json()["count"] == 7
    citizen = _as(client, rt.citizen)
    for _ in range(3):
        make_event()
    with django_assert_max_num_queries(6):
        assert len(citizen.get("/api/v1/ratings/events/pending").json()) == 3
