"""差评 handling: verification callback → rectification with a deadline → feedback to the rater
→ closed; appeal and the authority's decision; 409 for illegal transitions, 404 outside the
department's subtree; everything audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from yiwang.core.errors import Conflict, InvalidInput, NotFound
from yiwang.core.models import AuditLog
from yiwang.notify.models import Message
from yiwang.ratings import selectors, services
from yiwang.ratings.models import Rating
from yiwang.worktime import facade as worktime


def test_a_negative_rating_starts_verification_and_tells_the_department(rt, make_event, run_tasks):
    event = make_event()
    with run_tasks():
        rating = services.rating_submit(
            actor=rt.citizen, event_id=event.pk, level="very_dissatisfied", comment="材料被退回三次"
        )
    assert rating.handling == "verifying" and rating.verify_deadline > rating.rated_at
    assert Message.objects.filter(recipient=rt.handler, template_code="ratings.negative").exists()
    assert not Message.objects.filter(recipient=rt.dm_handler).exists()


def test_verify_rectify_feedback_close_and_the_rater_hears_back(rt, negative, run_tasks):
    rating = services.rating_verify(
        actor=rt.handler, rating_id=negative.pk, note="回访属实：窗口人手不足", rectify=True
    )
    assert rating.handling == "rectifying"
    # 15 working days by default, on the working-time calendar
    expected = worktime.add_working_days(rating.verified_at, 15).deadline
    assert rating.rectify_deadline == expected
    assert rating.rectify_deadline - rating.verified_at >= dt.timedelta(days=18)
    rating = services.rating_rectify(actor=rt.handler, rating_id=negative.pk, note="增开窗口")
    assert (rating.handling, rating.rectified_late) == ("feedback", False)
    with run_tasks():
        rating = services.rating_feedback(
            actor=rt.handler, rating_id=negative.pk, text="已增开窗口，欢迎再次监督。"
        )
    assert rating.handling == "closed" and rating.closed_at
    feedback = Message.objects.get(recipient=rt.citizen, template_code="ratings.feedback")
    assert "已增开窗口" in feedback.body
    actions = list(
        AuditLog.objects.filter(object_type="ratings.rating", object_id=str(negative.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "ratings.rating.submit",
        "ratings.rating.verify",
        "ratings.rating.rectify",
        "ratings.rating.feedback",
    ]


def test_put_right_on_the_spot_goes_straight_to_feedback(rt, negative):
    rating = services.rating_verify(
        actor=rt.handler, rating_id=negative.pk, note="当场解释", rectify=False
    )
    assert rating.handling == "feedback" and rating.rectify_deadline is None


def test_feedback_to_a_phone_only_rater_goes_by_sms(rt, make_event, run_tasks):
    event = make_event(phone="13700137000")
    rating = services.rating_record_callback(
        actor=None, subject_app="cases", subject_key=event.subject_key, level="dissatisfied"
    )
    services.rating_verify(actor=rt.handler, rating_id=rating.pk, note="核实", rectify=False)
    with run_tasks():
        services.rating_feedback(actor=rt.handler, rating_id=rating.pk, text="已处理")
    sms = Message.objects.get(template_code="ratings.feedback")
    assert sms.channel == "sms" and sms.address == "13700137000"


@pytest.mark.parametrize(
    ("steps", "action"),
    [
        ([], "rectify"),
        ([], "feedback"),
        ([], "appeal_decide"),
        (["verify_fix"], "verify"),
        (["verify_fix", "rectify"], "rectify"),
        (["verify_ok", "feedback"], "feedback"),
        (["verify_ok", "feedback"], "appeal"),
        (["appeal"], "verify"),
        (["appeal"], "appeal"),
    ],
)
def test_illegal_transitions_are_409(rt, negative, steps, action):
    pk = negative.pk
    do = {
        "verify": lambda: services.rating_verify(
            actor=rt.handler, rating_id=pk, note="n", rectify=True
        ),
        "verify_fix": lambda: services.rating_verify(
            actor=rt.handler, rating_id=pk, note="n", rectify=True
        ),
        "verify_ok": lambda: services.rating_verify(
            actor=rt.handler, rating_id=pk, note="n", rectify=False
        ),
        "rectify": lambda: services.rating_rectify(actor=rt.handler, rating_id=pk, note="n"),
        "feedback": lambda: services.rating_feedback(actor=rt.handler, rating_id=pk, text="t"),
        "appeal": lambda: services.rating_appeal(actor=rt.handler, rating_id=pk, reason="r"),
        "appeal_decide": lambda: services.rating_appeal_decide(
            actor=rt.reviewer, rating_id=pk, upheld=True, note="n"
        ),
    }
    for step in steps:
        do[step]()
    before = Rating.objects.get(pk=pk).handling
    with pytest.raises(Conflict) as exc:
        do[action]()
    assert exc.value.code == "ratings.illegal_transition" and exc.value.status == 409
    assert Rating.objects.get(pk=pk).handling == before


def test_a_good_rating_has_no_handling(rt, make_event):
    event = make_event()
    rating = services.rating_submit(actor=rt.citizen, event_id=event.pk, level="neutral")
    with pytest.raises(Conflict):
        services.rating_verify(actor=rt.handler, rating_id=rating.pk, note="n", rectify=False)


def test_other_departments_and_wrong_roles_get_404(rt, negative):
    for actor in (rt.dm_handler, rt.reviewer, rt.leader, rt.citizen, None):
        with pytest.raises(NotFound):
            services.rating_verify(actor=actor, rating_id=negative.pk, note="n", rectify=False)
    with pytest.raises(NotFound):  # only the authority decides an appeal
        services.rating_appeal_decide(
            actor=rt.handler, rating_id=negative.pk, upheld=True, note="n"
        )


def test_texts_are_required(rt, negative):
    with pytest.raises(InvalidInput) as exc:
        services.rating_verify(actor=rt.handler, rating_id=negative.pk, note=" ", rectify=True)
    assert exc.value.errors[0]["field"] == "note"
    with pytest.raises(InvalidInput):
        services.rating_appeal(actor=rt.handler, rating_id=negative.pk, reason="x" * 1001)


def test_late_rectification_is_flagged_and_listed_overdue(rt, negative):
    services.rating_verify(actor=rt.handler, rating_id=negative.pk, note="n", rectify=True)
    Rating.objects.filter(pk=negative.pk).update(
        rectify_deadline=timezone.now() - dt.timedelta(hours=1)
    )
    overdue = selectors.negative_list(actor=rt.handler, state="overdue")
    assert [r.pk for r in overdue] == [negative.pk]
    assert selectors.is_overdue(overdue[0])
    rating = services.rating_rectify(actor=rt.handler, rating_id=negative.pk, note="补做")
    assert rating.rectified_late
    assert not selectors.negative_list(actor=rt.handler, state="overdue").exists()


def test_appeal_upheld_excludes_the_rating_and_rejected_resumes(rt, make_event, run_tasks):
    first = make_event()
    second = make_event()
    ratings = [
        services.rating_submit(actor=rt.citizen, event_id=e.pk, level="dissatisfied", comment="差")
        for e in (first, second)
    ]
    services.rating_verify(actor=rt.handler, rating_id=ratings[1].pk, note="n", rectify=True)
    with run_tasks():
        for r in ratings:
            services.rating_appeal(actor=rt.handler, rating_id=r.pk, reason="评价人未到窗口办理")
    assert Message.objects.filter(recipient=rt.reviewer, template_code="ratings.appeal_filed")
    assert [r.pk for r in selectors.appeals_pending(actor=rt.reviewer)] == [r.pk for r in ratings]
    assert not selectors.appeals_pending(actor=rt.handler).exists()
    upheld = services.rating_appeal_decide(
        actor=rt.reviewer, rating_id=ratings[0].pk, upheld=True, note="经核查属恶意评价"
    )
    assert (upheld.handling, upheld.excluded) == ("closed", True)
    assert upheld.appeal.decision == "upheld" and upheld.appeal.decided_by == rt.reviewer
    rejected = services.rating_appeal_decide(
        actor=rt.reviewer, rating_id=ratings[1].pk, upheld=False, note="证据不足"
    )
    assert (rejected.handling, rejected.excluded) == ("rectifying", False)
    with pytest.raises(Conflict) as exc:  # one appeal per rating
        services.rating_appeal(actor=rt.handler, rating_id=ratings[1].pk, reason="再次申诉")
    assert exc.value.code == "ratings.appeal_exists"
    assert AuditLog.objects.filter(action="ratings.rating.appeal_decide").count() == 2


def test_the_department_sees_only_its_subtree(rt, make_event):
    mine = make_event()
    theirs = make_event(org=rt.dm_dept)
    for event in (mine, theirs):
        services.rating_submit(
            actor=rt.citizen, event_id=event.pk, level="dissatisfied", comment="差"
        )
    assert [r.event_id for r in selectors.negative_list(actor=rt.handler)] == [mine.pk]
    assert {r.event_id for r in selectors.negative_list(actor=rt.leader)} == {mine.pk, theirs.pk}
    assert {r.event_id for r in selectors.negative_list(actor=rt.reviewer)} == {
        mine.pk,
        theirs.pk,
    }
    assert not selectors.negative_list(actor=rt.citizen).exists()
