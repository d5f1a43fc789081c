import pytest

from yiwang.core.choices import OrgKind, Role
from yiwang.core.errors import InvalidInput, NotFound
from yiwang.core.models import AuditLog, Organisation
from yiwang.core.services.organisations import (
    organisation_create,
    organisation_move,
    organisation_update,
)


def test_paths_form_the_subtree(org_tree):
    city, xz, street = org_tree["city"], org_tree["xz"], org_tree["street"]
    assert street.path.startswith(xz.path) and xz.path.startswith(city.path)
    subtree = Organisation.objects.filter(path__startswith=xz.path)
    assert set(subtree.values_list("name", flat=True)) == {
        "香洲区",
        "香洲区市场监督管理局",
        "拱北街道",
        "港昌社区",
    }


def test_unknown_division_code_is_refused_with_field_error(org_tree):
    with pytest.raises(InvalidInput) as exc:
        organisation_create(
            actor=None,
            name="不存在区",
            kind=OrgKind.DISTRICT,
            code="x1",
            parent=org_tree["city"],
            division_code="440499000000",
        )
    assert exc.value.code == "unknown_division_code"
    assert exc.value.errors[0]["field"] == "division_code"
    assert not Organisation.objects.filter(code="x1").exists()


def test_bad_uscc_is_refused(org_tree):
    with pytest.raises(InvalidInput) as exc:
        organisation_create(
            actor=None,
            name="某局",
            kind=OrgKind.DEPARTMENT,
            code="x2",
            parent=org_tree["city"],
            uscc="11440400MB2C9271X1",
        )
    assert exc.value.code == "invalid_uscc"
    assert exc.value.errors[0]["field"] == "uscc"


def test_kind_hierarchy_is_enforced(org_tree):
    with pytest.raises(InvalidInput) as exc:
        organisation_create(
            actor=None,
            name="社区下的区",
            kind=OrgKind.DISTRICT,
            code="x3",
            parent=org_tree["community"],
        )
    assert exc.value.code == "core.org_kind_not_allowed"


def test_move_rewrites_descendant_paths_and_is_audited(org_tree, make_staff):
    admin = make_staff(org_tree["city"], Role.PLATFORM_ADMIN)
    street = organisation_move(actor=admin, org=org_tree["street"], new_parent=org_tree["dm"])
    community = Organisation.objects.get(pk=org_tree["community"].pk)
    assert street.path.startswith(org_tree["dm"].path)
    assert community.path == f"{street.path}{community.pk}/"
    assert community.depth == street.depth + 1
    record = AuditLog.objects.filter(action="core.organisation.move").get()
    assert record.changes["path"][1] == street.path
    assert record.actor == admin


def test_district_admin_cannot_touch_another_district(org_tree, make_staff):
    # An org admin of 香洲区 managing 斗门区 gets "not found", not "forbidden".
    from yiwang.core.permissions import CORE_ROLE_PERMISSIONS

    assert "core.manage_organisation" not in CORE_ROLE_PERMISSIONS[Role.ORG_ADMIN]
    admin = make_staff(org_tree["xz"], Role.PLATFORM_ADMIN)
    with pytest.raises(NotFound):
        organisation_update(actor=admin, org=org_tree["dm_dept"], name="改名")
    organisation_update(actor=admin, org=org_tree["xz_dept"], short_name="香洲市监")
