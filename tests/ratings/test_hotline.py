"""12345 orders become rating events when they close; the callback's rating is the order's
rating; 重办 holds the event until the order is closed again."""

from __future__ import annotations

import pytest

from yiwang.hotline.services import (
    work_order_callback,
    work_order_close,
    work_order_reply,
    work_order_review,
    work_order_sign,
    work_order_start,
)
from yiwang.ratings import facade, selectors, services
from yiwang.ratings.models import Rating, ServiceEvent


def _closed(order, hl):
    order = work_order_sign(actor=hl.handler, order_id=order.pk, version=order.version)
    order = work_order_start(actor=hl.handler, order_id=order.pk, version=order.version)
    order = work_order_reply(
        actor=hl.handler, order_id=order.pk, version=order.version, result="已责令下架。"
    )
    return work_order_review(
        actor=hl.operator, order_id=order.pk, version=order.version, approve=True
    )


def test_a_closed_order_is_a_rating_event_of_its_lead_unit(hl, make_order):
    order = _closed(make_order(), hl)
    event = ServiceEvent.objects.get(subject_app="hotline", subject_key=order.number)
    assert (event.channel, event.organisation_id, event.district_id) == (
        "hotline",
        hl.xz_dept.pk,
        hl.xz.pk,
    )
    assert event.served_at == order.closed_at and event.item_code == "12345.complaint"
    assert event.served_user_id is None and event.served_phone_masked == "138****8000"
    assert facade.service_event_get(subject_app="hotline", subject_key=order.number).id == event.pk


def test_a_direct_answer_is_served_by_the_centre(hl, make_order):
    order = make_order(category="consult", content="请问新生儿落户需要什么材料？")
    order = work_order_close(
        actor=hl.operator, order_id=order.pk, version=order.version, answer="需出生医学证明等。"
    )
    event = ServiceEvent.objects.get(subject_key=order.number)
    assert event.organisation_id == hl.centre.pk and event.district_id is None


def test_the_callback_rating_is_recorded_as_the_events_rating(hl, make_order):
    order = _closed(make_order(), hl)
    work_order_callback(
        actor=hl.operator,
        order_id=order.pk,
        version=order.version,
        rating="satisfied",
        solved=True,
        reopen=False,
    )
    rating = Rating.objects.get(event__subject_key=order.number)
    assert (rating.level, rating.source, rating.handling) == ("satisfied", "callback", "")


def test_an_unsatisfied_callback_without_reopen_is_a_negative_rating(hl, make_order):
    order = _closed(make_order(), hl)
    work_order_callback(
        actor=hl.operator,
        order_id=order.pk,
        version=order.version,
        rating="very_dissatisfied",
        solved=False,
        note="问题没有解决",
        reopen=False,
    )
    rating = Rating.objects.get(event__subject_key=order.number)
    assert rating.handling == "verifying" and rating.comment == "问题没有解决"
    assert [r.pk for r in selectors.negative_list(actor=hl.handler)] == [rating.pk]


def test_reopen_holds_the_event_and_the_second_closure_reopens_the_window(hl, make_order):
    order = _closed(make_order(), hl)
    order = work_order_callback(
        actor=hl.operator,
        order_id=order.pk,
        version=order.version,
        rating="dissatisfied",
        solved=False,
        reopen=True,
    )
    event = ServiceEvent.objects.get(subject_key=order.number)
    assert event.rate_deadline is None and not event.rated
    order = work_order_reply(
        actor=hl.handler, order_id=order.pk, version=order.version, result="重新处理完毕。"
    )
    order = work_order_review(
        actor=hl.operator, order_id=order.pk, version=order.version, approve=True
    )
    event.refresh_from_db()
    assert event.served_at == order.closed_at and event.rate_deadline is not None
    work_order_callback(
        actor=hl.operator,
        order_id=order.pk,
        version=order.version,
        rating="satisfied",
        solved=True,
        reopen=False,
    )
    assert Rating.objects.get(event=event).level == "satisfied"


def test_the_caller_rates_online_and_the_later_callback_still_succeeds(hl, make_order, rt):
    order = _closed(make_order(contact_phone="13800138000"), hl)  # rt.citizen's mobile
    event = selectors.events_to_rate(actor=rt.citizen).get()
    assert event.subject_key == order.number
    services.rating_submit(actor=rt.citizen, event_id=event.pk, level="very_satisfied")
    order = work_order_callback(
        actor=hl.operator,
        order_id=order.pk,
        version=order.version,
        rating="neutral",
        solved=True,
        reopen=False,
    )
    assert order.status == "called_back" and order.rating == "neutral"
    assert Rating.objects.get(event=event).level == "very_satisfied"  # the first one stands


@pytest.mark.usefixtures("hl")
def test_closed_orders_without_event_are_backfilled_from_the_facade(hl, make_order):
    from yiwang.hotline import facade as hotline

    order = _closed(make_order(), hl)
    ServiceEvent.objects.all().delete()  # as if closed before the hook existed
    refs = list(hotline.closed_orders())
    assert [r.number for r in refs] == [order.number]
    services.service_event_record(actor=None, **refs[0].event)
    assert ServiceEvent.objects.get().organisation_id == hl.xz_dept.pk
    assert list(hotline.closed_orders(exclude_numbers={order.number})) == []
