"""Basic catalogue import (format ``yiwang.catalog/1``): create, re-import, update of unified
elements seen by every implementation, all-or-nothing on any error, permission."""

from __future__ import annotations

import copy

import pytest

from yiwang.catalog.models import BasicItem
from yiwang.catalog.services import catalogue_import, implementation_create
from yiwang.core.errors import Forbidden, InvalidInput, NotFound
from yiwang.core.models import AuditLog

ITEM = {
    "code": "011230001000",
    "name": "食品经营许可",
    "kind": "xk",
    "department": "市场监督管理局",
    "implementing_levels": ["district"],
    "basis": ["《中华人民共和国食品安全法》"],
    "audience": ["legal_person"],
    "themes": ["开办餐饮店"],
    "operations": ["new", "change"],
    "conditions": ["有与经营项目相适应的经营场所"],
    "materials": [
        {
            "name": "食品经营许可申请书",
            "kind": "form",
            "form": "electronic",
            "required": True,
            "source": "applicant",
            "copies": 1,
        }
    ],
    "steps": [{"name": "受理", "role": "窗口", "days": 1}],
    "legal_limit": {"value": 20, "unit": "working_day"},
    "promised_limit": {"value": 10, "unit": "working_day"},
    "handling_type": "promised",
    "fees": [],
    "visits": 1,
    "online": True,
    "online_depth": 3,
    "tongban": "city",
    "result": {"type": "certificate", "name": "食品经营许可证"},
    "phone": "0756-12345",
    "faq": [{"q": "需要现场核查吗？", "a": "视经营项目而定。"}],
    "synonyms": ["开饭店", "餐饮许可证"],
}


def _doc(*items):
    return {"format": "yiwang.catalog/1", "items": [copy.deepcopy(i) for i in items]}


def _second():
    return dict(ITEM, code="011230002000", name="药品零售许可", synonyms=["开药店"])


def test_import_creates_then_reimport_changes_nothing(db, cat):
    counts = catalogue_import(actor=cat.reviewer, data=_doc(ITEM, _second()))
    # cat's fixture item has the same code as ITEM: updated, the other created
    assert counts == {"created": 1, "updated": 1, "unchanged": 0}
    basic = BasicItem.objects.get(code="011230002000")
    assert basic.standard["promised_limit"] == 10 and basic.standard["fee_free"] is True
    assert basic.standard["phones"] == {"consult": "0756-12345"}
    again = catalogue_import(actor=cat.reviewer, data=_doc(ITEM, _second()))
    assert again == {"created": 0, "updated": 0, "unchanged": 2}
    assert AuditLog.objects.filter(action="catalog.basic.import").count() == 2


def test_a_unified_element_changed_on_the_basic_item_reaches_implementations(cat):
    item = implementation_create(
        actor=cat.xz_editor, basic_id=cat.basic.pk, organisation_id=cat.xz_dept.pk, operation="new"
    )
    catalogue_import(
        actor=cat.reviewer, data=_doc(dict(ITEM, name="食品经营许可（含仅销售预包装食品备案）"))
    )
    item.refresh_from_db()
    assert item.basic.name == "食品经营许可（含仅销售预包装食品备案）"


@pytest.mark.parametrize(
    "broken, code",
    [
        ({"format": "other/9", "items": []}, "catalog.unknown_format"),
        (_doc(dict(ITEM, promised_limit={"value": 30, "unit": "working_day"})), None),
        (_doc(dict(ITEM, kind="nonsense")), None),
        (_doc(ITEM, dict(ITEM)), None),  # duplicate code
    ],
)
def test_a_bad_document_is_refused_whole(cat, broken, code):
    before = list(BasicItem.objects.values_list("code", "name"))
    with pytest.raises(InvalidInput) as exc:
        catalogue_import(actor=cat.reviewer, data=broken)
    if code:
        assert exc.value.code == code
    assert exc.value.errors
    assert list(BasicItem.objects.values_list("code", "name")) == before


def test_editors_may_not_import(cat):
    with pytest.raises(Forbidden):
        catalogue_import(actor=cat.xz_editor, data=_doc(_second()))


EVENT = {
    "code": "LE10",
    "name": "开办餐饮店",
    "audience": "legal_person",
    "description": "开一家饭店要办的证照。",
    "items": ["011230001000", "011230002000"],
    "bundle": {
        "name": "开办餐饮店一件事",
        "items": ["011230001000", "011230002000"],
        "shared_materials": [
            {
                "name": "营业执照",
                "kind": "certificate",
                "form": "electronic",
                "required": True,
                "source": "government",
                "copies": 1,
            }
        ],
        "lead_department": "市场监督管理局",
        "promised_limit": {"value": 5, "unit": "working_day"},
        "visits": 1,
    },
}


def _with_events(*events):
    doc = _doc(ITEM, dict(_second(), themes=["开办餐饮店"]))
    doc["life_events"] = [copy.deepcopy(e) for e in events]
    return doc


def test_life_events_and_bundles_are_imported_exported_and_reimported_unchanged(cat):
    from yiwang.catalog import facade
    from yiwang.catalog.models import LifeEvent
    from yiwang.catalog.services.basic import catalogue_export

    counts = catalogue_import(actor=cat.reviewer, data=_with_events(EVENT))
    assert counts["life_events"] == 1
    event = LifeEvent.objects.get(code="LE10")
    assert sorted(event.items.values_list("code", flat=True)) == EVENT["items"]
    bundle = facade.bundle_get(code="LE10")
    assert bundle.name == "开办餐饮店一件事" and bundle.item_codes == tuple(EVENT["items"])
    assert (bundle.promised_limit, bundle.promised_limit_unit, bundle.visits) == (
        5,
        "working_day",
        1,
    )
    exported = catalogue_export()
    assert exported["life_events"] == [EVENT]
    again = catalogue_import(actor=cat.reviewer, data=exported)
    assert again["unchanged"] == 2 and LifeEvent.objects.count() == 1
    # an event that loses its bundle in the file loses it in the catalogue too
    catalogue_import(
        actor=cat.reviewer, data=_with_events({k: v for k, v in EVENT.items() if k != "bundle"})
    )
    with pytest.raises(NotFound):
        facade.bundle_get(code="LE10")


def test_a_bundle_naming_an_item_outside_its_event_is_refused(cat):
    from yiwang.catalog.models import LifeEvent

    bad = copy.deepcopy(EVENT)
    bad["items"] = ["011230001000"]
    with pytest.raises(InvalidInput) as exc:
        catalogue_import(actor=cat.reviewer, data=_with_events(bad))
    assert any("is not one of the life event's items" in e["message"] for e in exc.value.errors)
    assert not LifeEvent.objects.exists()


def test_the_facade_gives_published_items_only(cat):
    from yiwang.catalog import facade
    from yiwang.catalog.services import version_publish, version_submit

    item = implementation_create(
        actor=cat.xz_editor, basic_id=cat.basic.pk, organisation_id=cat.xz_dept.pk, operation="new"
    )
    with pytest.raises(NotFound):
        facade.published_item_get(pk=item.pk)  # a draft is not a service yet
    version = item.versions.get()
    version_submit(actor=cat.xz_editor, version_id=version.pk)
    version_publish(actor=cat.reviewer, version_id=version.pk)
    published = facade.published_item_get(pk=item.pk)
    assert (published.name, published.basic_code, published.promised_limit) == (
        "食品经营许可",
        "011230001000",
        10,
    )
    assert published.organisation_id == cat.xz_dept.pk and published.online is True
    assert [p.id for p in facade.published_items_of_basic(basic_code="011230001000")] == [item.pk]
