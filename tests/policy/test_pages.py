"""The policy pages through the Django test client: officers' documents and items (the item
form saves the rule from the builder or the text and publishes), the explanation page, the
public item page with FAQ, the 政策计算器, and the permission cases (anonymous, wrong role,
other organisation, another enterprise)."""

from __future__ import annotations

import pytest

from tests.policy.conftest import DEMO_USCC, OTHER_USCC, document_data
from yiwang.policy import services
from yiwang.policy.choices import DocumentStatus, ItemStatus
from yiwang.policy.models import PolicyDocument, PolicyItem

pytestmark = pytest.mark.django_db


@pytest.fixture
def en(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def _item_post(**overrides) -> dict:
    data = {
        "title": "研发投入强度达标奖励",
        "kind": "subsidy",
        "benefit": "按研发费用的5%奖励。",
        "amount_cap": "100",
        "window_start": "",
        "window_end": "",
        "materials": "研发费用专项审计报告\n高新技术企业证书",
        "contact_department": "市科技创新局",
        "contact_phone": "0756-2121234",
        "rule_source": "text",
        "rule_text": 'holds "high_tech" and ratio(rd_spend, revenue) >= 0.05',
        "action": "save",
    }
    data.update(overrides)
    return data


# --- permissions ----------------------------------------------------------------------------------


OFFICER_PAGES = ["/policy/", "/policy/documents/new/"]


@pytest.mark.parametrize("url", [*OFFICER_PAGES, "/policy/calculator/"])
def test_anonymous_is_sent_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.parametrize("url", OFFICER_PAGES)
def test_staff_without_a_policy_role_and_enterprise_users_get_403(client, pol, url):
    client.force_login(pol.handler)
    assert client.get(url).status_code == 403
    client.force_login(pol.ent_user)
    assert client.get(url).status_code == 403


def test_leaders_read_but_do_not_write(client, pol, published_doc):
    client.force_login(pol.leader)
    assert client.get("/policy/").status_code == 200
    assert client.get(f"/policy/documents/{published_doc.pk}/").status_code == 200
    assert client.get("/policy/documents/new/").status_code == 403
    assert client.post(f"/policy/documents/{published_doc.pk}/withdraw/").status_code == 403


def test_another_departments_officer_gets_404(client, pol, published_doc, make_item):
    item = make_item("employees > 1")
    client.force_login(pol.other_officer)
    assert client.get(f"/policy/documents/{published_doc.pk}/").status_code == 404
    assert client.get(f"/policy/manage/items/{item.pk}/").status_code == 404
    assert (
        client.post(f"/policy/manage/items/{item.pk}/withdraw/", {"reason": "x"}).status_code == 404
    )
    response = client.get("/policy/")
    assert published_doc.title not in response.content.decode()


def test_the_calculator_is_for_enterprise_users(client, pol):
    client.force_login(pol.officer)
    assert client.get("/policy/calculator/").status_code == 403


# --- documents ------------------------------------------------------------------------------------


def test_an_officer_creates_and_lists_a_document(en, pol):
    en.force_login(pol.officer)
    data = document_data(pol)
    data["document_number"] = data["document_number"].replace("〔", "[").replace("〕", "]")
    data["issue_date"] = data["issue_date"].isoformat()
    data["effective_from"] = data["effective_from"].isoformat()
    data["effective_to"] = data["effective_to"].isoformat()
    response = en.post("/policy/documents/new/", data)
    document = PolicyDocument.objects.get()
    assert (
        response.status_code == 302 and response["Location"] == f"/policy/documents/{document.pk}/"
    )
    assert document.document_number.startswith("珠科创〔")
    page = en.get(f"/policy/documents/{document.pk}/").content.decode()
    assert "not listed yet; due by" in page
    response = en.post(f"/policy/documents/{document.pk}/publish/", follow=True)
    assert 'data-testid="listed-on-time"' in response.content.decode()
    assert document.title in en.get("/policy/").content.decode()


def test_a_bad_document_number_is_shown_on_the_form(en, pol):
    en.force_login(pol.officer)
    data = document_data(pol, document_number="第12号")
    for key in ("issue_date", "effective_from", "effective_to"):
        data[key] = data[key].isoformat()
    response = en.post("/policy/documents/new/", data)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="form-errors"' in page and "珠府〔2026〕12号" in page
    assert not PolicyDocument.objects.exists()


# --- items: the form with the rule editor ---------------------------------------------------------


def test_the_item_form_saves_the_rule_from_the_text(en, pol, published_doc):
    en.force_login(pol.officer)
    page = en.get(f"/policy/documents/{published_doc.pk}/items/new/").content.decode()
    assert 'data-testid="rule-builder"' in page and 'data-testid="rule-text"' in page
    response = en.post(f"/policy/documents/{published_doc.pk}/items/new/", _item_post())
    item = PolicyItem.objects.get()
    assert (
        response.status_code == 302 and response["Location"] == f"/policy/manage/items/{item.pk}/"
    )
    assert item.rule_text == 'holds "high_tech" and ratio(rd_spend, revenue) >= 0.05'
    assert item.materials == ["研发费用专项审计报告", "高新技术企业证书"]
    detail = en.get(f"/policy/manage/items/{item.pk}/").content.decode()
    assert "holds a valid High-tech enterprise" in detail and 'data-testid="item-count"' in detail


def test_the_item_form_saves_the_rule_from_the_builder_and_publishes(en, pol, published_doc):
    en.force_login(pol.officer)
    post = _item_post(
        rule_source="builder",
        rule_text="this text is ignored: the builder was edited last",
        action="publish",
        **{
            "b-r-type": "group",
            "b-r-conj": "and",
            "b-r-0-type": "cond",
            "b-r-0-field": "employees",
            "b-r-0-operator": "<=",
            "b-r-0-value": "500",
            "b-r-1-type": "cond",
            "b-r-1-field": "holds",
            "b-r-1-kind": "high_tech",
        },
    )
    response = en.post(f"/policy/documents/{published_doc.pk}/items/new/", post)
    item = PolicyItem.objects.get()
    assert response.status_code == 302
    assert item.rule_text == 'employees <= 500 and holds "high_tech"'
    assert item.status == ItemStatus.PUBLISHED and item.version == 1


def test_an_invalid_rule_saves_nothing_and_shows_where(en, pol, published_doc):
    en.force_login(pol.officer)
    response = en.post(
        f"/policy/documents/{published_doc.pk}/items/new/",
        _item_post(rule_text="employees >= 10 and\n  turnover > 5"),
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Line 2, column 3: Unknown field" in page or "Unknown field 'turnover'" in page
    assert not PolicyItem.objects.exists()


def test_publishing_an_exempt_item_over_tags_is_refused_on_the_page(en, pol, published_doc):
    en.force_login(pol.officer)
    response = en.post(
        f"/policy/documents/{published_doc.pk}/items/new/",
        _item_post(rule_text='tags has "外贸"', exempt_application="on", action="publish"),
        follow=True,
    )
    item = PolicyItem.objects.get()
    assert item.status == ItemStatus.DRAFT  # saved, not published
    assert (
        "cannot be verified" in response.content.decode() or "免申即享" in response.content.decode()
    )


def test_builder_buttons_work_without_javascript(en, pol, published_doc):
    en.force_login(pol.officer)
    response = en.post(
        f"/policy/documents/{published_doc.pk}/items/new/",
        _item_post(rule_source="builder", builder_action="add:r", rule_text=""),
    )
    assert response.status_code == 200
    assert 'name="b-r-0-field"' in response.content.decode()
    assert not PolicyItem.objects.exists()


def test_withdraw_and_revise_from_the_item_page(en, pol, make_item):
    en.force_login(pol.officer)
    item = make_item("employees > 1")
    en.post(f"/policy/manage/items/{item.pk}/withdraw/", {"reason": "政策调整"})
    item.refresh_from_db()
    assert item.status == ItemStatus.WITHDRAWN
    response = en.post(f"/policy/manage/items/{item.pk}/revise/")
    assert response["Location"] == f"/policy/manage/items/{item.pk}/edit/"
    assert en.get(f"/policy/manage/items/{item.pk}/edit/").status_code == 200


def test_faq_on_the_item_page_and_the_public_page(en, pol, make_item):
    en.force_login(pol.officer)
    item = make_item("employees > 1")
    en.post(
        f"/policy/manage/items/{item.pk}/faqs/",
        {"question": "奖励何时拨付？", "answer": "认定后30个工作日内。", "public": "on"},
    )
    en.post(
        f"/policy/manage/items/{item.pk}/faqs/",
        {"question": "内部口径如何掌握？", "answer": "按文件执行。"},
    )
    en.logout()
    page = en.get(f"/policy/items/{item.pk}/").content.decode()
    assert "奖励何时拨付？" in page and "内部口径" not in page
    assert "一次性奖励30万元" in page


def test_drafts_are_not_public(client, make_item):
    item = make_item("employees > 1", publish=False)
    assert client.get(f"/policy/items/{item.pk}/").status_code == 404
    assert client.get("/policy/items/").status_code == 200


# --- explanation and calculator -------------------------------------------------------------------


def test_an_officer_explains_an_item_for_an_enterprise(en, pol, make_item):
    en.force_login(pol.officer)
    item = make_item('holds "high_tech" and employees <= 50 and district = "香洲区"')
    page = en.get(f"/policy/items/{item.pk}/explain/?uscc={DEMO_USCC}").content.decode()
    assert 'data-eligible="false"' in page
    assert 'data-passed="true"' in page and 'data-passed="false"' in page
    assert "employees is at most 50" in page and "80 persons" in page
    assert "香洲区" in page
    bad = en.get(f"/policy/items/{item.pk}/explain/?uscc=91440400MA0000000X").content.decode()
    assert 'data-testid="explain-error"' in bad


def test_an_enterprise_user_sees_their_calculator(en, pol, make_item):
    yes = make_item('holds "high_tech" and ratio(rd_spend, revenue) >= 0.05', title="研发奖励")
    no = make_item("employees >= 500 and revenue >= 20000", title="规模奖励")
    draft = make_item("employees >= 0", publish=False, title="草稿事项")
    en.force_login(pol.ent_user)
    page = en.get("/policy/calculator/").content.decode()
    assert f'data-testid="qualifying-item" data-item="{yes.pk}"' in page
    assert f'data-testid="other-item" data-item="{no.pk}"' in page
    assert f'data-item="{draft.pk}"' not in page
    other = page.split(f'data-testid="other-item" data-item="{no.pk}"')[1]
    assert "employees is at least 500" in other and "80 persons" in other


def test_an_enterprise_user_cannot_read_another_enterprises_calculator_or_explanation(
    en, pol, make_item
):
    item = make_item("employees > 1")
    en.force_login(pol.ent_user)
    assert en.get(f"/policy/calculator/?uscc={OTHER_USCC}").status_code == 404
    assert en.get("/policy/calculator/?uscc=nonsense").status_code == 404
    assert en.get(f"/policy/items/{item.pk}/explain/?uscc={OTHER_USCC}").status_code == 404
    assert en.get(f"/policy/items/{item.pk}/explain/?uscc={DEMO_USCC}").status_code == 200
    # a draft item is not explained to enterprises
    draft = make_item("employees > 1", publish=False)
    assert en.get(f"/policy/items/{draft.pk}/explain/?uscc={DEMO_USCC}").status_code == 404


def test_withdrawing_a_document_takes_its_items_offline(en, pol, published_doc, make_item):
    item = make_item("employees > 1")
    en.force_login(pol.officer)
    en.post(f"/policy/documents/{published_doc.pk}/withdraw/", {"reason": "被新政策替代"})
    published_doc.refresh_from_db()
    assert published_doc.status == DocumentStatus.WITHDRAWN
    en.logout()
    assert en.get(f"/policy/items/{item.pk}/").status_code == 404


def test_attachment_download_follows_publication(client, pol, published_doc):
    from django.core.files.uploadedfile import SimpleUploadedFile

    pdf = SimpleUploadedFile("办法.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    attachment = services.attachment_add(
        actor=pol.officer, document_id=published_doc.pk, uploaded=pdf
    )
    response = client.get(f"/policy/attachments/{attachment.pk}/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    draft = services.document_create(actor=pol.officer, data=document_data(pol, serial=55))
    pdf2 = SimpleUploadedFile("草稿.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    hidden = services.attachment_add(actor=pol.officer, document_id=draft.pk, uploaded=pdf2)
    assert client.get(f"/policy/attachments/{hidden.pk}/").status_code == 404
    client.force_login(pol.officer)
    assert client.get(f"/policy/attachments/{hidden.pk}/").status_code == 200
