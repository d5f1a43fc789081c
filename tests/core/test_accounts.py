import pytest

from tests.conftest import PASSWORD
from yiwang.core.choices import Role
from yiwang.core.errors import Conflict, InvalidInput, NotFound
from yiwang.core.models import AuditLog, CitizenProfile
from yiwang.core.services.accounts import (
    citizen_register,
    enterprise_account_create,
    enterprise_user_register,
    staff_user_create,
    user_set_roles,
)


def test_citizen_id_number_is_encrypted_and_masked(db):
    user = citizen_register(
        username="zs",
        password="Citizen#2026",
        real_name="张三",
        id_number="11010519491231002x",
        mobile="13800138000",
    )
    profile = CitizenProfile.objects.get(user=user)
    assert profile.id_number_masked == "1101**********002X"
    assert "11010519491231002X" not in profile.id_number_encrypted
    assert profile.reveal_id_number() == "11010519491231002X"
    assert str(profile) == "张三 (1101**********002X)"
    record = AuditLog.objects.get(action="core.citizen.register")
    assert "11010519491231002X" not in str(record.changes)
    assert user.masked_mobile == "138****8000"


def test_citizen_with_bad_check_digit_is_refused_and_nothing_saved(db):
    with pytest.raises(InvalidInput) as exc:
        citizen_register(
            username="zs", password="Citizen#2026", real_name="张三", id_number="110105194912310021"
        )
    assert exc.value.errors[0]["field"] == "id_number"
    assert not CitizenProfile.objects.exists()


def test_same_id_number_cannot_register_twice(db):
    citizen_register(
        username="a", password="Citizen#2026", real_name="张三", id_number="11010519491231002X"
    )
    with pytest.raises(Conflict):
        citizen_register(
            username="b", password="Citizen#2026", real_name="张三", id_number="11010519491231002X"
        )


def test_enterprise_has_several_users(db):
    account = enterprise_account_create(actor=None, uscc="91350100M000100Y43", name="测试企业")
    for name in ("agent1", "agent2"):
        enterprise_user_register(
            enterprise=account, username=name, password=PASSWORD, display_name=name
        )
    assert account.members.count() == 2
    with pytest.raises(InvalidInput) as exc:
        enterprise_account_create(actor=None, uscc="91350100M000100Y44", name="错码企业")
    assert exc.value.errors[0]["field"] == "uscc"


def test_weak_password_gets_field_errors(org_tree):
    with pytest.raises(InvalidInput) as exc:
        staff_user_create(
            actor=None,
            username="weak",
            display_name="弱",
            password="abcdefgh",
            organisation=org_tree["city"],
        )
    codes = {e["code"] for e in exc.value.errors}
    assert "password_too_simple" in codes
    assert {e["field"] for e in exc.value.errors} == {"password"}


def test_separation_of_duties_refuses_two_admin_roles(org_tree, make_staff):
    admin = make_staff(org_tree["city"], Role.PLATFORM_ADMIN)
    user = make_staff(org_tree["city"], Role.LEADER)
    with pytest.raises(InvalidInput) as exc:
        user_set_roles(actor=admin, user=user, roles=[Role.SECURITY_ADMIN, Role.AUDIT_ADMIN])
    assert exc.value.code == "core.separation_of_duties"
    user_set_roles(actor=admin, user=user, roles=[Role.AUDIT_ADMIN])
    user.refresh_from_db()
    assert user.is_staff
    assert AuditLog.objects.filter(action="core.user.set_roles", object_id=str(user.pk)).exists()


def test_org_admin_manages_only_own_subtree_and_cannot_grant_admin_roles(org_tree, make_staff):
    xz_admin = make_staff(org_tree["xz"], Role.ORG_ADMIN)
    staff_user_create(
        actor=xz_admin,
        username="new1",
        display_name="新人",
        password=PASSWORD,
        organisation=org_tree["street"],
        roles=[Role.CASE_HANDLER],
    )
    with pytest.raises(NotFound):
        staff_user_create(
            actor=xz_admin,
            username="new2",
            display_name="新人",
            password=PASSWORD,
            organisation=org_tree["dm_dept"],
            roles=[Role.CASE_HANDLER],
        )
    with pytest.raises(InvalidInput) as exc:
        staff_user_create(
            actor=xz_admin,
            username="new3",
            display_name="新人",
            password=PASSWORD,
            organisation=org_tree["street"],
            roles=[Role.PLATFORM_ADMIN],
        )
    assert exc.value.code == "core.role_not_grantable"
