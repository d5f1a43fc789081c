"""Fixtures of the 好差评 tests: departments with handlers, the service authority's reviewer,
citizens, and a factory of service events (``served_at`` in the past moves the clock)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from tests.hotline.conftest import clock, hl, make_order  # noqa: F401  (hotline fixtures)
from yiwang.core.choices import AccountKind, Role

PASSWORD_HASH = None


def _password_hash() -> str:
    """One hash of the tests' password for every account (argon2 is slow by design)."""
    global PASSWORD_HASH
    if PASSWORD_HASH is None:
        from django.contrib.auth.hashers import make_password

        from tests.conftest import PASSWORD

        PASSWORD_HASH = make_password(PASSWORD)
    return PASSWORD_HASH


def user(username: str, *, org=None, roles=(), kind=AccountKind.STAFF, **kwargs):
    from yiwang.core.models import RoleAssignment, User

    account = User.objects.create(
        username=username,
        kind=kind,
        organisation=org,
        password=_password_hash(),
        password_changed_at=timezone.now(),
        display_name=kwargs.pop("display_name", username),
        **kwargs,
    )
    RoleAssignment.objects.bulk_create([RoleAssignment(user=account, role=r) for r in roles])
    return account


@pytest.fixture
def rt(org_tree):
    ns = SimpleNamespace(**org_tree)
    ns.handler = user("rt-xzh", org=org_tree["xz_dept"], roles=[Role.CASE_HANDLER])
    ns.dm_handler = user("rt-dmh", org=org_tree["dm_dept"], roles=[Role.CASE_HANDLER])
    ns.reviewer = user("rt-rev", org=org_tree["city_dept"], roles=[Role.SERVICE_REVIEWER])
    ns.leader = user("rt-lead", org=org_tree["city"], roles=[Role.LEADER])
    ns.citizen = user("rt-c1", kind=AccountKind.CITIZEN, display_name="张三", mobile="13800138000")
    ns.other = user("rt-c2", kind=AccountKind.CITIZEN, display_name="李四", mobile="13900139000")
    return ns


@pytest.fixture
def make_event(rt):
    from yiwang.ratings import services

    counter = {"n": 0}

    def make(*, days_ago: float = 0.1, org=None, user=None, phone="", channel="online", **kw):
        counter["n"] += 1
        data = {
            "subject_app": "cases",
            "subject_key": f"T-{counter['n']:05d}",
            "channel": channel,
            "item_code": "440100-XK-001",
            "item_name": "食品经营许可",
            "organisation_id": (org or rt.xz_dept).pk,
            "served_at": timezone.now() - dt.timedelta(days=days_ago),
            "served_user_id": None if phone else (user or rt.citizen).pk,
            "served_phone": phone,
        }
        data.update(kw)
        event, _created = services.service_event_record(actor=None, **data)
        return event

    return make


@pytest.fixture
def negative(rt, make_event):
    """A 差评 of 香洲区市场监督管理局, waiting for its verification callback."""
    from yiwang.ratings import services

    event = make_event()
    return services.rating_submit(
        actor=rt.citizen, event_id=event.pk, level="dissatisfied", comment="排队两个小时"
    )
