"""Implementation items and the editorial workflow: adopt, edit, submit, send back, publish
(new version each time, previous superseded), withdraw; unified elements locked; promised ≤
legal; scoping (404) and permissions (403); illegal transitions (409); every step audited."""

from __future__ import annotations

import pytest

from yiwang.catalog.choices import VersionStatus
from yiwang.catalog.models import ImplementationItem
from yiwang.catalog.selectors import version_diff
from yiwang.catalog.services import (
    implementation_create,
    implementation_withdraw,
    version_draft,
    version_publish,
    version_send_back,
    version_submit,
    version_update,
)
from yiwang.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from yiwang.core.models import AuditLog


def _adopt(cat, editor=None, org=None, operation="new"):
    return implementation_create(
        actor=editor or cat.xz_editor,
        basic_id=cat.basic.pk,
        organisation_id=(org or cat.xz_dept).pk,
        operation=operation,
    )


def _publish(cat, version):
    version_submit(actor=cat.xz_editor, version_id=version.pk)
    return version_publish(actor=cat.reviewer, version_id=version.pk)


def test_adopting_an_item_starts_a_draft_from_the_standard(cat):
    item = _adopt(cat)
    [draft] = item.versions.all()
    assert draft.status == VersionStatus.DRAFT and draft.number == 1
    assert draft.promised_limit == 10 and draft.materials == cat.basic.standard["materials"]
    assert item.code.startswith(cat.basic.code) and item.code.endswith("01")
    assert item.current is None
    assert AuditLog.objects.filter(action="catalog.implementation.create").count() == 1


def test_a_body_implements_an_item_and_operation_once(cat):
    _adopt(cat)
    with pytest.raises(Conflict) as exc:
        _adopt(cat)
    assert exc.value.code == "catalog.already_implemented"
    _adopt(cat, operation="change")  # another 业务办理项 is another implementation
    with pytest.raises(InvalidInput):
        _adopt(cat, operation="merge")


def test_the_whole_editorial_loop_makes_versions(cat):
    item = _adopt(cat)
    v1 = item.versions.get()
    version_update(actor=cat.xz_editor, version_id=v1.pk, promised_limit=5)
    version_submit(actor=cat.xz_editor, version_id=v1.pk)
    version_send_back(actor=cat.reviewer, version_id=v1.pk, note="请补充办理地点")
    v1.refresh_from_db()
    assert v1.status == VersionStatus.DRAFT and v1.review_note == "请补充办理地点"
    version_update(actor=cat.xz_editor, version_id=v1.pk, places=[{"name": "香洲区政务服务中心"}])
    _publish(cat, v1)
    item.refresh_from_db()
    assert item.current_id == v1.pk

    v2 = version_draft(actor=cat.xz_editor, item_id=item.pk)
    assert v2.number == 2 and v2.promised_limit == 5  # starts from the publication
    version_update(actor=cat.xz_editor, version_id=v2.pk, promised_limit=3, visits=0)
    _publish(cat, v2)
    v1.refresh_from_db()
    item.refresh_from_db()
    assert v1.status == VersionStatus.SUPERSEDED and item.current_id == v2.pk
    assert version_diff(actor=cat.reviewer, old_id=v1.pk, new_id=v2.pk) == {
        "promised_limit": [5, 3],
        "visits": [1, 0],
    }
    actions = set(AuditLog.objects.values_list("action", flat=True))
    assert {
        "catalog.version.update",
        "catalog.version.submit",
        "catalog.version.send_back",
        "catalog.version.publish",
        "catalog.version.draft",
    } <= actions


def test_withdrawal_takes_the_item_off_the_list(cat):
    item = _adopt(cat)
    _publish(cat, item.versions.get())
    with pytest.raises(InvalidInput):
        implementation_withdraw(actor=cat.reviewer, item_id=item.pk, reason=" ")
    implementation_withdraw(actor=cat.reviewer, item_id=item.pk, reason="事项取消")
    item.refresh_from_db()
    assert item.current is None
    assert item.versions.get().status == VersionStatus.WITHDRAWN
    with pytest.raises(Conflict):
        implementation_withdraw(actor=cat.reviewer, item_id=item.pk, reason="再次")


# --- bad input ------------------------------------------------------------------------------


def test_promised_above_legal_is_refused_and_nothing_changes(cat):
    version = _adopt(cat).versions.get()
    with pytest.raises(InvalidInput) as exc:
        version_update(actor=cat.xz_editor, version_id=version.pk, promised_limit=25)
    assert exc.value.code == "catalog.promised_over_legal"
    # across units: 15 working days are three weeks, more than 20 natural days
    with pytest.raises(InvalidInput):
        version_update(
            actor=cat.xz_editor,
            version_id=version.pk,
            promised_limit=15,
            legal_limit=20,
            legal_limit_unit="natural_day",
        )
    version.refresh_from_db()
    assert (version.promised_limit, version.legal_limit_unit) == (10, "working_day")


@pytest.mark.parametrize("field", ["name", "code", "kind", "department", "basis"])
def test_unified_elements_cannot_be_edited_at_implementation_level(cat, field):
    version = _adopt(cat).versions.get()
    with pytest.raises(InvalidInput) as exc:
        version_update(actor=cat.xz_editor, version_id=version.pk, **{field: "改了"})
    assert exc.value.code == "catalog.unified_element"
    assert exc.value.errors[0]["field"] == field


@pytest.mark.parametrize(
    "changes, code",
    [
        ({"visits": 3}, "catalog.invalid_number"),
        ({"legal_limit": -1}, "catalog.invalid_number"),
        ({"handling_type": "whenever"}, "catalog.invalid_choice"),
        ({"online": "yes"}, "catalog.invalid_flag"),
        ({"materials": [{"name": ""}]}, "catalog.material_name"),
        ({"materials": [{"name": "身份证"}, {"name": "身份证"}]}, "catalog.material_duplicate"),
        ({"materials": [{"name": "委托书", "required": False}]}, "catalog.material_condition"),
        ({"handling_type": "immediate"}, "catalog.immediate_has_limit"),
        ({"fees": [{"item": "工本费", "standard": "10元"}]}, "catalog.fees_but_free"),
        ({"colour": "red"}, "catalog.unknown_element"),
        ({"conditions": "not a list"}, "catalog.invalid_list"),
    ],
)
def test_bad_elements_get_precise_errors(cat, changes, code):
    version = _adopt(cat).versions.get()
    with pytest.raises(InvalidInput) as exc:
        version_update(actor=cat.xz_editor, version_id=version.pk, **changes)
    assert code in {e["code"] for e in exc.value.errors}


def test_another_bodys_item_is_not_found_and_editors_do_not_publish(cat):
    version = _adopt(cat).versions.get()
    with pytest.raises(NotFound):
        version_update(actor=cat.dm_editor, version_id=version.pk, promised_limit=5)
    with pytest.raises(NotFound):
        _adopt(cat, editor=cat.dm_editor)  # adopting for another district's bureau
    version_submit(actor=cat.xz_editor, version_id=version.pk)
    with pytest.raises(Forbidden):
        version_publish(actor=cat.xz_editor, version_id=version.pk)


def test_illegal_transitions_are_409(cat):
    version = _adopt(cat).versions.get()
    with pytest.raises(Conflict) as exc:
        version_publish(actor=cat.reviewer, version_id=version.pk)  # not submitted
    assert exc.value.code == "catalog.illegal_transition"
    version_submit(actor=cat.xz_editor, version_id=version.pk)
    with pytest.raises(Conflict):
        version_update(actor=cat.xz_editor, version_id=version.pk, promised_limit=5)
    with pytest.raises(Conflict):
        version_submit(actor=cat.xz_editor, version_id=version.pk)
    with pytest.raises(Conflict) as exc:  # one open version at a time
        version_draft(actor=cat.xz_editor, item_id=version.item_id)
    assert exc.value.code == "catalog.open_version_exists"
    assert ImplementationItem.objects.get().versions.count() == 1


def test_withdrawal_returns_a_pending_revision_and_a_new_draft_keeps_local_elements(cat):
    item = _adopt(cat)
    v1 = item.versions.get()
    version_update(actor=cat.xz_editor, version_id=v1.pk, promised_limit=5)
    _publish(cat, v1)
    v2 = version_draft(actor=cat.xz_editor, item_id=item.pk)
    version_submit(actor=cat.xz_editor, version_id=v2.pk)
    implementation_withdraw(actor=cat.reviewer, item_id=item.pk, reason="事项取消")
    v2.refresh_from_db()
    assert v2.status == VersionStatus.DRAFT and v2.review_note == "事项取消"
    with pytest.raises(Conflict):  # not silently re-listed by publishing the old review
        version_publish(actor=cat.reviewer, version_id=v2.pk)
    v2.delete()  # the editor starts over: the next draft comes from the withdrawn version
    v3 = version_draft(actor=cat.xz_editor, item_id=item.pk)
    assert v3.promised_limit == 5
