"""Shared fixtures: a small organisation tree, staff users per role, task draining.

Tests run against real databases (SQLite, or PostgreSQL in the CI leg) and a real Huey storage
(an SQLite file, or Redis in the CI leg); ``run_tasks`` executes what services enqueued.
"""

from __future__ import annotations

import os
from contextlib import contextmanager

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "Yiwang#2026pass"

# Transactional tests (live_server, real concurrency) must use
# ``django_db(transaction=True, serialized_rollback=True)``: their teardown flushes every table,
# which would otherwise drop the data migrations' rows (calendar, divisions, SLA policies) for
# the tests after them and recreate content types under new keys, breaking the next serialized
# test. With serialized rollback each one restores the migrated data and flushes without
# re-running post_migrate.


@pytest.fixture(autouse=True)
def _fresh_cache_and_mail(settings):
    from django.core.cache import cache

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # Argon2 costs about 0.3 s per hash by design; the suite creates and signs in thousands of
    # accounts. Production keeps Argon2 (settings.PASSWORD_HASHERS); what is tested here is our
    # code around passwords (policy, lockout, expiry), not the hash function.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    from yiwang.core.permissions import role_permissions

    role_permissions.cache_clear()
    yield
    cache.clear()


@pytest.fixture
def org_tree(db):
    """珠海市 → 香洲区 → 区市场监督管理局 / 拱北街道 → 社区, and 市政务服务数据管理局."""
    from yiwang.core.choices import OrgKind
    from yiwang.core.models import Division
    from yiwang.core.services.organisations import organisation_create

    for code, name, level, parent in [
        ("440000000000", "广东省", 1, None),
        ("440400000000", "珠海市", 2, "440000000000"),
        ("440402000000", "香洲区", 3, "440400000000"),
        ("440403000000", "斗门区", 3, "440400000000"),
        ("440402005000", "拱北街道", 4, "440402000000"),
    ]:
        Division.objects.get_or_create(
            code=code, defaults={"name": name, "level": level, "parent_id": parent}
        )
    city = organisation_create(
        actor=None, name="珠海市", kind=OrgKind.CITY, code="t-city", division_code="440400000000"
    )
    xz = organisation_create(
        actor=None,
        name="香洲区",
        kind=OrgKind.DISTRICT,
        code="t-xz",
        parent=city,
        division_code="440402000000",
    )
    dm = organisation_create(
        actor=None,
        name="斗门区",
        kind=OrgKind.DISTRICT,
        code="t-dm",
        parent=city,
        division_code="440403000000",
    )
    city_dept = organisation_create(
        actor=None, name="市政务服务数据管理局", kind=OrgKind.DEPARTMENT, code="t-zsj", parent=city
    )
    xz_dept = organisation_create(
        actor=None, name="香洲区市场监督管理局", kind=OrgKind.DEPARTMENT, code="t-xz-scj", parent=xz
    )
    dm_dept = organisation_create(
        actor=None, name="斗门区市场监督管理局", kind=OrgKind.DEPARTMENT, code="t-dm-scj", parent=dm
    )
    street = organisation_create(
        actor=None,
        name="拱北街道",
        kind=OrgKind.STREET,
        code="t-gb",
        parent=xz,
        division_code="440402005000",
    )
    community = organisation_create(
        actor=None, name="港昌社区", kind=OrgKind.COMMUNITY, code="t-gc", parent=street
    )
    return {
        "city": city,
        "xz": xz,
        "dm": dm,
        "city_dept": city_dept,
        "xz_dept": xz_dept,
        "dm_dept": dm_dept,
        "street": street,
        "community": community,
    }


@pytest.fixture
def make_staff(db):
    from yiwang.core.services.accounts import staff_user_create

    counter = {"n": 0}

    def make(org, *roles, username=None):
        counter["n"] += 1
        return staff_user_create(
            actor=None,
            username=username or f"staff{counter['n']}",
            display_name=f"测试人员{counter['n']}",
            organisation=org,
            password=PASSWORD,
            roles=roles,
        )

    return make


@pytest.fixture
def run_tasks(django_capture_on_commit_callbacks):
    """Context manager: run on-commit callbacks, then execute every queued Huey task."""

    @contextmanager
    def runner():
        with django_capture_on_commit_callbacks(execute=True):
            yield
        drain_tasks()

    return runner


def drain_tasks(limit: int = 1000) -> int:
    """Pop and execute tasks from the real queue storage (SQLite file or Redis)."""
    from huey.contrib.djhuey import HUEY

    executed = 0
    while executed < limit:
        task = HUEY.dequeue()
        if task is None:
            break
        HUEY.execute(task)
        executed += 1
    return executed


@pytest.fixture(autouse=True)
def _english_messages():
    """Code called directly by tests speaks English, so assertions read the source strings.

    Requests through the test client still get the site default (zh-hans) from
    LocaleMiddleware unless a test sends ``Accept-Language`` (see ``english_client``)."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def english_client(client):
    """The test client asking for English pages (for assertions on message text)."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture(autouse=True)
def _keep_test_connection(monkeypatch):
    """djhuey's ``db_task`` calls ``close_old_connections()`` around every task. Inside a test's
    transaction that really closes the PostgreSQL connection (SQLite's in-memory test database
    ignores it), breaking ``drain_tasks``. A worker runs tasks outside transactions, where the
    call only drops stale connections, so tests skip it."""
    import huey.contrib.djhuey as djhuey

    monkeypatch.setattr(djhuey, "close_old_connections", lambda: None)


@pytest.fixture(autouse=True)
def _empty_queue():
    from huey.contrib.djhuey import HUEY

    HUEY.flush()
    yield
    HUEY.flush()


@pytest.fixture
def migrated_data():
    """Re-run the data migrations' seed functions (idempotent) for transactional tests whose
    database may have been flushed by an earlier transactional test."""
    import importlib

    from django.apps import apps

    for name, function in (
        ("yiwang.worktime.migrations.0002_seed_national_calendar", "seed"),
        ("yiwang.hotline.migrations.0002_seed_sla_policies", "seed"),
        ("yiwang.notify.migrations.0002_default_channel_policies", "create_defaults"),
    ):
        getattr(importlib.import_module(name), function)(apps, None)


@pytest.fixture(autouse=True)
def _transactional_tests_get_migrated_data(request):
    """Serialized rollback does not always bring the migrated rows back: after a
    non-transactional test, a transactional one and its flush, the next transactional test
    found no SLA policies (reproduced with the tracking page's tests followed by Open311's live
    server test). Every transactional test therefore re-seeds the data migrations' rows when
    they are missing."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None or not marker.kwargs.get("transaction"):
        return
    request.getfixturevalue("_django_db_helper")
    from yiwang.hotline.models import SlaPolicy

    if not SlaPolicy.objects.exists():
        request.getfixturevalue("migrated_data")
