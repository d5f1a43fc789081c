"""The catalogue's staff pages through the Django test client on a real database: the list with
its filters and 认领, an item with its versions and diff, the draft editor, the reviewer's queue
and the consistency report; bad inputs re-render with their errors, scope gives 404, roles 403."""

from __future__ import annotations

import pytest

from yiwang.catalog import services
from yiwang.catalog.choices import VersionStatus
from yiwang.catalog.models import BasicItem, ImplementationItem, ImplementationVersion
from yiwang.core.choices import Role

pytestmark = pytest.mark.django_db


def _adopt(cat, org=None, editor=None):
    return services.implementation_create(
        actor=editor or cat.xz_editor,
        basic_id=cat.basic.pk,
        organisation_id=(org or cat.xz_dept).pk,
    )


def _draft(item) -> ImplementationVersion:
    return item.versions.get(status=VersionStatus.DRAFT)


def _publish(cat, item) -> ImplementationVersion:
    version = _draft(item)
    services.version_submit(actor=cat.xz_editor, version_id=version.pk)
    return services.version_publish(actor=cat.reviewer, version_id=version.pk)


def _edit_data(**overrides) -> dict:
    data = {
        "legal_limit": "20",
        "legal_limit_unit": "working_day",
        "promised_limit": "5",
        "promised_limit_unit": "working_day",
        "handling_type": "promised",
        "visits": "0",
        "online": "on",
        "online_depth": "4",
        "tongban": "city",
        "fee_free": "on",
        "conditions": "有与经营项目相适应的经营场所\n有食品安全管理人员",
        "materials": (
            "食品经营许可申请书｜必要\n营业执照｜必要\n委托书｜非必要｜委托他人办理时提交"
        ),
        "steps": "受理｜窗口｜1\n审查｜科室｜4",
        "deviation_reason": "本区推行全程网办，承诺时限压缩",
        "action": "save",
    }
    data.update(overrides)
    return data


# --- permissions -------------------------------------------------------------------------------


PAGES = ["/catalog/items/", "/catalog/consistency/"]


@pytest.mark.parametrize("url", [*PAGES, "/catalog/review/", "/catalog/items/adopt/"])
def test_anonymous_is_sent_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.parametrize("url", [*PAGES, "/catalog/review/", "/catalog/items/adopt/"])
def test_staff_without_the_catalogue_role_get_403(client, cat, make_staff, url):
    client.force_login(make_staff(cat.xz_dept, Role.HOTLINE_OPERATOR))
    assert client.get(url).status_code == 403


def test_editor_may_not_open_the_review_queue_nor_publish(client, cat):
    item = _adopt(cat)
    version = _draft(item)
    services.version_submit(actor=cat.xz_editor, version_id=version.pk)
    client.force_login(cat.xz_editor)
    assert client.get("/catalog/review/").status_code == 403
    assert client.post(f"/catalog/versions/{version.pk}/publish/").status_code == 403
    version.refresh_from_db()
    assert version.status == VersionStatus.REVIEW


def test_leader_reads_but_cannot_adopt_or_edit(client, cat, make_staff):
    item = _adopt(cat)
    leader = make_staff(cat.city, Role.LEADER, username="leader")
    client.force_login(leader)
    assert client.get("/catalog/items/").status_code == 200
    assert client.get(f"/catalog/items/{item.pk}/").status_code == 200
    assert client.get("/catalog/consistency/").status_code == 200
    assert client.get("/catalog/items/adopt/").status_code == 403
    assert client.get(f"/catalog/versions/{_draft(item).pk}/edit/").status_code == 403


def test_another_bodys_item_is_404_for_an_editor(client, cat):
    item = _adopt(cat)
    version = _draft(item)
    client.force_login(cat.dm_editor)
    assert client.get(f"/catalog/items/{item.pk}/").status_code == 404
    assert client.get(f"/catalog/versions/{version.pk}/edit/").status_code == 404
    response = client.post(f"/catalog/versions/{version.pk}/edit/", _edit_data())
    assert response.status_code == 404
    assert client.post(f"/catalog/items/{item.pk}/draft/").status_code == 404
    other = client.get(f"/catalog/items/{item.pk}/diff/?old={version.pk}&new={version.pk}")
    assert other.status_code == 404
    listed = client.get("/catalog/items/")
    assert listed.context["page"].paginator.count == 0


def test_missing_objects_are_404(client, cat):
    client.force_login(cat.reviewer)
    assert client.get("/catalog/items/999999/").status_code == 404
    assert client.get("/catalog/versions/999999/edit/").status_code == 404
    assert client.post("/catalog/versions/999999/publish/").status_code == 404


# --- list and adoption -------------------------------------------------------------------------


def test_list_shows_scope_status_and_filters(client, cat):
    xz_item = _adopt(cat)
    _publish(cat, xz_item)
    dm_item = _adopt(cat, org=cat.dm_dept, editor=cat.dm_editor)
    other = BasicItem.objects.create(
        code="070420001000",
        name="医师执业注册",
        kind="qr",
        department="卫生健康局",
        implementing_levels=["district"],
        basis=["《中华人民共和国医师法》"],
        standard=dict(cat.basic.standard),
    )
    services.implementation_create(
        actor=cat.xz_editor, basic_id=other.pk, organisation_id=cat.xz_dept.pk
    )

    client.force_login(cat.xz_editor)
    response = client.get("/catalog/items/")
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 2  # own body only
    assert str(dm_item.code) not in response.content.decode()

    client.force_login(cat.reviewer)
    response = client.get("/catalog/items/")
    assert response.context["page"].paginator.count == 3  # the whole city
    assert client.get("/catalog/items/?q=医师").context["page"].paginator.count == 1
    assert client.get("/catalog/items/?kind=xk").context["page"].paginator.count == 2
    assert client.get("/catalog/items/?department=卫生健康局").context["page"].paginator.count == 1
    published = client.get("/catalog/items/?status=published").context["page"]
    assert [i.pk for i in published.object_list] == [xz_item.pk]
    assert client.get("/catalog/items/?status=draft").context["page"].paginator.count == 2
    assert client.get("/catalog/items/?status=review").context["page"].paginator.count == 0
    # an unknown filter value is ignored, not an error
    assert client.get("/catalog/items/?status=bogus&page=x").status_code == 200


def test_list_pages_by_fifty(client, cat):
    for n in range(51):
        basic = BasicItem.objects.create(
            code=f"0112300{n:02d}999",
            name=f"事项{n}",
            kind="xk",
            department="市场监督管理局",
            implementing_levels=["district"],
            basis=["《某法》"],
            standard=dict(cat.basic.standard),
        )
        services.implementation_create(
            actor=cat.xz_editor, basic_id=basic.pk, organisation_id=cat.xz_dept.pk
        )
    client.force_login(cat.xz_editor)
    first = client.get("/catalog/items/")
    assert len(first.context["rows"]) == 50
    second = client.get("/catalog/items/?page=2")
    assert len(second.context["rows"]) == 1


def test_adopt_searches_and_creates_the_item_with_a_draft(client, cat):
    client.force_login(cat.xz_editor)
    search = client.get("/catalog/items/adopt/?q=食品经营")
    assert search.status_code == 200
    assert [b.pk for b in search.context["matches"]] == [cat.basic.pk]
    orgs = dict(search.context["form"].fields["organisation_id"].choices)
    assert cat.xz_dept.pk in orgs and cat.dm_dept.pk not in orgs
    response = client.post(
        "/catalog/items/adopt/",
        {"q": "食品经营", "basic_id": cat.basic.pk, "organisation_id": cat.xz_dept.pk},
    )
    item = ImplementationItem.objects.get(basic=cat.basic, organisation=cat.xz_dept)
    draft = _draft(item)
    assert response.status_code == 302
    assert response["Location"] == f"/catalog/versions/{draft.pk}/edit/"


def test_adopt_errors_keep_the_values(client, cat):
    _adopt(cat)
    client.force_login(cat.xz_editor)
    # the same body adopting the same item twice: the service's conflict, on the form
    response = client.post(
        "/catalog/items/adopt/",
        {"q": "食品", "basic_id": cat.basic.pk, "organisation_id": cat.xz_dept.pk},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.non_field_errors()
    assert form["basic_id"].value() == str(cat.basic.pk)
    # an operation the item does not have (the basic item lists no such split)
    cat.basic.operations = ["new"]
    cat.basic.save()
    response = client.post(
        "/catalog/items/adopt/",
        {"basic_id": cat.basic.pk, "organisation_id": cat.xz_dept.pk, "operation": "cancel"},
    )
    assert "operation" in response.context["form"].errors
    # another body's organisation is not offered
    response = client.post(
        "/catalog/items/adopt/", {"basic_id": cat.basic.pk, "organisation_id": cat.dm_dept.pk}
    )
    assert "organisation_id" in response.context["form"].errors
    # no item picked
    response = client.post("/catalog/items/adopt/", {"organisation_id": cat.xz_dept.pk})
    assert "basic_id" in response.context["form"].errors
    assert ImplementationItem.objects.count() == 1


# --- item, versions, diff ----------------------------------------------------------------------


def test_item_page_shows_unified_and_published_elements(client, cat):
    item = _adopt(cat)
    _publish(cat, item)
    client.force_login(cat.xz_editor)
    response = client.get(f"/catalog/items/{item.pk}/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "全省统一要素" in body and "《中华人民共和国食品安全法》" in body
    assert "食品经营许可申请书" in body and "委托他人办理时提交" in body
    assert 'data-testid="new-draft"' in body
    assert 'data-testid="withdraw"' not in body  # editors do not withdraw


def test_new_draft_and_diff_between_versions(client, cat):
    item = _adopt(cat)
    first = _publish(cat, item)
    client.force_login(cat.xz_editor)
    response = client.post(f"/catalog/items/{item.pk}/draft/")
    second = _draft(item)
    assert response["Location"] == f"/catalog/versions/{second.pk}/edit/"
    assert client.post(f"/catalog/items/{item.pk}/draft/").status_code == 302  # 409 → message
    assert item.versions.count() == 2
    client.post(f"/catalog/versions/{second.pk}/edit/", _edit_data())
    page = client.get(f"/catalog/items/{item.pk}/")
    assert f"?old={first.pk}&amp;new={second.pk}" in page.content.decode()
    diff = client.get(f"/catalog/items/{item.pk}/diff/?old={first.pk}&new={second.pk}")
    elements = {r["element"] for r in diff.context["rows"]}
    assert {"promised_limit", "visits", "online_depth", "deviation_reason"} <= elements
    assert "legal_limit" not in elements
    assert client.get(f"/catalog/items/{item.pk}/diff/?old=x&new=1").status_code == 404
    assert client.get(f"/catalog/items/{item.pk}/diff/").status_code == 404


def test_diff_across_items_is_404(client, cat):
    item = _adopt(cat)
    other = _adopt(cat, org=cat.street, editor=cat.reviewer)
    client.force_login(cat.reviewer)
    url = f"/catalog/items/{item.pk}/diff/?old={_draft(item).pk}&new={_draft(other).pk}"
    assert client.get(url).status_code == 404


def test_reviewer_withdraws_with_a_reason(client, cat):
    item = _adopt(cat)
    _publish(cat, item)
    client.force_login(cat.reviewer)
    response = client.post(f"/catalog/items/{item.pk}/withdraw/", {"reason": "  "})
    assert response.status_code == 200
    assert "reason" in response.context["reason_form"].errors
    item.refresh_from_db()
    assert item.current is not None
    response = client.post(f"/catalog/items/{item.pk}/withdraw/", {"reason": "事项已取消"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.current is None
    client.force_login(cat.xz_editor)
    assert client.post(f"/catalog/items/{item.pk}/withdraw/", {"reason": "x"}).status_code == 403


# --- editing -----------------------------------------------------------------------------------


def test_edit_page_shows_the_draft(client, cat):
    item = _adopt(cat)
    client.force_login(cat.xz_editor)
    response = client.get(f"/catalog/versions/{_draft(item).pk}/edit/")
    assert response.status_code == 200
    form = response.context["form"]
    assert "委托书｜非必要｜委托他人办理时提交" in form["materials"].value()
    assert form["steps"].value().splitlines() == ["受理｜窗口｜1", "审查｜科室｜8"]
    assert "name" not in form.fields


def test_save_keeps_material_columns_not_on_the_form(client, cat):
    item = _adopt(cat)
    version = _draft(item)
    client.force_login(cat.xz_editor)
    response = client.post(f"/catalog/versions/{version.pk}/edit/", _edit_data())
    assert response.status_code == 302
    version.refresh_from_db()
    assert version.promised_limit == 5 and version.visits == 0 and version.online_depth == 4
    assert version.conditions == ["有与经营项目相适应的经营场所", "有食品安全管理人员"]
    licence = version.materials[1]
    assert licence == {
        "name": "营业执照",
        "kind": "certificate",
        "form": "electronic",
        "required": True,
    }
    assert version.materials[2]["condition"] == "委托他人办理时提交"
    assert version.steps[1] == {"name": "审查", "role": "科室", "days": 4}
    assert version.status == VersionStatus.DRAFT


def test_promised_over_legal_is_refused_on_the_field(client, cat):
    item = _adopt(cat)
    version = _draft(item)
    client.force_login(cat.xz_editor)
    response = client.post(f"/catalog/versions/{version.pk}/edit/", _edit_data(promised_limit="30"))
    assert response.status_code == 200
    form = response.context["form"]
    assert "promised_limit" in form.errors
    assert form["promised_limit"].value() == "30"  # the typed value is kept
    assert form["deviation_reason"].value() == "本区推行全程网办，承诺时限压缩"
    assert 'value="30"' in response.content.decode()
    version.refresh_from_db()
    assert version.promised_limit == 10


def test_a_unified_element_cannot_be_posted(client, cat):
    item = _adopt(cat)
    version = _draft(item)
    client.force_login(cat.xz_editor)
    response = client.post(
        f"/catalog/versions/{version.pk}/edit/",
        _edit_data(name="食品经营许可（改）", department="某局", code="999"),
    )
    assert response.status_code == 302
    cat.basic.refresh_from_db()
    assert cat.basic.name == "食品经营许可" and cat.basic.department == "市场监督管理局"
    assert item.code == ImplementationItem.objects.get(pk=item.pk).code


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("materials", "营业执照", "Line 1"),
        ("materials", "营业执照｜必要\n委托书｜可能｜委托时", "Line 2"),
        ("materials", "营业执照｜必要｜x｜y", "Line 1"),
        ("materials", "", ""),
        ("steps", "受理｜窗口｜一天", "Line 1"),
        ("steps", "受理｜窗口", "Line 1"),
        ("legal_limit", "abc", ""),
        ("legal_limit", "400", ""),
        ("visits", "3", ""),
        ("handling_type", "fast", ""),
    ],
)
def test_malformed_input_gets_a_field_error(english_client, cat, field, value, fragment):
    client = english_client
    item = _adopt(cat)
    version = _draft(item)
    client.force_login(cat.xz_editor)
    response = client.post(f"/catalog/versions/{version.pk}/edit/", _edit_data(**{field: value}))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors
    assert fragment in " ".join(errors[field])
    assert 'data-testid="form-errors"' in response.content.decode()
    version.refresh_from_db()
    assert version.promised_limit == 10


def test_service_rules_map_to_fields(client, cat):
    item = _adopt(cat)
    version = _draft(item)
    client.force_login(cat.xz_editor)
    cases = [
        (_edit_data(materials="营业执照｜必要\n营业执照｜必要"), "materials"),
        (_edit_data(materials="营业执照｜非必要"), "materials"),  # condition missing
        (_edit_data(handling_type="immediate"), "promised_limit"),
    ]
    for data, field in cases:
        response = client.post(f"/catalog/versions/{version.pk}/edit/", data)
        assert response.status_code == 200
        assert field in response.context["form"].errors, data


def test_only_a_draft_is_edited(client, cat):
    item = _adopt(cat)
    version = _draft(item)
    services.version_submit(actor=cat.xz_editor, version_id=version.pk)
    client.force_login(cat.xz_editor)
    response = client.post(f"/catalog/versions/{version.pk}/edit/", _edit_data())
    assert response.status_code == 302
    assert response["Location"] == f"/catalog/items/{item.pk}/"
    version.refresh_from_db()
    assert version.promised_limit == 10


# --- the loop and review -----------------------------------------------------------------------


def test_adopt_edit_submit_send_back_then_publish(client, cat):
    client.force_login(cat.xz_editor)
    client.post(
        "/catalog/items/adopt/", {"basic_id": cat.basic.pk, "organisation_id": cat.xz_dept.pk}
    )
    item = ImplementationItem.objects.get(organisation=cat.xz_dept)
    version = _draft(item)
    response = client.post(f"/catalog/versions/{version.pk}/edit/", _edit_data(action="submit"))
    assert response["Location"] == f"/catalog/items/{item.pk}/"
    version.refresh_from_db()
    assert version.status == VersionStatus.REVIEW and version.promised_limit == 5

    client.force_login(cat.reviewer)
    queue = client.get("/catalog/review/")
    assert queue.status_code == 200
    [entry] = queue.context["entries"]
    assert entry["version"].pk == version.pk and entry["against_standard"]
    assert "promised_limit" in {r["element"] for r in entry["rows"]}

    # a send-back needs its note
    response = client.post(
        f"/catalog/versions/{version.pk}/send-back/", {f"v{version.pk}-note": ""}
    )
    assert response.status_code == 200
    [entry] = response.context["entries"]
    assert "note" in entry["form"].errors
    version.refresh_from_db()
    assert version.status == VersionStatus.REVIEW

    response = client.post(
        f"/catalog/versions/{version.pk}/send-back/",
        {f"v{version.pk}-note": "承诺时限压缩依据不足，请补充文件"},
    )
    assert response.status_code == 302
    version.refresh_from_db()
    assert version.status == VersionStatus.DRAFT

    client.force_login(cat.xz_editor)
    page = client.get(f"/catalog/versions/{version.pk}/edit/")
    assert "承诺时限压缩依据不足" in page.content.decode()
    client.post(
        f"/catalog/versions/{version.pk}/edit/",
        _edit_data(action="submit", deviation_reason="依据区政府文件压缩时限"),
    )

    client.force_login(cat.reviewer)
    response = client.post(f"/catalog/versions/{version.pk}/publish/")
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.current_id == version.pk
    assert client.get("/catalog/review/").context["entries"] == []
    # publishing twice is refused with a message, nothing changes
    response = client.post(f"/catalog/versions/{version.pk}/publish/", follow=True)
    assert response.status_code == 200
    assert list(response.context["messages"])


def test_review_queue_diffs_against_the_published_version(client, cat):
    item = _adopt(cat)
    _publish(cat, item)
    draft = services.version_draft(actor=cat.xz_editor, item_id=item.pk)
    services.version_update(actor=cat.xz_editor, version_id=draft.pk, visits=0)
    services.version_submit(actor=cat.xz_editor, version_id=draft.pk)
    client.force_login(cat.reviewer)
    [entry] = client.get("/catalog/review/").context["entries"]
    assert not entry["against_standard"]
    assert [r["element"] for r in entry["rows"]] == ["visits"]


# --- consistency report ------------------------------------------------------------------------


def test_consistency_page_charts_and_unjustified_filter(client, cat):
    xz = _adopt(cat)
    services.version_update(actor=cat.xz_editor, version_id=_draft(xz).pk, visits=0)
    _publish(cat, xz)
    dm = _adopt(cat, org=cat.dm_dept, editor=cat.dm_editor)
    services.version_update(
        actor=cat.dm_editor,
        version_id=_draft(dm).pk,
        visits=2,
        deviation_reason="需现场核验",
    )
    version = _draft(dm)
    services.version_submit(actor=cat.dm_editor, version_id=version.pk)
    services.version_publish(actor=cat.reviewer, version_id=version.pk)

    client.force_login(cat.reviewer)
    response = client.get("/catalog/consistency/")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="consistency-data"' in body and "vendor/echarts/echarts.min.js" in body
    chart = response.context["chart_data"]
    assert set(chart["district"]["names"]) == {"香洲区", "斗门区"}
    assert dict(zip(chart["district"]["names"], chart["district"]["values"], strict=True)) == {
        "香洲区": 0.0,
        "斗门区": 100.0,
    }
    [row] = response.context["rows"]
    assert row["row"].code == cat.basic.code
    assert body.count('data-unjustified="1"') == 1
    only = client.get("/catalog/consistency/?unjustified=1")
    assert len(only.context["rows"]) == 1 and only.context["only_unjustified"]

    services.version_draft(actor=cat.xz_editor, item_id=xz.pk)
    fix = _draft(xz)
    services.version_update(actor=cat.xz_editor, version_id=fix.pk, deviation_reason="全程网办")
    services.version_submit(actor=cat.xz_editor, version_id=fix.pk)
    services.version_publish(actor=cat.reviewer, version_id=fix.pk)
    only = client.get("/catalog/consistency/?unjustified=1")
    assert only.context["rows"] == []


def test_nav_entries_by_role(client, cat):
    client.force_login(cat.xz_editor)
    body = client.get("/workbench/").content.decode()
    assert "/catalog/items/" in body and "/catalog/review/" not in body
    client.force_login(cat.reviewer)
    body = client.get("/workbench/").content.decode()
    assert "/catalog/review/" in body and "/catalog/consistency/" in body


def test_list_query_count_does_not_grow_with_the_rows(client, cat):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count() -> int:
        # the fewer of two: the calendar's periodic version check (worktime.registry) is one
        # query that can land in any request
        sizes = []
        for _ in range(2):
            with CaptureQueriesContext(connection) as queries:
                assert client.get("/catalog/items/").status_code == 200
            sizes.append(len(queries))
        return min(sizes)

    client.force_login(cat.reviewer)
    _adopt(cat)
    count()  # warm the per-process caches (role permissions)
    few = count()
    for n in range(5):
        basic = BasicItem.objects.create(
            code=f"01123000{n}888",
            name=f"事项{n}",
            kind="xk",
            department="市场监督管理局",
            implementing_levels=["district"],
            basis=["《某法》"],
            standard=dict(cat.basic.standard),
        )
        item = services.implementation_create(
            actor=cat.xz_editor, basic_id=basic.pk, organisation_id=cat.xz_dept.pk
        )
        if n % 2:
            _publish(cat, item)
    assert count() == few


def test_pages_on_the_demo_city(client, make_staff):
    from rich.console import Console

    from yiwang.core.models import Organisation
    from yiwang.core.seed import run_seed

    run_seed(scale="small", console=Console(quiet=True))
    reviewer = make_staff(Organisation.objects.get(code="zh-d000"), Role.SERVICE_REVIEWER)
    client.force_login(reviewer)
    listed = client.get("/catalog/items/?status=published")
    assert listed.context["page"].paginator.count > 600 and len(listed.context["rows"]) == 50
    item = listed.context["rows"][0][0]
    assert client.get(f"/catalog/items/{item.pk}/").status_code == 200
    report = client.get("/catalog/consistency/")
    assert report.status_code == 200
    everything = len(report.context["rows"])
    flagged = client.get("/catalog/consistency/?unjustified=1").context["rows"]
    assert 0 < len(flagged) < everything
    assert all(any(i["impl"].unjustified for i in r["implementations"]) for r in flagged)
    assert 'data-unjustified="1"' in report.content.decode()


@pytest.mark.parametrize("value", ["²", "9999999999999999999999999", "-1", "1e3", ""])
def test_odd_ids_are_404_or_a_form_error_never_a_500(client, cat, value):
    item = _adopt(cat)
    version = _publish(cat, item)
    client.force_login(cat.xz_editor)
    diff = client.get(f"/catalog/items/{item.pk}/diff/", {"old": value, "new": version.pk})
    assert diff.status_code == 404
    adopt = client.post(
        "/catalog/items/adopt/", {"basic_id": value, "organisation_id": cat.xz_dept.pk}
    )
    assert adopt.status_code == 200 and adopt.context["form"].errors


def test_odd_step_days_are_a_field_error(english_client, cat):
    version = _draft(_adopt(cat))
    english_client.force_login(cat.xz_editor)
    response = english_client.post(
        f"/catalog/versions/{version.pk}/edit/", _edit_data(steps="受理｜窗口｜²")
    )
    assert response.status_code == 200
    assert "Line 1" in " ".join(response.context["form"].errors["steps"])
