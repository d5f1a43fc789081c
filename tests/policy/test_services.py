"""Policy documents and items through their services on a real database: validation of every
field (文号 above all), the transitions and their conflicts, the 7-working-day listing check,
publication (rule re-checked, 免申即享 only over verifiable fields), withdrawal with the push
seam, audit records, and the scope of officers."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from tests.policy.conftest import document_data, item_data
from yiwang.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from yiwang.core.models import AuditLog
from yiwang.policy import rules, services
from yiwang.policy.choices import (
    DocumentStatus,
    ItemStatus,
    PushJobStatus,
    PushStatus,
    PushTrigger,
)
from yiwang.policy.models import PolicyDocument, PolicyItem, Push, PushJob
from yiwang.policy.validators import document_number_normalise
from yiwang.worktime import facade as worktime

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def _codes(exc) -> set[str]:
    return {e["code"] for e in exc.value.errors}


# --- 文号 (document numbers) ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("珠府〔2026〕12号", "珠府〔2026〕12号"),
        ("珠府[2026]12号", "珠府〔2026〕12号"),
        ("珠科创【2025】3号", "珠科创〔2025〕3号"),
        (" 珠府办函（2026）7 号 ", "珠府办函〔2026〕7号"),
    ],
)
def test_document_numbers_are_normalised(raw, expected):
    assert document_number_normalise(raw) == expected


@pytest.mark.parametrize(
    "raw",
    ["", "2026-12", "珠府〔2026〕号", "珠府〔26〕12号", "ZF〔2026〕12号", "珠府〔2026〕0号",
     "珠府〔1900〕1号", "珠府〔2026〕12"],
)  # fmt: skip
def test_bad_document_numbers_are_refused(pol, raw):
    with pytest.raises(InvalidInput) as exc:
        services.document_create(actor=pol.officer, data=document_data(pol, document_number=raw))
    fields = {e["field"] for e in exc.value.errors}
    assert "document_number" in fields


def test_the_year_of_the_number_is_the_year_of_issue(pol):
    data = document_data(pol, document_number="珠科创〔2019〕3号")
    with pytest.raises(InvalidInput) as exc:
        services.document_create(actor=pol.officer, data=data)
    assert "policy.document_number_year" in _codes(exc)


def test_a_document_number_is_unique(pol):
    services.document_create(actor=pol.officer, data=document_data(pol))
    with pytest.raises(InvalidInput) as exc:
        services.document_create(actor=pol.officer, data=document_data(pol, title="另一份文件"))
    assert "policy.duplicate_document_number" in _codes(exc)


def test_document_fields_are_checked_all_at_once(pol):
    data = document_data(
        pol,
        title="",
        issue_date="2026-02-30",
        effective_from=None,
        organisation_id=pol.industry.pk,  # not the officer's organisation
    )
    with pytest.raises(InvalidInput) as exc:
        services.document_create(actor=pol.officer, data=data)
    fields = {e["field"] for e in exc.value.errors}
    assert {"title", "issue_date", "effective_from", "organisation_id"} <= fields


def test_validity_ends_after_it_starts(pol):
    data = document_data(pol)
    data["effective_to"] = data["effective_from"] - dt.timedelta(days=1)
    with pytest.raises(InvalidInput) as exc:
        services.document_create(actor=pol.officer, data=data)
    assert "policy.validity_order" in _codes(exc)


# --- roles and scope ------------------------------------------------------------------------------


def test_only_policy_officers_write(pol):
    with pytest.raises(Forbidden):
        services.document_create(actor=pol.handler, data=document_data(pol))
    with pytest.raises(Forbidden):
        services.document_create(actor=pol.leader, data=document_data(pol))


def test_an_officer_cannot_touch_another_departments_document(pol, published_doc):
    with pytest.raises(NotFound):
        services.document_update(
            actor=pol.other_officer, document_id=published_doc.pk, data={"title": "改名"}
        )
    with pytest.raises(NotFound):
        services.item_create(
            actor=pol.other_officer, document_id=published_doc.pk, data=item_data()
        )
    # the platform administrator answers for the whole city
    services.document_update(
        actor=pol.admin, document_id=published_doc.pk, data={"title": "高新技术企业奖励办法"}
    )


# --- listing within 7 working days ----------------------------------------------------------------


def test_listing_records_whether_it_was_within_seven_working_days(pol):
    issued = dt.date(2026, 9, 25)  # a Friday before the National Day holiday
    data = document_data(
        pol, issue_date=issued, effective_from=issued, document_number="珠科创〔2026〕21号"
    )
    data["effective_to"] = issued + dt.timedelta(days=3000)
    on_time = services.document_create(actor=pol.officer, data=data)
    deadline = worktime.add_working_days(
        dt.datetime.combine(issued, dt.time(0, 0), tzinfo=SH), 7
    ).deadline
    # 7 working days after 25 September skip the 1–8 October holiday
    assert deadline.date() > issued + dt.timedelta(days=7 + 8)
    services.document_publish(actor=pol.officer, document_id=on_time.pk, at=deadline)
    on_time.refresh_from_db()
    assert on_time.listed_at == deadline and on_time.listed_on_time is True

    late = services.document_create(
        actor=pol.officer,
        data={**data, "document_number": "珠科创〔2026〕22号", "title": "迟到列出的政策文件"},
    )
    services.document_publish(
        actor=pol.officer, document_id=late.pk, at=deadline + dt.timedelta(minutes=1)
    )
    late.refresh_from_db()
    assert late.listed_on_time is False


# --- items ----------------------------------------------------------------------------------------


def test_an_item_keeps_its_rule_as_ast_and_canonical_text(pol, published_doc):
    item = services.item_create(
        actor=pol.officer,
        document_id=published_doc.pk,
        data=item_data(),
        rule_text='holds "high_tech"  and employees<=500',
    )
    assert item.status == ItemStatus.DRAFT and item.version == 0
    assert item.rule_text == 'holds "high_tech" and employees <= 500'
    assert rules.parse(item.rule_text) == item.rule


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"title": ""}, "policy.required"),
        ({"kind": "gift"}, "policy.invalid_kind"),
        ({"benefit": "  "}, "policy.required"),
        ({"amount_cap": "-1"}, "policy.invalid_amount"),
        ({"amount_cap": "很多"}, "policy.invalid_amount"),
        ({"contact_phone": "12"}, "policy.invalid_phone"),
        ({"materials": "x" * 301}, "policy.invalid_materials"),
        ({"window_start": "2026-05-01", "window_end": "2026-04-01"}, "policy.window_order"),
        ({"window_start": "2026-13-01"}, "policy.invalid_date"),
    ],
)
def test_bad_item_fields_are_refused(pol, published_doc, fields, code):
    with pytest.raises(InvalidInput) as exc:
        services.item_create(
            actor=pol.officer, document_id=published_doc.pk, data=item_data(**fields)
        )
    assert code in _codes(exc)


def test_a_rule_with_an_unknown_field_or_a_type_mismatch_is_refused(pol, published_doc):
    for text, fragment in [
        ("turnover > 5", "Unknown field 'turnover'"),
        ('employees > "many"', "employees is int"),
        ("district < 5", "district is text"),
    ]:
        with pytest.raises(rules.RuleError) as exc:
            services.item_create(
                actor=pol.officer, document_id=published_doc.pk, data=item_data(), rule_text=text
            )
        assert exc.value.status == 422 and fragment in exc.value.message
        assert exc.value.errors[0]["line"] == 1


def test_publish_checks_the_rule_and_increments_the_version(pol, make_item):
    item = make_item("employees >= 10")
    assert item.status == ItemStatus.PUBLISHED and item.version == 1
    assert item.published_at is not None
    services.item_revise(actor=pol.officer, item_id=item.pk)
    services.item_update(actor=pol.officer, item_id=item.pk, data={"rule_text": "employees >= 20"})
    item = services.item_publish(actor=pol.officer, item_id=item.pk)
    assert item.version == 2 and item.rule_text == "employees >= 20"
    # the push starts after the commit; inside the test transaction it has not started yet
    assert not PushJob.objects.filter(item=item).exists()


def test_the_push_starts_after_commit_and_stops_on_withdrawal(
    pol, make_item, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        item = make_item("employees >= 10")
    job = PushJob.objects.get(item=item)
    assert (job.trigger, job.version) == (PushTrigger.PUBLICATION, 1)
    assert job.status in (PushJobStatus.QUEUED, PushJobStatus.RUNNING, PushJobStatus.DONE)
    with django_capture_on_commit_callbacks(execute=True):
        services.item_withdraw(actor=pol.officer, item_id=item.pk, reason="政策调整")
    assert not Push.objects.filter(item=item, status=PushStatus.PENDING).exists()
    assert not PushJob.objects.filter(
        item=item, status__in=[PushJobStatus.QUEUED, PushJobStatus.RUNNING]
    ).exists()


def test_publishing_without_a_rule_is_a_422(pol, make_item):
    item = make_item("", publish=False)
    with pytest.raises(InvalidInput) as exc:
        services.item_publish(actor=pol.officer, item_id=item.pk)
    assert "policy.rule_required" in _codes(exc)


def test_publishing_an_invalid_stored_rule_is_a_422(pol, make_item):
    item = make_item("employees >= 10", publish=False)
    # a rule stored before the field catalogue changed (or written around the services)
    PolicyItem.objects.filter(pk=item.pk).update(
        rule={"op": "cmp", "field": "turnover", "cmp": ">", "value": 1}
    )
    with pytest.raises(rules.RuleError) as exc:
        services.item_publish(actor=pol.officer, item_id=item.pk)
    assert exc.value.status == 422
    assert PolicyItem.objects.get(pk=item.pk).status == ItemStatus.DRAFT


def test_exempt_items_refuse_unverifiable_fields(pol, make_item):
    item = make_item('tags has "外贸" and employees >= 10', publish=False, exempt_application=True)
    with pytest.raises(InvalidInput) as exc:
        services.item_publish(actor=pol.officer, item_id=item.pk)
    assert exc.value.status == 422
    error = exc.value.errors[0]
    assert error["field"] == "exempt_application" and error["code"] == "policy.not_verifiable"
    assert "tags" in error["message"]
    # qualifications and registry figures are verifiable
    ok = make_item('holds "high_tech" and employees >= 10', exempt_application=True)
    assert ok.status == ItemStatus.PUBLISHED


def test_items_of_a_draft_document_cannot_be_published(pol):
    document = services.document_create(actor=pol.officer, data=document_data(pol))
    item = services.item_create(
        actor=pol.officer, document_id=document.pk, data=item_data(), rule_text="employees > 1"
    )
    with pytest.raises(Conflict) as exc:
        services.item_publish(actor=pol.officer, item_id=item.pk)
    assert exc.value.code == "policy.document_not_published"


def test_a_closed_window_or_an_expired_document_blocks_publication(pol, make_item):
    past = pol.today - dt.timedelta(days=1)
    item = make_item(
        "employees > 1", publish=False, window_start=past - dt.timedelta(days=9), window_end=past
    )
    with pytest.raises(InvalidInput) as exc:
        services.item_publish(actor=pol.officer, item_id=item.pk)
    assert "policy.window_closed" in _codes(exc)
    issued = pol.today - dt.timedelta(days=800)
    old = services.document_create(
        actor=pol.officer,
        data=document_data(
            pol,
            document_number=f"珠科创〔{issued.year}〕77号",
            issue_date=issued,
            effective_from=issued,
            effective_to=past,
        ),
    )
    services.document_publish(actor=pol.officer, document_id=old.pk)
    stale = services.item_create(
        actor=pol.officer, document_id=old.pk, data=item_data(), rule_text="employees > 1"
    )
    with pytest.raises(InvalidInput) as exc:
        services.item_publish(actor=pol.officer, item_id=stale.pk)
    assert "policy.document_expired" in _codes(exc)


def test_transitions_refuse_what_the_table_does_not_allow(pol, make_item):
    item = make_item("employees > 1")
    with pytest.raises(Conflict):
        services.item_publish(actor=pol.officer, item_id=item.pk)
    with pytest.raises(Conflict):
        services.item_update(actor=pol.officer, item_id=item.pk, data={"title": "改"})
    with pytest.raises(Conflict):
        services.item_delete(actor=pol.officer, item_id=item.pk)
    with pytest.raises(InvalidInput):
        services.item_withdraw(actor=pol.officer, item_id=item.pk, reason="")
    services.item_withdraw(actor=pol.officer, item_id=item.pk, reason="政策调整")
    with pytest.raises(Conflict):
        services.item_withdraw(actor=pol.officer, item_id=item.pk, reason="再次")


def test_a_stale_revision_loses(pol, make_item):
    item = make_item("employees > 1", publish=False)
    services.item_update(actor=pol.officer, item_id=item.pk, data={"title": "甲方案"}, revision=1)
    with pytest.raises(Conflict) as exc:
        services.item_update(
            actor=pol.officer, item_id=item.pk, data={"title": "乙方案"}, revision=1
        )
    assert exc.value.code == "policy.edit_conflict"
    assert PolicyItem.objects.get(pk=item.pk).title == "甲方案"


def test_withdrawing_a_document_withdraws_its_published_items(
    pol, published_doc, make_item, django_capture_on_commit_callbacks
):
    live = make_item("employees > 1")
    draft = make_item("employees > 2", publish=False)
    with django_capture_on_commit_callbacks(execute=True):
        services.document_withdraw(
            actor=pol.officer, document_id=published_doc.pk, reason="被新政策替代"
        )
    live.refresh_from_db()
    draft.refresh_from_db()
    assert live.status == ItemStatus.WITHDRAWN and live.withdraw_reason == "被新政策替代"
    assert draft.status == ItemStatus.DRAFT
    with pytest.raises(Conflict):
        services.document_update(actor=pol.officer, document_id=published_doc.pk, data={})


def test_only_never_published_drafts_are_deleted(pol, published_doc):
    with pytest.raises(Conflict):
        services.document_delete(actor=pol.officer, document_id=published_doc.pk)
    draft = services.document_create(actor=pol.officer, data=document_data(pol, serial=99))
    services.item_create(actor=pol.officer, document_id=draft.pk, data=item_data())
    services.document_delete(actor=pol.officer, document_id=draft.pk)
    assert not PolicyDocument.objects.filter(pk=draft.pk).exists()


def test_every_write_is_audited(pol, make_item):
    item = make_item("employees > 1")
    services.faq_create(
        actor=pol.officer, item_id=item.pk, data={"question": "需要申请吗？", "answer": "需要。"}
    )
    actions = set(AuditLog.objects.values_list("action", flat=True))
    assert {
        "policy.document.create",
        "policy.document.publish",
        "policy.item.create",
        "policy.item.publish",
        "policy.faq.create",
    } <= actions
    entry = AuditLog.objects.get(action="policy.item.publish")
    assert entry.actor_id == pol.officer.pk and entry.changes["version"] == [0, 1]


def test_attachments_are_sniffed(pol, published_doc):
    from django.core.files.uploadedfile import SimpleUploadedFile

    pdf = SimpleUploadedFile("办法.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    attachment = services.attachment_add(
        actor=pol.officer, document_id=published_doc.pk, uploaded=pdf
    )
    assert attachment.content_type == "application/pdf" and attachment.name == "办法.pdf"
    fake = SimpleUploadedFile("x.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    with pytest.raises(InvalidInput) as exc:
        services.attachment_add(actor=pol.officer, document_id=published_doc.pk, uploaded=fake)
    assert "policy.attachment_type" in _codes(exc)
    renamed = SimpleUploadedFile("x.docx", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    with pytest.raises(InvalidInput) as exc:
        services.attachment_add(actor=pol.officer, document_id=published_doc.pk, uploaded=renamed)
    assert "policy.attachment_type_mismatch" in _codes(exc)
    empty = SimpleUploadedFile("e.pdf", b"", content_type="application/pdf")
    with pytest.raises(InvalidInput):
        services.attachment_add(actor=pol.officer, document_id=published_doc.pk, uploaded=empty)
    services.attachment_remove(actor=pol.officer, attachment_id=attachment.pk)
    assert published_doc.attachments.count() == 0


def test_document_statuses(pol, published_doc):
    assert published_doc.status == DocumentStatus.PUBLISHED
    with pytest.raises(Conflict):
        services.document_publish(actor=pol.officer, document_id=published_doc.pk)
