"""Fixtures of the worktime tests: a fresh engine per test, calendar administrators."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _fresh_engines():
    """Engines are per process; a test's rolled-back edits must not leak into the next test."""
    from yiwang.worktime import registry

    registry.invalidate()
    yield
    registry.invalidate()


@pytest.fixture
def national(db):
    from yiwang.worktime.models import Calendar

    return Calendar.objects.get(code="CN")


@pytest.fixture
def calendar_admin(org_tree, make_staff):
    from yiwang.core.choices import Role

    return make_staff(org_tree["city"], Role.PLATFORM_ADMIN, username="calendar-admin")


@pytest.fixture
def case_handler(org_tree, make_staff):
    from yiwang.core.choices import Role

    return make_staff(org_tree["xz_dept"], Role.CASE_HANDLER, username="handler")
