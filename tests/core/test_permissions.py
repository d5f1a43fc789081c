"""Permission scoping per role and organisation level: subtree visibility, 404 outside."""

import pytest

from yiwang.core import selectors
from yiwang.core.choices import Role
from yiwang.core.errors import NotFound
from yiwang.core.models import Organisation
from yiwang.core.permissions import has_perm, restrict
from yiwang.core.services.accounts import citizen_register

ALL = {
    "珠海市",
    "香洲区",
    "斗门区",
    "市政务服务数据管理局",
    "香洲区市场监督管理局",
    "斗门区市场监督管理局",
    "拱北街道",
    "港昌社区",
}


@pytest.mark.parametrize(
    ("level", "expected"),
    [
        ("city", ALL),
        ("xz", {"香洲区", "香洲区市场监督管理局", "拱北街道", "港昌社区"}),
        ("xz_dept", {"香洲区市场监督管理局"}),
        ("street", {"拱北街道", "港昌社区"}),
        ("community", {"港昌社区"}),
        ("dm", {"斗门区", "斗门区市场监督管理局"}),
    ],
)
@pytest.mark.parametrize(
    "role",
    [
        Role.PLATFORM_ADMIN,
        Role.ORG_ADMIN,
        Role.HOTLINE_OPERATOR,
        Role.CASE_HANDLER,
        Role.DATA_OFFICER,
        Role.SECURITY_ANALYST,
        Role.LEADER,
        Role.AUDITOR,
    ],
)
def test_each_role_sees_exactly_its_subtree(org_tree, make_staff, level, expected, role):
    user = make_staff(org_tree[level], role)
    names = set(selectors.organisation_list(actor=user).values_list("name", flat=True))
    assert names == expected


@pytest.mark.parametrize("role", [Role.SECURITY_ADMIN, Role.AUDIT_ADMIN])
def test_roles_without_the_permission_see_nothing(org_tree, make_staff, role):
    user = make_staff(org_tree["city"], role)
    assert not selectors.organisation_list(actor=user).exists()


def test_outside_record_is_not_found_exactly_like_a_missing_one(org_tree, make_staff):
    handler = make_staff(org_tree["xz_dept"], Role.CASE_HANDLER)
    with pytest.raises(NotFound) as outside:
        selectors.organisation_get(actor=handler, pk=org_tree["dm_dept"].pk)
    with pytest.raises(NotFound) as missing:
        selectors.organisation_get(actor=handler, pk=999_999)
    assert str(outside.value) == str(missing.value)
    assert selectors.organisation_get(actor=handler, pk=org_tree["xz_dept"].pk)


def test_api_answers_404_for_another_organisations_record(client, org_tree, make_staff):
    handler = make_staff(org_tree["xz_dept"], Role.CASE_HANDLER)
    client.force_login(handler)
    own = client.get(f"/api/v1/organisations/{org_tree['xz_dept'].pk}")
    other = client.get(f"/api/v1/organisations/{org_tree['dm_dept'].pk}")
    assert own.status_code == 200 and own.json()["name"] == "香洲区市场监督管理局"
    assert other.status_code == 404
    assert other["Content-Type"] == "application/problem+json"
    assert other.json()["code"] == "not_found"


def test_anonymous_api_call_is_401_problem(client, org_tree):
    response = client.get("/api/v1/organisations")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_public_accounts_see_no_staff_records(org_tree):
    citizen = citizen_register(
        username="zs", password="Citizen#2026", real_name="张三", id_number="11010519491231002X"
    )
    assert not restrict(
        Organisation.objects.all(), citizen, "core.view_organisation", org_path="path"
    ).exists()
    assert not has_perm(citizen, "workbench.access")


def test_separation_of_duties_in_permissions(org_tree, make_staff):
    sysadmin = make_staff(org_tree["city"], Role.PLATFORM_ADMIN)
    auditadmin = make_staff(org_tree["city"], Role.AUDIT_ADMIN)
    secadmin = make_staff(org_tree["city"], Role.SECURITY_ADMIN)
    assert not has_perm(sysadmin, "audit.view")
    assert has_perm(auditadmin, "audit.view") and not has_perm(auditadmin, "core.manage_user")
    assert has_perm(secadmin, "core.manage_security_policy")
    assert not has_perm(secadmin, "audit.view") and not has_perm(secadmin, "core.manage_user")
