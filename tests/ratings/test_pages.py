"""Pages of 好差评: public statistics, the rater's list and form, the department's worklist
and rating page, the authority's appeals; permission cases."""

from __future__ import annotations

import re

import pytest

from yiwang.ratings import services
from yiwang.ratings.models import Rating


@pytest.fixture
def en(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def test_the_statistics_page_is_public_with_charts_and_tables(en, rt, make_event):
    event = make_event()
    services.rating_submit(actor=rt.citizen, event_id=event.pk, level="very_satisfied")
    response = en.get("/ratings/stats/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="ratings-stats-data"' in html and "ratings/stats.js" in html
    assert re.search(r'data-testid="kpi-good-rate".*?100\.0%', html, re.S)
    assert "香洲区市场监督管理局" in html and "食品经营许可" in html
    bad = en.get("/ratings/stats/", {"start": "2026-05-01", "end": "2026-04-01"})
    assert bad.status_code == 200 and "before its start" in bad.content.decode()


def test_the_rater_lists_and_rates_a_service(en, rt, make_event):
    event = make_event(channel="window")
    en.force_login(rt.citizen)
    mine = en.get("/ratings/mine/").content.decode()
    assert f'data-event="{event.pk}"' in mine and "/ratings/events/" in mine
    form = en.get(f"/ratings/events/{event.pk}/").content.decode()
    assert 'name="dim_attitude"' in form and 'name="dim_usability"' not in form
    refused = en.post(f"/ratings/events/{event.pk}/", {"level": "dissatisfied", "comment": ""})
    assert refused.status_code == 200 and "went wrong" in refused.content.decode()
    done = en.post(
        f"/ratings/events/{event.pk}/",
        {"level": "satisfied", "dim_overall": "4", "dim_attitude": "5", "comment": "好"},
    )
    assert done.status_code == 302 and done["Location"] == "/ratings/mine/"
    rating = Rating.objects.get(event=event)
    assert rating.dimensions == {"overall": 4, "attitude": 5}
    again = en.get(f"/ratings/events/{event.pk}/").content.decode()
    assert 'data-testid="already-rated"' in again


def test_another_persons_service_page_is_404(en, rt, make_event):
    event = make_event()
    en.force_login(rt.other)
    assert en.get(f"/ratings/events/{event.pk}/").status_code == 404
    assert en.post(f"/ratings/events/{event.pk}/", {"level": "satisfied"}).status_code == 404
    en.force_login(rt.handler)
    assert en.get(f"/ratings/events/{event.pk}/").status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client, rt, make_event):
    event = make_event()
    for url in ("/ratings/mine/", f"/ratings/events/{event.pk}/", "/ratings/worklist/"):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_worklist_and_the_handling_forms(en, rt, negative):
    en.force_login(rt.handler)
    page = en.get("/ratings/worklist/").content.decode()
    assert f'data-rating="{negative.pk}"' in page and "排队两个小时" in page
    detail = en.get(f"/ratings/{negative.pk}/").content.decode()
    assert 'data-testid="form-verify"' in detail and 'data-testid="form-appeal"' in detail
    assert 'data-testid="form-feedback"' not in detail
    empty = en.post(f"/ratings/{negative.pk}/verify/", {"verify-note": "", "verify-rectify": "1"})
    assert empty.status_code == 422
    done = en.post(
        f"/ratings/{negative.pk}/verify/", {"verify-note": "回访属实", "verify-rectify": "1"}
    )
    assert done.status_code == 302
    illegal = en.post(f"/ratings/{negative.pk}/feedback/", {"feedback-text": "已处理"})
    assert illegal.status_code == 409 and "not allowed" in illegal.content.decode()
    assert Rating.objects.get(pk=negative.pk).handling == "rectifying"


def test_staff_permission_cases(en, rt, negative):
    en.force_login(rt.citizen)
    assert en.get("/ratings/worklist/").status_code == 403
    en.force_login(rt.dm_handler)
    assert f'data-rating="{negative.pk}"' not in en.get("/ratings/worklist/").content.decode()
    assert en.get(f"/ratings/{negative.pk}/").status_code == 404
    assert (
        en.post(
            f"/ratings/{negative.pk}/verify/", {"verify-note": "x", "verify-rectify": "0"}
        ).status_code
        == 404
    )
    assert en.get("/ratings/appeals/").status_code == 403
    en.force_login(rt.leader)  # reads, cannot act
    assert en.get(f"/ratings/{negative.pk}/").status_code == 200
    assert (
        en.post(
            f"/ratings/{negative.pk}/verify/", {"verify-note": "x", "verify-rectify": "0"}
        ).status_code
        == 403
    )


def test_the_authority_decides_appeals_on_its_page(en, rt, negative):
    services.rating_appeal(actor=rt.handler, rating_id=negative.pk, reason="评价与事实不符")
    en.force_login(rt.reviewer)
    page = en.get("/ratings/appeals/").content.decode()
    assert f'data-rating="{negative.pk}"' in page and "评价与事实不符" in page
    response = en.post(
        f"/ratings/{negative.pk}/appeal_decide/",
        {"appeal_decide-upheld": "1", "appeal_decide-note": "经核查属实"},
    )
    assert response.status_code == 302 and response["Location"] == "/ratings/appeals/"
    assert Rating.objects.get(pk=negative.pk).excluded
    assert 'data-testid="appeals-empty"' in en.get("/ratings/appeals/").content.decode()


def test_the_workbench_lists_the_tasks(en, rt, negative):
    from yiwang.ratings.views import ratings_tasks_for

    [task] = ratings_tasks_for(rt.handler)
    assert task.url == "/ratings/worklist/" and "1 negative rating" in task.title
    assert ratings_tasks_for(rt.dm_handler) == []
    services.rating_appeal(actor=rt.handler, rating_id=negative.pk, reason="r")
    [task] = ratings_tasks_for(rt.reviewer)
    assert task.url == "/ratings/appeals/"
