"""Service events and ratings: recording (idempotent), rating by the person served only, once,
within the window; the default after the window; validation of every bad input."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from yiwang.core.errors import Conflict, InvalidInput, NotFound
from yiwang.core.models import AuditLog
from yiwang.ratings import services
from yiwang.ratings.models import Rating, RatingPolicy, ServiceEvent


def test_record_is_idempotent_by_subject_and_finds_the_district(rt, make_event):
    event = make_event(subject_key="CASE-1")
    again = make_event(subject_key="CASE-1", item_name="另一个名称")
    assert again.pk == event.pk and again.item_name == "食品经营许可"
    assert ServiceEvent.objects.filter(subject_key="CASE-1").count() == 1
    assert event.district_id == rt.xz.pk  # 香洲区市场监督管理局 → 香洲区
    assert event.rate_deadline - event.served_at == dt.timedelta(days=7)
    city_event = make_event(org=rt.city_dept)
    assert city_event.district_id is None  # a municipal department: city level
    assert AuditLog.objects.filter(action="ratings.event.record").count() == 2


def test_record_rejects_bad_input_field_by_field(rt):
    with pytest.raises(InvalidInput) as exc:
        services.service_event_record(
            actor=None,
            subject_app="",
            subject_key="x" * 65,
            channel="fax",
            item_code="c",
            item_name="n",
            organisation_id=999999,
            served_at=dt.datetime(2026, 1, 1, 9, 0),  # naive
        )
    fields = {e["field"] for e in exc.value.errors}
    assert fields == {
        "subject_app",
        "subject_key",
        "channel",
        "served_at",
        "served_user_id",
        "organisation_id",
    }
    assert not ServiceEvent.objects.exists()


def test_the_person_served_rates_once(rt, make_event):
    event = make_event()
    rating = services.rating_submit(
        actor=rt.citizen,
        event_id=event.pk,
        level="very_satisfied",
        dimensions={"overall": 5, "efficiency": 4, "usability": 5},
        comment="很方便",
    )
    assert rating.source == "rater" and rating.handling == "" and rating.rater_id == rt.citizen.pk
    event.refresh_from_db()
    assert event.rated
    with pytest.raises(Conflict) as exc:
        services.rating_submit(actor=rt.citizen, event_id=event.pk, level="satisfied")
    assert exc.value.code == "ratings.already_rated" and exc.value.status == 409
    assert Rating.objects.filter(event=event).count() == 1
    assert AuditLog.objects.filter(action="ratings.rating.submit").count() == 1


def test_a_rating_by_someone_who_was_not_served_is_404(rt, make_event):
    event = make_event()
    for stranger in (rt.other, rt.handler, rt.leader, None):
        with pytest.raises(NotFound):
            services.rating_submit(actor=stranger, event_id=event.pk, level="satisfied")
    with pytest.raises(NotFound):  # a missing event answers the same
        services.rating_submit(actor=rt.citizen, event_id=event.pk + 999, level="satisfied")
    assert not Rating.objects.exists()


def test_a_phone_only_service_is_rated_by_the_account_with_that_mobile(rt, make_event):
    event = make_event(phone="13800138000")  # rt.citizen's mobile
    assert event.served_user_id is None and event.served_phone_masked == "138****8000"
    assert event.served_phone_digest and "13800138000" not in event.served_phone_encrypted
    with pytest.raises(NotFound):
        services.rating_submit(actor=rt.other, event_id=event.pk, level="satisfied")
    rating = services.rating_submit(actor=rt.citizen, event_id=event.pk, level="satisfied")
    assert rating.rater_id == rt.citizen.pk


def test_rating_after_the_window_is_409(rt, make_event):
    event = make_event(days_ago=7.5)
    with pytest.raises(Conflict) as exc:
        services.rating_submit(actor=rt.citizen, event_id=event.pk, level="satisfied")
    assert exc.value.code == "ratings.window_closed"


@pytest.mark.parametrize(
    ("level", "dimensions", "comment", "field", "code"),
    [
        ("great", {}, "", "level", "ratings.unknown_level"),
        ("satisfied", {"attitude": 5}, "", "dimensions.attitude", "ratings.unknown_dimension"),
        ("satisfied", {"overall": 6}, "", "dimensions.overall", "ratings.invalid_score"),
        ("satisfied", {"overall": 0}, "", "dimensions.overall", "ratings.invalid_score"),
        ("satisfied", {"overall": True}, "", "dimensions.overall", "ratings.invalid_score"),
        ("satisfied", {"overall": "5"}, "", "dimensions.overall", "ratings.invalid_score"),
        ("satisfied", {}, "长" * 501, "comment", "ratings.comment_too_long"),
        ("dissatisfied", {}, "   ", "comment", "ratings.comment_required"),
    ],
)
def test_bad_ratings_are_422_on_their_field(
    rt, make_event, level, dimensions, comment, field, code
):
    event = make_event()  # online: no 服务态度 dimension
    with pytest.raises(InvalidInput) as exc:
        services.rating_submit(
            actor=rt.citizen, event_id=event.pk, level=level, dimensions=dimensions, comment=comment
        )
    assert exc.value.errors[0]["field"] == field and exc.value.errors[0]["code"] == code
    assert not Rating.objects.exists()


def test_on_site_services_are_rated_on_the_on_site_dimensions(rt, make_event):
    event = make_event(channel="window")
    rating = services.rating_submit(
        actor=rt.citizen,
        event_id=event.pk,
        level="satisfied",
        dimensions={"overall": 4, "efficiency": 4, "service_level": 5, "attitude": 5},
    )
    assert rating.dimensions["attitude"] == 5
    other = make_event(channel="window")
    with pytest.raises(InvalidInput):
        services.rating_submit(
            actor=rt.citizen, event_id=other.pk, level="satisfied", dimensions={"usability": 3}
        )


def test_default_rating_after_seven_days_is_neutral_and_the_sweep_is_idempotent(rt, make_event):
    expired = make_event(days_ago=8)
    rated_in_time = make_event(days_ago=8)
    Rating.objects.create(
        event=rated_in_time, level="satisfied", source="rater", rated_at=timezone.now()
    )
    ServiceEvent.objects.filter(pk=rated_in_time.pk).update(rated=True)
    open_ = make_event(days_ago=6.9)
    assert services.rating_default_sweep(actor=None) == 1
    rating = Rating.objects.get(event=expired)
    assert (rating.level, rating.source, rating.rated_at) == (
        "neutral",
        "default",
        expired.rate_deadline,
    )
    assert Rating.objects.get(event=rated_in_time).level == "satisfied"
    assert not Rating.objects.filter(event=open_).exists()
    assert services.rating_default_sweep(actor=None) == 0
    assert AuditLog.objects.filter(action="ratings.rating.default").count() == 1
    with pytest.raises(Conflict):  # the default counts as the one rating
        services.rating_submit(actor=rt.citizen, event_id=expired.pk, level="satisfied")


def test_the_periodic_task_applies_the_default(rt, make_event):
    from yiwang.ratings.tasks import ratings_default_sweep_task

    event = make_event(days_ago=9)
    ratings_default_sweep_task.call_local()
    assert Rating.objects.get(event=event).source == "default"


def test_the_window_is_configurable(rt, make_event):
    RatingPolicy.objects.update_or_create(pk=1, defaults={"rate_window_days": 3})
    event = make_event(days_ago=4)
    assert event.rate_deadline - event.served_at == dt.timedelta(days=3)
    assert services.rating_default_sweep(actor=None) == 1


def test_a_reopened_subject_is_held_and_rateable_again_once_completed(rt, make_event):
    event = make_event(subject_key="CASE-9", days_ago=6)
    services.service_event_hold(actor=None, subject_app="cases", subject_key="CASE-9")
    event.refresh_from_db()
    assert event.rate_deadline is None
    with pytest.raises(Conflict) as exc:
        services.rating_submit(actor=rt.citizen, event_id=event.pk, level="satisfied")
    assert exc.value.code == "ratings.not_rateable"
    # held events never get the default, however old
    ServiceEvent.objects.filter(pk=event.pk).update(served_at=timezone.now() - dt.timedelta(30))
    assert services.rating_default_sweep(actor=None) == 0
    again = make_event(subject_key="CASE-9", days_ago=0)
    assert again.pk == event.pk and again.rate_deadline > timezone.now()
    services.rating_submit(actor=rt.citizen, event_id=event.pk, level="satisfied")


def test_the_person_served_is_invited_to_rate(rt, make_event, run_tasks):
    from yiwang.notify.models import Message

    with run_tasks():
        event = make_event()
    message = Message.objects.get(recipient=rt.citizen, template_code="ratings.invite")
    assert message.link == f"/ratings/events/{event.pk}/"
