"""Statistics computed from the ratings: 好评率 / 差评率, counts per level, by channel,
department, district and item; excluded ratings count nowhere; the public API."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from yiwang.ratings import facade, services, stats
from yiwang.ratings.models import Rating, ServiceEvent


@pytest.fixture
def rated(rt, make_event):
    """12 services: 香洲 online 6 (4 very satisfied, 1 satisfied, 1 dissatisfied), 斗门 window
    4 (2 satisfied, 1 very dissatisfied, 1 default), city level online 2 (neutral, and a
    dissatisfied one excluded after an appeal)."""

    def rate(event, level, comment="差"):
        return services.rating_submit(
            actor=rt.citizen, event_id=event.pk, level=level, comment=comment
        )

    for level in ["very_satisfied"] * 4 + ["satisfied", "dissatisfied"]:
        rate(make_event(item_code="XK-1", item_name="食品经营许可"), level)
    for level in ["satisfied", "satisfied", "very_dissatisfied"]:
        rate(
            make_event(
                org=rt.dm_dept, channel="window", item_code="DJ-2", item_name="个体工商户登记"
            ),
            level,
        )
    make_event(
        org=rt.dm_dept, channel="window", days_ago=8, item_code="DJ-2", item_name="个体工商户登记"
    )
    services.rating_default_sweep(actor=None)
    rate(make_event(org=rt.city_dept, item_code="XK-1", item_name="食品经营许可"), "neutral")
    wrongful = rate(make_event(org=rt.city_dept, item_code="XK-1"), "dissatisfied")
    services.rating_appeal(actor=rt.reviewer_handler, rating_id=wrongful.pk, reason="恶意")
    services.rating_appeal_decide(
        actor=rt.reviewer, rating_id=wrongful.pk, upheld=True, note="属实"
    )
    return rt


@pytest.fixture
def rt_with_city_handler(rt):
    from tests.ratings.conftest import user
    from yiwang.core.choices import Role

    rt.reviewer_handler = user("rt-zsj", org=rt.city_dept, roles=[Role.CASE_HANDLER])
    return rt


def _week() -> stats.Period:
    today = timezone.localdate()
    return stats.Period(today - dt.timedelta(days=10), today)


@pytest.mark.usefixtures("rt_with_city_handler", "rated")
def test_figures_are_computed_from_the_ratings(rt):
    figures = stats.rating_stats(period=_week())
    assert figures["total"] == 11 and figures["excluded"] == 1
    assert figures["levels"] == {
        "very_satisfied": 4,
        "satisfied": 3,
        "neutral": 2,  # one rated, one default
        "dissatisfied": 1,
        "very_dissatisfied": 1,
    }
    assert (figures["good"], figures["bad"], figures["defaults"]) == (9, 2, 1)
    assert figures["good_rate"] == 81.82 and figures["bad_rate"] == 18.18
    by_channel = {r["key"]: (r["total"], r["bad"]) for r in figures["by_channel"]}
    assert by_channel == {"online": (7, 1), "window": (4, 1)}
    by_department = {r["name"]: (r["total"], r["good_rate"]) for r in figures["by_department"]}
    assert by_department == {
        "香洲区市场监督管理局": (6, 83.33),
        "斗门区市场监督管理局": (4, 75.0),
        "市政务服务数据管理局": (1, 100.0),
    }
    by_district = {r["key"]: (r["name"], r["total"]) for r in figures["by_district"]}
    assert by_district == {
        rt.xz.pk: ("香洲区", 6),
        rt.dm.pk: ("斗门区", 4),
        None: ("City level", 1),
    }
    by_item = {r["key"]: r["total"] for r in figures["by_item"]}
    assert by_item == {"XK-1": 7, "DJ-2": 4}


@pytest.mark.usefixtures("rt_with_city_handler", "rated")
def test_filters_and_the_period(rt):
    window = stats.rating_stats(period=_week(), channel="window")
    assert (window["total"], window["bad"]) == (4, 1)
    xz = stats.rating_stats(period=_week(), district_id=rt.xz.pk)
    assert xz["total"] == 6
    dept = stats.rating_stats(period=_week(), organisation_id=rt.dm.pk)  # a subtree
    assert dept["total"] == 4
    item = stats.rating_stats(period=_week(), item_code="DJ-2")
    assert item["total"] == 4
    # services delivered before the period do not count
    ServiceEvent.objects.filter(item_code="DJ-2").update(
        served_at=timezone.now() - dt.timedelta(days=40)
    )
    assert stats.rating_stats(period=_week())["total"] == 7
    facade_figures = facade.rating_stats(start=_week().start, end=_week().end)
    assert facade_figures["total"] == 7


def test_no_ratings_give_no_rates(db):
    figures = stats.rating_stats(period=_week())
    assert figures["total"] == 0 and figures["good_rate"] is None and figures["by_department"] == []


@pytest.mark.usefixtures("rt_with_city_handler", "rated")
def test_the_public_api_needs_no_sign_in(client):
    today = timezone.localdate()
    response = client.get(
        "/api/v1/ratings/stats", {"start": str(today - dt.timedelta(days=10)), "end": str(today)}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 11 and body["good_rate"] == 81.82 and body["excluded"] == 1
    assert "comment" not in response.content.decode()
    assert Rating.objects.filter(comment="差").exists()  # comments exist but are not published


@pytest.mark.parametrize(
    "query",
    [
        {"start": "2026-05-01", "end": "2026-04-01"},  # reversed
        {"start": "2010-01-01", "end": "2026-01-01"},  # longer than three years
        {"start": "yesterday"},
        {"channel": "fax"},
    ],
)
def test_bad_stats_queries_are_422(client, db, query):
    response = client.get("/api/v1/ratings/stats", query)
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
