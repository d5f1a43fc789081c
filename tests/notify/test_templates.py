"""Templates: rendering with variables, precise errors, versioned and audited edits."""

from __future__ import annotations

import pytest

from yiwang.core.errors import Conflict, Forbidden, InvalidInput
from yiwang.core.models import AuditLog
from yiwang.notify import facade
from yiwang.notify.models import Message, Template
from yiwang.notify.services import notification_send, template_create, template_update

HELLO_BODY_V2 = "{{ name }}：事项 {{ number }} 已办结，欢迎评价。"


def test_send_renders_subject_and_body_from_context(hello_template, citizen):
    [message] = notification_send(
        actor=None,
        template_code="test.hello",
        recipients=[citizen],
        context={"name": "张三", "number": "ZH-2026-001"},
    )
    assert message.subject == "您好，张三"
    assert message.body == "张三，您的事项 ZH-2026-001 已办结。"
    assert message.template_version == 1
    assert message.payload == {"name": "张三", "number": "ZH-2026-001"}


def test_no_html_escaping_in_plain_text(hello_template, citizen):
    [message] = notification_send(
        actor=None,
        template_code="test.hello",
        recipients=[citizen],
        context={"name": "A & B <公司>", "number": "1"},
    )
    assert message.subject == "您好，A & B <公司>"


def test_unknown_template_is_a_precise_error(db, citizen):
    with pytest.raises(InvalidInput) as exc:
        notification_send(actor=None, template_code="nope.missing", recipients=[citizen])
    assert exc.value.code == "notify.unknown_template"
    assert exc.value.errors[0]["field"] == "template_code"
    assert "nope.missing" in exc.value.message


def test_missing_variable_names_the_variable(hello_template, citizen):
    with pytest.raises(InvalidInput) as exc:
        notification_send(
            actor=None, template_code="test.hello", recipients=[citizen], context={"name": "张三"}
        )
    assert exc.value.code == "notify.template_variable_missing"
    assert "number" in exc.value.message
    assert not Message.objects.exists()


def test_optional_variable_with_firstof(db, citizen):
    template_create(
        actor=None, code="test.optional", subject="通知", body='{% firstof name "市民" %}，您好'
    )
    [message] = notification_send(actor=None, template_code="test.optional", recipients=[citizen])
    assert message.body == "市民，您好"


def test_bad_syntax_refused_when_saved(db):
    with pytest.raises(InvalidInput) as exc:
        template_create(actor=None, code="test.broken", subject="ok", body="{% if x %}never closed")
    assert exc.value.code == "notify.template_syntax"
    assert exc.value.errors[0]["field"] == "body"
    assert not Template.objects.filter(code="test.broken").exists()


def test_bad_syntax_in_stored_template_is_reported_at_send(db, citizen):
    # A row written around the service (e.g. a raw import) is still caught when used.
    Template.objects.create(code="test.raw", subject="{% if x %}unclosed", body="x")
    with pytest.raises(InvalidInput) as exc:
        notification_send(actor=None, template_code="test.raw", recipients=[citizen])
    assert exc.value.code == "notify.template_syntax"
    assert "test.raw" in exc.value.message


def test_include_cannot_read_files(db, citizen):
    template_create(
        actor=None, code="test.include", subject="x", body='{% include "admin/base.html" %}'
    )
    with pytest.raises(InvalidInput) as exc:
        notification_send(actor=None, template_code="test.include", recipients=[citizen])
    assert exc.value.code == "notify.template_syntax"


def test_invalid_code_refused(db):
    with pytest.raises(InvalidInput) as exc:
        template_create(actor=None, code="Bad Code", subject="x", body="y")
    assert exc.value.errors[0]["field"] == "code"


def test_duplicate_code_is_a_conflict(hello_template):
    with pytest.raises(Conflict):
        template_create(actor=None, code="test.hello", subject="x", body="y")


def test_update_bumps_version_and_is_audited(hello_template, platform_admin, citizen):
    updated = template_update(
        actor=platform_admin,
        template=hello_template,
        subject="【一网】{{ name }}",
        body=HELLO_BODY_V2,
    )
    assert updated.version == 2
    log = AuditLog.objects.get(action="notify.template.update")
    assert log.actor == platform_admin
    assert log.changes["version"] == [1, 2]
    assert log.changes["subject"][1] == "【一网】{{ name }}"
    [message] = notification_send(
        actor=None,
        template_code="test.hello",
        recipients=[citizen],
        context={"name": "张三", "number": "1"},
    )
    assert message.template_version == 2
    # Saving the same text again changes nothing.
    assert (
        template_update(
            actor=platform_admin, template=updated, subject=updated.subject, body=updated.body
        ).version
        == 2
    )


def test_update_requires_manage_permission(hello_template, org_tree, make_staff):
    clerk = make_staff(org_tree["xz_dept"])
    with pytest.raises(Forbidden):
        template_update(actor=clerk, template=hello_template, subject="x", body="y")


def test_template_ensure_is_idempotent_and_keeps_admin_edits(db, platform_admin):
    assert facade.template_ensure("mod.event", "主题 {{ a }}", "正文 {{ a }}") is True
    template = Template.objects.get(code="mod.event")
    template_update(
        actor=platform_admin, template=template, subject="改过 {{ a }}", body="正文 {{ a }}"
    )
    assert facade.template_ensure("mod.event", "主题 {{ a }}", "正文 {{ a }}") is False
    assert Template.objects.get(code="mod.event").subject == "改过 {{ a }}"
    assert (
        AuditLog.objects.filter(action="notify.template.create", object_id=str(template.pk)).count()
        == 1
    )
