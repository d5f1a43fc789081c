"""Policy consultation (政策咨询): an enterprise user asks on a published item (service, the
item page's form, the API), the due time comes from worktime and YIWANG_POLICY_ANSWER_DAYS, the
issuing department's officers are told; officers answer in their queue (once), the asker is
told without personal data, a good answer becomes a public FAQ; the desk shows the enterprise's
questions; the workbench task and the hourly overdue sweep. Bad inputs: empty, too short and
too long questions, a draft or withdrawn item, another enterprise's question, another
department's officer, answering twice, a staff user asking."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.conftest import PASSWORD
from tests.policy.conftest import DEMO_USCC, OTHER_USCC
from tests.portal.conftest import (  # noqa: F401  (Playwright launch fixtures)
    browser_context_args,
    browser_type_launch_args,
)
from yiwang.core.audit import AuditLog
from yiwang.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from yiwang.hotline.models import WorkOrder
from yiwang.notify.models import Message
from yiwang.policy import services as policy_services
from yiwang.policy.choices import QuestionStatus
from yiwang.policy.models import PolicyFAQ, Question
from yiwang.policy.services import questions as services
from yiwang.worktime import facade as worktime

pytestmark = pytest.mark.django_db
API = "/api/v1/policy"
TEXT = "我公司成立五年，研发人员占比20%，是否符合该事项的申报条件？"


@pytest.fixture
def item(make_item):
    return make_item('holds "high_tech"')


@pytest.fixture
def asked(pol, item):
    return services.question_ask(actor=pol.ent_user, item_id=item.pk, question=TEXT)


def _api(client, method: str, url: str, body=None):
    if method == "get":
        return client.get(f"{API}{url}")
    return client.post(f"{API}{url}", data=json.dumps(body or {}), content_type="application/json")


def _messages(user, template: str) -> list[Message]:
    return list(Message.objects.filter(recipient=user, template_code=template).order_by("pk"))


# --- asking -----------------------------------------------------------------------------------


def test_an_enterprise_user_asks_and_the_issuing_officers_hear_of_it(
    pol, item, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        question = services.question_ask(
            actor=pol.ent_user, item_id=item.pk, question=f"  {TEXT}  "
        )
    assert question.status == QuestionStatus.OPEN
    assert question.question == TEXT
    assert question.enterprise_id == pol.demo.pk and question.asked_by == pol.ent_user
    assert question.due_at == worktime.add_working_days(question.asked_at, 3).deadline
    assert AuditLog.objects.filter(action="policy.question.ask", object_id=str(question.pk))
    notices = _messages(pol.officer, "policy.question_asked")
    assert len(notices) == 1 and notices[0].channel == "inbox"
    assert item.title in notices[0].body and notices[0].link.startswith("/policy/manage/questions/")
    # officers of another department hear nothing
    assert not _messages(pol.other_officer, "policy.question_asked")


def test_the_answer_limit_is_configurable(pol, item, monkeypatch):
    monkeypatch.setenv("YIWANG_POLICY_ANSWER_DAYS", "5")
    question = services.question_ask(actor=pol.ent_user, item_id=item.pk, question=TEXT)
    assert question.due_at == worktime.add_working_days(question.asked_at, 5).deadline


def test_asking_the_same_open_question_twice_keeps_one(pol, item):
    first = services.question_ask(actor=pol.ent_user, item_id=item.pk, question=TEXT)
    again = services.question_ask(actor=pol.ent_user, item_id=item.pk, question=TEXT)
    assert again.pk == first.pk and Question.objects.count() == 1


@pytest.mark.parametrize(
    ("question", "code"),
    [("", "policy.required"), ("   ", "policy.required"), ("有问题吗", "policy.too_short"),
     ("问" * 1001, "policy.too_long")],
)  # fmt: skip
def test_bad_questions_are_422_on_the_question_field(pol, item, question, code):
    with pytest.raises(InvalidInput) as exc:
        services.question_ask(actor=pol.ent_user, item_id=item.pk, question=question)
    assert exc.value.status == 422
    assert exc.value.errors[0]["field"] == "question" and exc.value.errors[0]["code"] == code
    assert not Question.objects.exists()


def test_1000_and_5_characters_are_accepted(pol, item):
    services.question_ask(actor=pol.ent_user, item_id=item.pk, question="问" * 1000)
    services.question_ask(actor=pol.ent_user, item_id=item.pk, question="能申报吗？")
    assert Question.objects.count() == 2


def test_a_question_on_a_draft_or_withdrawn_item_is_404(pol, make_item):
    draft = make_item("employees > 1", publish=False)
    with pytest.raises(NotFound):
        services.question_ask(actor=pol.ent_user, item_id=draft.pk, question=TEXT)
    withdrawn = make_item("employees > 2", title="已撤回事项")
    policy_services.item_withdraw(actor=pol.officer, item_id=withdrawn.pk, reason="政策调整")
    with pytest.raises(NotFound):
        services.question_ask(actor=pol.ent_user, item_id=withdrawn.pk, question=TEXT)
    with pytest.raises(NotFound):
        services.question_ask(actor=pol.ent_user, item_id=999999, question=TEXT)
    assert not Question.objects.exists()


def test_staff_users_cannot_ask(pol, item):
    for staff in (pol.officer, pol.handler, pol.admin):
        with pytest.raises(Forbidden) as exc:
            services.question_ask(actor=staff, item_id=item.pk, question=TEXT)
        assert exc.value.status == 403


def test_asking_for_another_enterprise_is_404(pol, item):
    with pytest.raises(NotFound):
        services.question_ask(actor=pol.ent_user, item_id=item.pk, question=TEXT, uscc=OTHER_USCC)


# --- answering and publishing -------------------------------------------------------------------


def test_the_officer_answers_and_the_asker_is_told_without_personal_data(
    pol, asked, django_capture_on_commit_callbacks
):
    type(pol.ent_user).objects.filter(pk=pol.ent_user.pk).update(mobile="13800138123")
    with django_capture_on_commit_callbacks(execute=True):
        answered = services.question_answer(
            actor=pol.officer, question_id=asked.pk, answer="符合条件，请在申报期内提交。"
        )
    assert answered.status == QuestionStatus.ANSWERED
    assert answered.answered_by == pol.officer and answered.answered_at is not None
    assert AuditLog.objects.filter(action="policy.question.answer", object_id=str(asked.pk))
    notices = _messages(pol.ent_user, "policy.question_answered")
    assert {m.channel for m in notices} == {"inbox", "sms"}
    for message in notices:
        text = message.subject + message.body
        assert "企业经办人0" not in text and "13800138123" not in text
        assert pol.demo.name not in text and TEXT not in text
        assert "市科技创新局" in text


def test_answering_twice_is_409(pol, asked):
    services.question_answer(actor=pol.officer, question_id=asked.pk, answer="已答复。")
    with pytest.raises(Conflict) as exc:
        services.question_answer(actor=pol.officer, question_id=asked.pk, answer="再次答复。")
    assert exc.value.status == 409
    asked.refresh_from_db()
    assert asked.answer == "已答复。"


def test_an_officer_of_another_department_gets_404(pol, asked):
    with pytest.raises(NotFound):
        services.question_answer(actor=pol.other_officer, question_id=asked.pk, answer="答复。")
    with pytest.raises(NotFound):
        services.question_publish(actor=pol.other_officer, question_id=asked.pk)
    asked.refresh_from_db()
    assert asked.status == QuestionStatus.OPEN


def test_answering_needs_the_policy_role(pol, asked):
    for user in (pol.leader, pol.handler):
        with pytest.raises(Forbidden):
            services.question_answer(actor=user, question_id=asked.pk, answer="答复内容。")


@pytest.mark.parametrize("answer", ["", " ", "好", "答" * 5001])
def test_bad_answers_are_422(pol, asked, answer):
    with pytest.raises(InvalidInput) as exc:
        services.question_answer(actor=pol.officer, question_id=asked.pk, answer=answer)
    assert exc.value.errors[0]["field"] == "answer"


def test_publishing_makes_a_public_faq_without_the_askers_identity(pol, item, client):
    question = services.question_ask(
        actor=pol.ent_user, item_id=item.pk, question="联系人13912345678，我司能否申报？"
    )
    with pytest.raises(Conflict):  # not answered yet
        services.question_publish(actor=pol.officer, question_id=question.pk)
    services.question_answer(actor=pol.officer, question_id=question.pk, answer="可以申报。")
    faq = services.question_publish(actor=pol.officer, question_id=question.pk)
    question.refresh_from_db()
    assert question.faq == faq and faq.item_id == item.pk and faq.public
    assert faq.question == "联系人139****5678，我司能否申报？" and faq.answer == "可以申报。"
    assert AuditLog.objects.filter(action="policy.faq.create", object_id=str(faq.pk))
    assert AuditLog.objects.filter(action="policy.question.publish", object_id=str(question.pk))
    with pytest.raises(Conflict):
        services.question_publish(actor=pol.officer, question_id=question.pk)
    page = client.get(f"/policy/items/{item.pk}/").content.decode()
    assert "联系人139****5678" in page and "可以申报。" in page
    assert pol.demo.name not in page and "企业经办人0" not in page


def test_the_officer_may_reword_the_faq_and_answer_with_publish(pol, item):
    question = services.question_ask(actor=pol.ent_user, item_id=item.pk, question=TEXT)
    services.question_answer(
        actor=pol.officer, question_id=question.pk, answer="符合。", publish=True
    )
    question.refresh_from_db()
    assert question.faq.question == TEXT and question.faq.answer == "符合。"
    other = services.question_ask(actor=pol.ent_user, item_id=item.pk, question=TEXT + "？")
    services.question_answer(actor=pol.officer, question_id=other.pk, answer="符合条件。")
    faq = services.question_publish(
        actor=pol.officer,
        question_id=other.pk,
        question="研发人员占比如何计算？",
        answer="按年末数。",
    )
    assert (faq.question, faq.answer) == ("研发人员占比如何计算？", "按年末数。")
    assert PolicyFAQ.objects.filter(item=item).count() == 2


def test_a_question_longer_than_an_faq_must_be_reworded(pol, item):
    question = services.question_ask(actor=pol.ent_user, item_id=item.pk, question="问" * 600)
    services.question_answer(actor=pol.officer, question_id=question.pk, answer="答复如下。")
    with pytest.raises(InvalidInput) as exc:
        services.question_publish(actor=pol.officer, question_id=question.pk)
    assert exc.value.errors[0]["field"] == "question"
    faq = services.question_publish(
        actor=pol.officer, question_id=question.pk, question="简述的问题"
    )
    assert faq.question == "简述的问题"


# --- the overdue sweep and the workbench task ---------------------------------------------------


def _overdue(question: Question) -> Question:
    late = timezone.now() - dt.timedelta(days=10)
    Question.objects.filter(pk=question.pk).update(asked_at=late, due_at=late)
    question.refresh_from_db()
    return question


def test_officers_hear_once_of_an_overdue_question(pol, asked, item, run_tasks):
    from yiwang.policy.tasks_consult import policy_questions_overdue_task

    _overdue(asked)
    services.question_ask(actor=pol.ent_user, item_id=item.pk, question="另一个尚未超期的问题？")
    assert services.questions_overdue_notify() == 1
    assert services.questions_overdue_notify() == 1
    with run_tasks():
        policy_questions_overdue_task()
    notices = _messages(pol.officer, "policy.question_overdue")
    assert len(notices) == 1 and item.title in notices[0].body
    assert notices[0].dedupe_key == f"policy.question:{asked.pk}:overdue"
    assert not _messages(pol.other_officer, "policy.question_overdue")


def test_the_overdue_task_is_scheduled_hourly():
    from huey.contrib.djhuey import HUEY

    import yiwang.policy.tasks_consult  # noqa: F401 — imported by PolicyConfig.ready anyway

    periodic = {t.name: t for t in HUEY._registry.periodic_tasks}
    task = periodic["policy_questions_overdue_task"]
    assert task.validate_datetime(dt.datetime(2026, 11, 30, 9, 7))  # every hour at :07
    assert task.validate_datetime(dt.datetime(2026, 11, 30, 10, 7))
    assert not task.validate_datetime(dt.datetime(2026, 11, 30, 9, 8))


def test_the_workbench_task_counts_open_and_overdue_questions(pol, asked, item):
    from yiwang.policy.views.consult import consult_tasks_for

    _overdue(asked)
    services.question_ask(actor=pol.ent_user, item_id=item.pk, question="另一个问题，请答复？")
    (task,) = consult_tasks_for(pol.officer)
    assert task.title == "2 policy questions awaiting answer, 1 overdue"
    assert task.overdue and task.url == "/policy/manage/questions/?overdue=1"
    assert consult_tasks_for(pol.other_officer) == []
    assert consult_tasks_for(pol.leader) == []
    assert consult_tasks_for(pol.ent_user) == []


def test_the_task_is_on_the_workbench(client, pol, asked):
    client.force_login(pol.officer)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = client.get("/workbench/").content.decode()
    assert "1 policy question awaiting answer, 0 overdue" in page


# --- pages --------------------------------------------------------------------------------------


@pytest.fixture
def en(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def test_the_item_page_has_the_form_for_enterprise_users_only(en, pol, item):
    url = f"/policy/items/{item.pk}/"
    assert 'data-testid="ask-sign-in"' in en.get(url).content.decode()
    en.force_login(pol.officer)
    page = en.get(url).content.decode()
    assert 'data-testid="ask-form"' not in page and 'data-testid="ask-sign-in"' not in page
    en.force_login(pol.ent_user)
    page = en.get(url).content.decode()
    assert 'data-testid="ask-form"' in page and f'value="{DEMO_USCC}"' in page


def test_asking_from_the_item_page(en, pol, item):
    en.force_login(pol.ent_user)
    response = en.post(f"/policy/items/{item.pk}/ask/", {"question": TEXT, "uscc": DEMO_USCC})
    assert response.status_code == 302 and response["Location"] == "/policy/desk/questions/"
    assert Question.objects.get().question == TEXT
    page = en.get(response["Location"]).content.decode()
    assert TEXT in page and "Your question is sent to 市科技创新局" in page


def test_asking_with_htmx_swaps_the_form(en, pol, item):
    en.force_login(pol.ent_user)
    url = f"/policy/items/{item.pk}/ask/"
    response = en.post(url, {"question": "短"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200 and "At least 5 characters." in body
    assert 'id="ask-' in body and "<html" not in body
    response = en.post(url, {"question": TEXT}, HTTP_HX_REQUEST="true")
    assert 'data-testid="ask-done"' in response.content.decode()
    assert Question.objects.count() == 1


@pytest.mark.parametrize("question", ["", "四个字符", "问" * 1001])
def test_bad_questions_show_on_the_page(en, pol, item, question):
    en.force_login(pol.ent_user)
    response = en.post(f"/policy/items/{item.pk}/ask/", {"question": question})
    assert response.status_code == 200
    assert 'class="invalid-feedback d-block"' in response.content.decode()
    assert not Question.objects.exists()


def test_asking_pages_refuse_staff_drafts_and_anonymous(en, pol, make_item, item):
    draft = make_item("employees > 1", publish=False)
    en.force_login(pol.officer)
    assert en.post(f"/policy/items/{item.pk}/ask/", {"question": TEXT}).status_code == 403
    en.force_login(pol.ent_user)
    assert en.post(f"/policy/items/{draft.pk}/ask/", {"question": TEXT}).status_code == 404
    en.logout()
    response = en.post(f"/policy/items/{item.pk}/ask/", {"question": TEXT})
    assert response.status_code == 302 and "login" in response["Location"]
    assert not Question.objects.exists()


def test_the_officer_queue_orders_open_first_with_countdown_and_badge(en, pol, item, asked):
    late = _overdue(
        services.question_ask(actor=pol.ent_user, item_id=item.pk, question="超期的问题，请答复？")
    )
    done = services.question_ask(actor=pol.ent_user, item_id=item.pk, question="已经答复的问题？")
    services.question_answer(actor=pol.officer, question_id=done.pk, answer="已答复。")
    en.force_login(pol.officer)
    page = en.get("/policy/manage/questions/").content.decode()
    order = [page.index(f'data-question="{q.pk}"') for q in (late, asked, done)]
    assert order == sorted(order)
    assert page.count('data-testid="overdue-badge"') == 1
    assert page.count('data-testid="countdown"') == 2
    assert page.count('data-testid="answer-form"') == 2
    assert pol.ent_user.display_name not in page
    overdue_only = en.get("/policy/manage/questions/?overdue=on").content.decode()
    assert f'data-question="{late.pk}"' in overdue_only
    assert f'data-question="{asked.pk}"' not in overdue_only
    answered = en.get("/policy/manage/questions/?status=answered").content.decode()
    assert f'data-question="{done.pk}"' in answered and 'data-testid="publish-form"' in answered


def test_answering_inline_with_htmx(en, pol, asked):
    en.force_login(pol.officer)
    url = f"/policy/manage/questions/{asked.pk}/answer/"
    response = en.post(url, {f"q{asked.pk}-answer": ""}, HTTP_HX_REQUEST="true")
    assert "This field is required." in response.content.decode()
    response = en.post(
        url,
        {f"q{asked.pk}-answer": "符合条件。", f"q{asked.pk}-publish": "on"},
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert 'data-testid="question-done"' in body and 'data-testid="faq-badge"' in body
    asked.refresh_from_db()
    assert asked.status == QuestionStatus.ANSWERED and asked.faq_id
    # answering again: 409 shown in the row
    response = en.post(url, {f"q{asked.pk}-answer": "再答一次。"})
    assert response.status_code == 302
    page = en.get(response["Location"]).content.decode()
    assert "This cannot be done while the status is Answered." in page


def test_publishing_from_the_queue(en, pol, asked):
    services.question_answer(actor=pol.officer, question_id=asked.pk, answer="符合条件。")
    en.force_login(pol.officer)
    response = en.post(
        f"/policy/manage/questions/{asked.pk}/publish/",
        {f"p{asked.pk}-question": "研发人员占比如何认定？", f"p{asked.pk}-answer": "按年末数。"},
    )
    assert response.status_code == 302
    asked.refresh_from_db()
    assert asked.faq.question == "研发人员占比如何认定？"


def test_queue_pages_for_other_roles(en, pol, asked):
    en.force_login(pol.other_officer)
    assert f'data-question="{asked.pk}"' not in en.get("/policy/manage/questions/").content.decode()
    url = f"/policy/manage/questions/{asked.pk}/answer/"
    assert en.post(url, {f"q{asked.pk}-answer": "答复内容。"}).status_code == 404
    en.force_login(pol.leader)  # reads, does not answer
    page = en.get("/policy/manage/questions/").content.decode()
    assert f'data-question="{asked.pk}"' in page and 'data-testid="answer-form"' not in page
    assert en.post(url, {f"q{asked.pk}-answer": "答复内容。"}).status_code == 403
    for user in (pol.handler, pol.ent_user):
        en.force_login(user)
        assert en.get("/policy/manage/questions/").status_code == 403
    en.logout()
    assert en.get("/policy/manage/questions/").status_code == 302
    asked.refresh_from_db()
    assert asked.status == QuestionStatus.OPEN


def test_the_queue_query_count_does_not_grow(en, pol, item):
    for n in range(3):
        services.question_ask(
            actor=pol.ent_user, item_id=item.pk, question=f"第{n}个问题，请答复？"
        )
    en.force_login(pol.officer)
    few = _steady(en, "/policy/manage/questions/")
    assert few <= 12
    for n in range(3, 12):
        services.question_ask(
            actor=pol.ent_user, item_id=item.pk, question=f"第{n}个问题，请答复？"
        )
    assert _steady(en, "/policy/manage/questions/") == few


def _steady(client, url: str) -> int:
    """The fewer queries of two warm requests (the calendar's periodic version check, a
    background ticker, may add one to either)."""
    client.get(url)
    counts = []
    for _ in range(2):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        counts.append(len(ctx.captured_queries))
    return min(counts)


def test_the_desk_shows_the_enterprises_questions_to_every_member(en, pol, asked):
    from yiwang.core.services.accounts import enterprise_user_register

    services.question_answer(actor=pol.officer, question_id=asked.pk, answer="符合条件。")
    colleague = enterprise_user_register(
        enterprise=pol.ent_user.enterprise_memberships.get().enterprise,
        username="ent0b",
        password=PASSWORD,
        display_name="同事",
    )
    en.force_login(colleague)
    page = en.get("/policy/desk/questions/").content.decode()
    assert TEXT in page and "符合条件。" in page and 'data-testid="desk-tab-questions"' in page
    en.force_login(pol.other_user)
    assert TEXT not in en.get("/policy/desk/questions/").content.decode()
    assert en.get(f"/policy/desk/questions/?uscc={DEMO_USCC}").status_code == 404
    assert en.get("/policy/desk/questions/?uscc=bad").status_code == 404
    en.force_login(pol.officer)
    assert en.get("/policy/desk/questions/").status_code == 403


# --- API ----------------------------------------------------------------------------------------


def test_api_ask_answer_publish(client, pol, item):
    client.force_login(pol.ent_user)
    response = _api(client, "post", f"/items/{item.pk}/questions", {"question": TEXT})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "open" and body["enterprise_uscc"] == DEMO_USCC
    assert body["organisation"] == "市科技创新局" and not body["overdue"]
    question_id = body["id"]
    assert [q["id"] for q in _api(client, "get", "/desk/questions").json()["items"]] == [
        question_id
    ]
    assert _api(client, "get", f"/desk/questions/{question_id}").json()["question"] == TEXT
    client.force_login(pol.officer)
    queue = _api(client, "get", "/questions?status=open").json()["items"]
    assert [q["id"] for q in queue] == [question_id]
    response = _api(client, "post", f"/questions/{question_id}/answer", {"answer": "符合。"})
    assert response.status_code == 200 and response.json()["status"] == "answered"
    response = _api(client, "post", f"/questions/{question_id}/answer", {"answer": "符合。"})
    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    response = _api(client, "post", f"/questions/{question_id}/publish", {"question": "能否申报？"})
    assert response.status_code == 201 and response.json()["question"] == "能否申报？"
    assert (
        _api(client, "get", f"/questions/{question_id}").json()["faq_id"] == response.json()["id"]
    )


def test_api_bad_inputs_and_permissions(client, pol, item, make_item, asked):
    assert (
        _api(client, "post", f"/items/{item.pk}/questions", {"question": TEXT}).status_code == 401
    )
    assert _api(client, "get", "/questions").status_code == 401
    client.force_login(pol.ent_user)
    for text in ("", "四个字符", "问" * 1001):
        response = _api(client, "post", f"/items/{item.pk}/questions", {"question": text})
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "question"
    draft = make_item("employees > 1", publish=False)
    assert (
        _api(client, "post", f"/items/{draft.pk}/questions", {"question": TEXT}).status_code == 404
    )
    assert _api(client, "get", "/questions").status_code == 403
    assert _api(client, "get", f"/desk/questions?uscc={OTHER_USCC}").status_code == 404
    client.force_login(pol.other_user)  # another enterprise's question
    assert _api(client, "get", f"/desk/questions/{asked.pk}").status_code == 404
    assert _api(client, "get", "/desk/questions").json()["items"] == []
    client.force_login(pol.officer)
    response = _api(client, "post", f"/items/{item.pk}/questions", {"question": TEXT})
    assert response.status_code == 403
    assert _api(client, "get", "/desk/questions").status_code == 403
    client.force_login(pol.other_officer)
    assert _api(client, "get", f"/questions/{asked.pk}").status_code == 404
    response = _api(client, "post", f"/questions/{asked.pk}/answer", {"answer": "答复。"})
    assert response.status_code == 404
    client.force_login(pol.leader)
    assert _api(client, "get", f"/questions/{asked.pk}").status_code == 200
    response = _api(client, "post", f"/questions/{asked.pk}/answer", {"answer": "答复。"})
    assert response.status_code == 403
    assert Question.objects.count() == 1


# --- the demo seed ------------------------------------------------------------------------------


def test_the_consult_step_runs_after_the_policies_and_the_hotline():
    from yiwang.core.seed import _discover

    order = {s.name: s.order for s in _discover()}
    assert order["policy.consult"] > max(
        v
        for k, v in order.items()
        if k.startswith(("hotline.", "policy.")) and k != "policy.consult"
    )


def test_demo_questions_and_requests(db):
    from tests.policy.test_seed import STEPS, _run

    steps = (*STEPS, "hotline.catalogue", "policy.consult")
    counts = _run(steps)
    assert counts["policy questions"] == Question.objects.count() >= 30
    now = timezone.now()
    open_ = Question.objects.filter(status=QuestionStatus.OPEN)
    answered = Question.objects.filter(status=QuestionStatus.ANSWERED)
    assert answered.count() > open_.count() > 0
    assert open_.filter(due_at__lt=now).exists() and open_.filter(due_at__gte=now).exists()
    late = [q for q in answered if q.answered_at > q.due_at]
    assert 0 < len(late) < answered.count()
    assert 2 <= answered.exclude(faq=None).count() <= 8
    demo_user = Question.objects.filter(asked_by__username="enterprise")
    assert demo_user.exists()
    orders = WorkOrder.objects.filter(idempotency_key__contains="seed-consult-")
    assert orders.count() == counts["enterprise requests (12345 enterprise lane)"] >= 5
    assert set(orders.values_list("lane", flat=True)) == {"enterprise"}
    again = _run(steps)  # idempotent
    assert (
        "policy questions" not in again and Question.objects.count() == counts["policy questions"]
    )
    assert WorkOrder.objects.filter(idempotency_key__contains="seed-consult-").count() == 5


# --- in a real browser ----------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_browser_ask_answer_publish_and_raise_a_request(
    live_server, page, migrated_data, pol, make_item
):
    """The enterprise user asks on the item page (htmx), the officer answers in the queue and
    publishes it as FAQ, the enterprise reads the answer on its desk and raises a request.
    Screenshots: ``var/screenshots/policy-consult-*.png``."""
    from tests.policy.test_browser import shot, sign_in

    item = make_item('holds "high_tech"')
    base = live_server.url
    sign_in(page, base, pol.ent_user.username)
    page.goto(f"{base}/policy/items/{item.pk}/")
    page.fill("[data-testid=ask-form] textarea", "短")
    with page.expect_response(lambda r: "/ask/" in r.url):
        page.click("[data-testid=ask-submit]")
    page.wait_for_selector("[data-testid=ask-form] .invalid-feedback")
    page.fill("[data-testid=ask-form] textarea", TEXT)
    with page.expect_response(lambda r: "/ask/" in r.url):
        page.click("[data-testid=ask-submit]")
    page.wait_for_selector("[data-testid=ask-done]")
    page.wait_for_function("() => !document.querySelector('.htmx-settling, .htmx-swapping')")
    shot(page, "consult-asked")
    assert Question.objects.get().question == TEXT

    sign_in(page, base, pol.officer.username)
    page.goto(f"{base}/policy/manage/questions/")
    row = page.locator("[data-testid=question-row]").first
    row.locator("textarea").fill("符合条件的企业可在申报期内在线申请。")
    row.locator("input[type=checkbox]").check()
    shot(page, "consult-queue")
    with page.expect_response(lambda r: "/answer/" in r.url):
        row.locator("[data-testid=answer-submit]").click()
    page.wait_for_selector("[data-testid=question-done]")
    page.wait_for_function("() => !document.querySelector('.htmx-settling, .htmx-swapping')")
    assert page.locator("[data-testid=faq-badge]").count() == 1
    shot(page, "consult-answered")

    sign_in(page, base, pol.ent_user.username)
    page.goto(f"{base}/policy/desk/questions/")
    assert "符合条件的企业可在申报期内在线申请。" in page.inner_text("[data-testid=desk-question]")
    shot(page, "consult-desk-questions")
    page.goto(f"{base}/policy/items/{item.pk}/")
    assert TEXT in page.inner_text("body") and pol.demo.name not in page.inner_text("body")

    page.goto(f"{base}/policy/desk/requests/")
    page.select_option("select[name=category]", "complaint")
    page.fill("textarea[name=content]", "园区道路积水严重，货车无法进出，请尽快疏通。")
    page.fill("input[name=contact_phone]", "13926900001")
    with page.expect_navigation():
        page.click("[data-testid=request-submit]")
    assert page.locator("[data-testid=request-lane]").inner_text() != ""
    assert WorkOrder.objects.get().lane == "enterprise"
    shot(page, "consult-request")
