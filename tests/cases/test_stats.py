"""一网通办 statistics (``yiwang.cases.stats``, ``GET /api/v1/cases/stats``, ``/cases/stats/``)
against values computed by hand on applications made through the real services.

Period 1–30 November 2026, "now" 25 November 12:00 (Beijing time):

| case | handling body (district) | submitted | what happened | 好差评 |
|---|---|---|---|---|
| A | 香洲区市场监督管理局 (香洲区) | 2 Nov | accepted, approved, completed 3 Nov | 非常满意 |
| B | 香洲区市场监督管理局 | 2 Nov | accepted 3 Nov, denied 20 Nov (late), completed | 不满意 |
| C | 斗门区市场监督管理局 (斗门区) | 2 Nov | accepted, open past its deadline: overdue | — |
| D | 市市场监督管理局 (city level) | 5 Nov | not accepted (不予受理) | — |
| E | 香洲区市场监督管理局 | 29 Oct | completed 4 Nov: only in the trend's completions | 满意 |
| F | 斗门区市场监督管理局 | 10 Nov | accepted 10 Nov, approved, completed 11 Nov | not rated |
| G | 香洲区市场监督管理局 | 1 Dec | after the period: counted nowhere | — |

Ratings are of the online channel (in the period: A, B, E). B's deadline was 10 November.
A window service of the 香洲区 bureau rated 非常不满意 is another channel and must not count.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from tests.cases.conftest import FOOD_FORM, at, food_files
from yiwang.cases import services, stats
from yiwang.catalog import facade as catalog
from yiwang.core.choices import Role
from yiwang.core.errors import Forbidden, InvalidInput
from yiwang.ratings import services as rating_services
from yiwang.ratings.models import ServiceEvent

pytestmark = pytest.mark.django_db

URL = "/api/v1/cases/stats"
NOV = {"start": dt.date(2026, 11, 1), "end": dt.date(2026, 11, 30)}
NOW = at(2026, 11, 25, 12, 0)


@pytest.fixture
def clocks(clock, monkeypatch):
    """One notion of now for the cases and the ratings services."""
    from yiwang.ratings import clock as ratings_clock

    monkeypatch.setattr(ratings_clock, "now", clock)
    return clock


def _submit(cs, clock, when, item):
    clock.set(when)
    return services.application_submit(
        actor=cs.citizen, item_id=item.pk, form=FOOD_FORM, files=food_files()
    ).number


def _rate(cs, clock, when, number, level, comment=""):
    clock.set(when)
    event = ServiceEvent.objects.get(subject_app="cases", subject_key=number)
    rating_services.rating_submit(actor=cs.citizen, event_id=event.pk, level=level, comment=comment)


def build_cases(cs, clock) -> SimpleNamespace:
    """The applications and ratings of the table above."""
    h, dmh = cs.handler, cs.dm_handler
    a = _submit(cs, clock, at(2026, 11, 2, 9, 0), cs.food)
    b = _submit(cs, clock, at(2026, 11, 2, 10, 0), cs.food)
    c = _submit(cs, clock, at(2026, 11, 2, 11, 0), cs.food_dm)
    clock.set(at(2026, 11, 2, 12, 0))
    services.case_accept(actor=dmh, number=c)
    clock.set(at(2026, 11, 3, 9, 0))
    services.case_accept(actor=h, number=a)
    services.case_accept(actor=h, number=b)
    clock.set(at(2026, 11, 3, 10, 0))
    services.case_decide(actor=h, number=a, decision="approve")
    services.case_complete(actor=h, number=a)
    _rate(cs, clock, at(2026, 11, 4, 9, 0), a, "very_satisfied")
    d = _submit(cs, clock, at(2026, 11, 5, 9, 0), cs.food_city)
    clock.set(at(2026, 11, 5, 10, 0))
    services.case_refuse(actor=cs.city_handler, number=d, reason="不属于本机关职权范围")

    e = _submit(cs, clock, at(2026, 10, 29, 9, 0), cs.food)
    clock.set(at(2026, 10, 29, 10, 0))
    services.case_accept(actor=h, number=e)
    clock.set(at(2026, 10, 30, 9, 0))
    services.case_decide(actor=h, number=e, decision="approve")
    clock.set(at(2026, 11, 4, 9, 0))
    services.case_complete(actor=h, number=e)
    _rate(cs, clock, at(2026, 11, 5, 9, 0), e, "satisfied")

    f = _submit(cs, clock, at(2026, 11, 10, 9, 0), cs.food_dm)
    clock.set(at(2026, 11, 10, 10, 0))
    services.case_accept(actor=dmh, number=f)
    clock.set(at(2026, 11, 11, 9, 0))
    services.case_decide(actor=dmh, number=f, decision="approve")
    services.case_complete(actor=dmh, number=f)

    clock.set(at(2026, 11, 20, 9, 0))
    services.case_decide(actor=h, number=b, decision="deny", reasons="经营场所不符合条件")
    clock.set(at(2026, 11, 20, 10, 0))
    services.case_complete(actor=h, number=b)
    _rate(cs, clock, at(2026, 11, 21, 9, 0), b, "dissatisfied", comment="审批超时")

    window = rating_services.service_event_record(
        actor=None,
        subject_app="window",
        subject_key="W-1",
        channel="window",
        item_code="010010004000",
        item_name="食品经营许可",
        organisation_id=cs.xz_dept.pk,
        served_at=at(2026, 11, 6, 9, 0),
        served_user_id=cs.citizen.pk,
    )[0]
    clock.set(at(2026, 11, 6, 10, 0))
    rating_services.rating_submit(
        actor=cs.citizen, event_id=window.pk, level="very_dissatisfied", comment="态度差"
    )
    g = _submit(cs, clock, at(2026, 12, 1, 9, 0), cs.food)
    clock.set(NOW)
    return SimpleNamespace(a=a, b=b, c=c, d=d, e=e, f=f, g=g)


@pytest.fixture
def data(cs, clocks):
    cs.cases = build_cases(cs, clocks)
    cs.reviewer = _staff(cs, cs.city_dept, Role.SERVICE_REVIEWER)
    return cs


def _staff(cs, org, role):
    from yiwang.core.services.accounts import staff_user_create

    n = getattr(cs, "_staff_n", 0) + 1
    cs._staff_n = n
    return staff_user_create(
        actor=None,
        username=f"stats-{role}-{n}",
        display_name=f"统计{n}",
        organisation=org,
        password="Yiwang#2026pass",
        roles=[role],
    )


def _by_key(rows):
    return {r["key"]: r for r in rows}


def test_city_totals_match_the_hand_computed_values(data):
    figures = stats.service_stats(actor=data.leader, now=NOW, **NOV)
    assert (figures["start"], figures["end"], figures["scope"]) == (*NOV.values(), "city")
    t = figures["total"]
    assert (t["received"], t["accepted"], t["refused"]) == (5, 4, 1)
    assert (t["approved"], t["denied"], t["decided"], t["completed"]) == (2, 1, 3, 3)
    assert (t["on_time"], t["overdue_open"]) == (2, 1)  # A and F; C
    assert t["on_time_rate"] == 0.6667 and t["completion_rate"] == 0.75
    # 好差评 of the online services delivered in November: A, E (好评) and B (差评)
    assert (t["rated"], t["good"], t["bad"]) == (3, 2, 1)
    assert (t["good_rate"], t["bad_rate"]) == (0.6667, 0.3333)
    city_catalogue = catalog.catalogue_figures(org_prefix=data.city.path)["total"]
    assert t["catalogue"]["items"] == city_catalogue["items"] == 9
    assert t["catalogue"]["online_rate"] == city_catalogue["online_rate"] == round(8 / 9, 4)
    assert t["catalogue"]["limit_compression"] == city_catalogue["limit_compression"]


def test_departments_join_volumes_and_ratings_by_organisation(data):
    figures = stats.service_stats(actor=data.leader, now=NOW, **NOV)
    rows = figures["by_department"]
    keys = [str(data.xz_dept.pk), str(data.dm_dept.pk), str(data.city_scj.pk)]
    assert [r["key"] for r in rows] == keys  # by received, then rated
    xz, dm, scj = rows
    assert xz["label"] == "香洲区市场监督管理局"
    assert (xz["received"], xz["approved"], xz["denied"], xz["completed"]) == (2, 1, 1, 2)
    assert (xz["on_time"], xz["on_time_rate"], xz["overdue_open"]) == (1, 0.5, 0)
    assert (xz["rated"], xz["good"], xz["bad"], xz["good_rate"]) == (3, 2, 1, 0.6667)
    assert (dm["received"], dm["on_time_rate"], dm["overdue_open"]) == (2, 1.0, 1)
    assert (dm["rated"], dm["good_rate"], dm["bad_rate"]) == (0, None, None)  # F unrated
    assert (scj["received"], scj["refused"], scj["accepted"]) == (1, 1, 0)
    assert scj["on_time_rate"] is None and scj["completion_rate"] is None  # nothing decided
    assert "catalogue" not in xz


def test_districts_join_cases_ratings_and_the_catalogue(data):
    figures = stats.service_stats(actor=data.leader, now=NOW, **NOV)
    rows = figures["by_district"]
    assert [r["key"] for r in rows] == ["city", str(data.xz.pk), str(data.dm.pk)]
    assert [r["label"] for r in rows] == ["City level", "香洲区", "斗门区"]
    city, xz, dm = rows
    assert (city["received"], city["refused"], city["rated"]) == (1, 1, 0)
    assert (xz["received"], xz["on_time_rate"], xz["rated"], xz["bad_rate"]) == (2, 0.5, 3, 0.3333)
    assert (dm["received"], dm["overdue_open"], dm["good_rate"]) == (2, 1, None)
    # catalogue: 香洲区 publishes 食品经营许可, 个体工商户登记 and an offline item
    assert (xz["catalogue"]["items"], xz["catalogue"]["online_rate"]) == (3, 0.6667)
    assert (dm["catalogue"]["items"], city["catalogue"]["items"]) == (1, 5)
    catalogue_rows = _by_key(catalog.catalogue_figures(org_prefix=data.city.path)["by_district"])
    for row in rows:
        expected = catalogue_rows[row["key"]]
        for name in ("zero_visit_rate", "limit_compression", "application_items"):
            assert row["catalogue"][name] == expected[name]


def test_trend_counts_received_and_completed_per_day(data):
    trend = stats.service_stats(actor=data.leader, now=NOW, **NOV)["trend"]
    assert len(trend["days"]) == 30 and trend["days"][0] == "2026-11-01"
    received = dict(zip(trend["days"], trend["received"], strict=True))
    completed = dict(zip(trend["days"], trend["completed"], strict=True))
    assert {d: n for d, n in received.items() if n} == {
        "2026-11-02": 3,
        "2026-11-05": 1,
        "2026-11-10": 1,
    }
    assert {d: n for d, n in completed.items() if n} == {
        "2026-11-03": 1,
        "2026-11-04": 1,  # E, submitted in October
        "2026-11-11": 1,
        "2026-11-20": 1,
    }


def test_the_period_bounds_are_beijing_days(data):
    """A, B and C were submitted on 2 November between 09:00 and 11:00 Beijing time (the 2nd
    in UTC too); a period of that one day counts them, the day before counts nothing."""
    one_day = stats.service_stats(
        actor=data.leader, now=NOW, start=dt.date(2026, 11, 2), end=dt.date(2026, 11, 2)
    )
    assert one_day["total"]["received"] == 3 and one_day["trend"]["days"] == ["2026-11-02"]
    before = stats.service_stats(
        actor=data.leader, now=NOW, start=dt.date(2026, 11, 1), end=dt.date(2026, 11, 1)
    )
    assert before["total"]["received"] == 0 and before["by_department"] == []


def test_a_case_handler_counts_the_own_subtree(data):
    figures = stats.service_stats(actor=data.handler, now=NOW, **NOV)
    assert figures["scope"] == "organisation"
    t = figures["total"]
    assert (t["received"], t["on_time_rate"], t["rated"], t["good_rate"]) == (2, 0.5, 3, 0.6667)
    assert [r["key"] for r in figures["by_department"]] == [str(data.xz_dept.pk)]
    assert [r["key"] for r in figures["by_district"]] == [str(data.xz.pk)]
    assert t["catalogue"]["items"] == 3  # the bureau's own published items
    dm = stats.service_stats(actor=data.dm_handler, now=NOW, **NOV)["total"]
    assert (dm["received"], dm["rated"], dm["catalogue"]["items"]) == (2, 0, 1)


@pytest.mark.parametrize("role", [Role.SERVICE_REVIEWER, Role.PLATFORM_ADMIN, Role.LEADER])
def test_leaders_administrators_and_reviewers_count_the_city(data, role):
    actor = _staff(data, data.city_dept, role)
    figures = stats.service_stats(actor=actor, now=NOW, **NOV)
    assert figures["scope"] == "city" and figures["total"]["received"] == 5


@pytest.mark.parametrize("role", [Role.SERVICE_EDITOR, Role.HOTLINE_OPERATOR, Role.AUDITOR])
def test_staff_without_the_statistics_permission_are_refused(cs, role):
    with pytest.raises(Forbidden):
        stats.service_stats(actor=_staff(cs, cs.xz_dept, role))


def test_applicants_are_refused(cs):
    for actor in (cs.citizen, cs.enterprise):
        with pytest.raises(Forbidden):
            stats.service_stats(actor=actor)


def test_without_data_rates_are_null_not_zero(org_tree, make_staff):
    leader = make_staff(org_tree["city"], Role.LEADER)
    figures = stats.service_stats(actor=leader)
    t = figures["total"]
    assert t["received"] == 0 and t["rated"] == 0 and t["catalogue"]["items"] == 0
    for name in ("on_time_rate", "completion_rate", "good_rate", "bad_rate"):
        assert t[name] is None
    for name in ("online_rate", "zero_visit_rate", "limit_compression"):
        assert t["catalogue"][name] is None
    assert figures["by_department"] == [] and figures["by_district"] == []
    assert len(figures["trend"]["days"]) == 30 and set(figures["trend"]["received"]) == {0}


def test_default_period_is_the_last_30_days(org_tree, make_staff):
    from django.utils import timezone

    leader = make_staff(org_tree["city"], Role.LEADER)
    today = timezone.localdate()
    figures = stats.service_stats(actor=leader)
    assert (figures["start"], figures["end"]) == (today - dt.timedelta(days=29), today)
    only_end = stats.service_stats(actor=leader, end=dt.date(2026, 3, 31))
    assert only_end["start"] == dt.date(2026, 3, 2)


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        (dt.date(2026, 5, 1), dt.date(2026, 4, 30), "end"),  # reversed
        (dt.date(2023, 1, 1), dt.date(2026, 11, 30), "start"),  # more than three years
    ],
)
def test_a_bad_period_is_invalid_input(org_tree, make_staff, start, end, field):
    leader = make_staff(org_tree["city"], Role.LEADER)
    with pytest.raises(InvalidInput) as err:
        stats.service_stats(actor=leader, start=start, end=end)
    assert err.value.code == "cases.invalid_period"
    assert err.value.errors[0]["field"] == field
    assert err.value.errors[0]["code"] == "cases.invalid_period"


def test_query_count_is_bounded_and_does_not_grow_with_the_data(
    data, clocks, django_assert_max_num_queries
):
    stats.service_stats(actor=data.leader, now=NOW, **NOV)  # the actor's roles are cached
    # cases 1 + trend 2 + districts 1 + ratings 7 + catalogue 3
    with django_assert_max_num_queries(14) as first:
        stats.service_stats(actor=data.leader, now=NOW, **NOV)
    # more rows of every kind: another department with cases and ratings, another item
    number = _submit(data, clocks, at(2026, 11, 12, 9, 0), data.food_city)
    clocks.set(at(2026, 11, 12, 10, 0))
    services.case_accept(actor=data.city_handler, number=number)
    services.case_decide(actor=data.city_handler, number=number, decision="approve")
    services.case_complete(actor=data.city_handler, number=number)
    _rate(data, clocks, at(2026, 11, 13, 9, 0), number, "satisfied")
    with django_assert_max_num_queries(len(first.captured_queries)):
        figures = stats.service_stats(actor=data.leader, now=NOW, **NOV)
    assert figures["total"]["received"] == 6 and figures["total"]["rated"] == 4


# --- API -----------------------------------------------------------------------------------------


def test_api_returns_the_figures_with_permission_cases(data, client):
    query = {"start": "2026-11-01", "end": "2026-11-30"}
    assert client.get(URL, query).status_code == 401
    client.force_login(_staff(data, data.xz_dept, Role.SERVICE_EDITOR))  # wrong role
    response = client.get(URL, query)
    assert response.status_code == 403
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["code"] == "cases.permission_denied"
    client.force_login(data.citizen)
    assert client.get(URL, query).status_code == 403
    client.force_login(data.leader)
    body = client.get(URL, query).json()
    assert (body["start"], body["end"], body["scope"]) == ("2026-11-01", "2026-11-30", "city")
    total = body["total"]
    assert (total["received"], total["on_time_rate"], total["good_rate"]) == (5, 0.6667, 0.6667)
    # "now" is the real time here: C's deadline (November) has passed either way
    assert total["overdue_open"] == 1
    assert total["catalogue"]["items"] == 9
    assert [r["received"] for r in body["by_department"]] == [2, 2, 1]
    assert [r["key"] for r in body["by_district"]] == ["city", str(data.xz.pk), str(data.dm.pk)]
    assert body["by_district"][1]["catalogue"]["online_rate"] == 0.6667
    assert sum(body["trend"]["received"]) == 5
    client.force_login(data.handler)  # own organisation: its subtree
    own = client.get(URL, query).json()
    assert own["scope"] == "organisation" and own["total"]["received"] == 2
    client.force_login(data.dm_handler)  # another organisation sees only its own
    other = client.get(URL, query).json()
    assert [r["key"] for r in other["by_department"]] == [str(data.dm_dept.pk)]


@pytest.mark.parametrize(
    ("query", "field", "code"),
    [
        ({"start": "2026-05-01", "end": "2026-04-30"}, "end", "cases.invalid_period"),
        ({"start": "2023-01-01", "end": "2026-11-30"}, "start", "cases.invalid_period"),
        ({"start": "2026-13-01"}, "start", None),
        ({"end": "yesterday"}, "end", None),
        ({"start": "2026/11/01"}, "start", None),
    ],
)
def test_api_bad_periods_are_422_with_the_field(org_tree, make_staff, client, query, field, code):
    client.force_login(make_staff(org_tree["city"], Role.LEADER))
    response = client.get(URL, query)
    assert response.status_code == 422
    assert response["Content-Type"].startswith("application/problem+json")
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == [field]
    if code:
        assert errors[0]["code"] == code


def test_api_schema_documents_the_operation(client):
    spec = client.get("/api/v1/openapi.json").json()
    operation = spec["paths"]["/api/v1/cases/stats"]["get"]
    assert operation["operationId"] == "cases_stats" and operation["tags"] == ["cases"]
    assert {p["name"] for p in operation["parameters"]} == {"start", "end"}
    schemas = spec["components"]["schemas"]
    out = schemas["ServiceStatsOut"]["properties"]
    assert set(out) == {"start", "end", "scope", "total", "by_department", "by_district", "trend"}
    district = schemas["ServiceDistrictFiguresOut"]
    props = district.get("properties") or {}
    assert "catalogue" in props or any(
        "catalogue" in str(part) for part in district.get("allOf", [])
    )
    figures = schemas["ServiceFiguresOut"]["properties"]
    for name in ("on_time_rate", "good_rate", "bad_rate", "overdue_open", "rated"):
        assert figures[name].get("description")


# --- page ----------------------------------------------------------------------------------------


def test_the_page_shows_the_figures(data, client):
    url = "/cases/stats/"
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(_staff(data, data.xz_dept, Role.SERVICE_EDITOR))
    assert client.get(url).status_code == 403
    client.force_login(data.citizen)
    assert client.get(url).status_code == 403
    client.force_login(data.leader)
    response = client.get(url, {"start": "2026-11-01", "end": "2026-11-30"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="kpi-received"' in html and "66.7%" in html  # on-time and 好评率
    assert 'id="cases-stats-data"' in html and "cases/stats.js" in html
    assert "vendor/echarts/echarts.min.js" in html
    assert 'data-testid="stats-districts"' in html and "斗门区" in html
    assert 'data-testid="stats-departments"' in html and "市市场监督管理局" in html
    assert 'data-testid="link-catalog-stats"' in html  # leaders also read the catalogue's
    assert client.post(url).status_code == 405


def test_the_page_shows_a_bad_period_over_the_default(data, english_client):
    english_client.force_login(data.leader)
    response = english_client.get("/cases/stats/", {"start": "2026-05-01", "end": "2026-04-30"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "The end of the period is before its start." in html and "is-invalid" in html
    response = english_client.get("/cases/stats/", {"start": "not-a-date"})
    assert response.status_code == 200 and "Enter a valid date." in response.content.decode()


def test_a_handler_sees_the_page_of_the_own_organisation(data, client):
    client.force_login(data.handler)
    response = client.get("/cases/stats/", {"start": "2026-11-01", "end": "2026-11-30"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "香洲区市场监督管理局" in html and "斗门区市场监督管理局" not in html
    assert 'data-testid="link-catalog-stats"' not in html  # no catalog.view


def test_navigation_and_the_catalogue_page_link_the_statistics(data, client):
    client.force_login(data.leader)
    html = client.get("/catalog/stats/").content.decode()
    assert 'data-testid="link-cases-stats"' in html and 'href="/cases/stats/"' in html
    client.force_login(_staff(data, data.xz_dept, Role.SERVICE_EDITOR))
    html = client.get("/catalog/stats/").content.decode()
    assert 'data-testid="link-cases-stats"' not in html  # editors do not read case figures
