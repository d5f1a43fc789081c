"""Every service that changes data writes an audit record (acceptance: audit for every mutation).

A static guard over the service modules: each public write service (one taking ``actor``) must
call ``audit_record`` itself or delegate to a service that does. Behaviour is tested per service
in each app's tests; this test stops a new service from forgetting the audit trail.
"""

import importlib
import inspect
import pkgutil

import pytest

SERVICE_PACKAGES = [
    "yiwang.core.services",
    "yiwang.notify.services",
    "yiwang.worktime.services",
    "yiwang.hotline.services",
    "yiwang.catalog.services",
    "yiwang.cases.services",
    "yiwang.ratings.services",
    "yiwang.registry.services",
    "yiwang.policy.services",
]

# Write services that delegate the audit record to another service (name → delegate).
DELEGATES: dict[str, str] = {
    # policy: the after-commit reactions to publication and withdrawal start or stop a push
    "push_on_publication": "push_start",
    "push_on_withdrawal": "push_stop",
    # hotline: table-driven transitions audit in workflow._simple
    "work_order_sign": "_simple",
    "work_order_start": "_simple",
    "work_order_reply": "_simple",
    "work_order_return": "_simple",
    "work_order_pause": "_simple",
    "work_order_merge": "_simple",
    # hotline: the nightly recompute is a stats_rollup over fixed days
    "stats_rollup_recent": "stats_rollup",
    # hotline: dispatch, reassign and automatic dispatch audit in dispatch._assign
    "work_order_auto_dispatch": "auto_dispatch_locked",
    "auto_dispatch_locked": "_assign",
    # hotline: intake writes its records in bulk in intake._record_intake
    "work_order_create": "_record_intake",
    # notify: send_many audits in sending._store_many
    "notification_send_many": "_store_many",
    "work_order_dispatch": "_assign",
    "work_order_reassign": "_assign",
    # registry: one enterprise is a batch of one (audited per enterprise there)
    "enterprise_save": "enterprises_upsert",
    # registry: an officer's edit checks the jurisdiction, then saves through enterprise_save
    "enterprise_edit": "enterprise_save",
    # cases: table-driven transitions audit in workflow._apply
    **{
        f"case_{action}": "_apply"
        for action in (
            "accept",
            "refuse",
            "request_correction",
            "review",
            "pause",
            "resume",
            "extend",
            "decide",
            "complete",
            "deliver",
        )
    },
}

# Building blocks that take an actor but are only ever called inside an audited service's
# transaction (they write the timeline row, stage a file, or re-derive a bundle's parent).
INTERNAL = {
    "yiwang.cases.services.common.event",
    "yiwang.cases.services.common.material_build",
    "yiwang.cases.services.joint.parent_sync",
    # policy: the role and scope check (and row lock) every policy write service starts with
    "yiwang.policy.services.common.writer_check",
    "yiwang.policy.services.common.document_for_write",
    "yiwang.policy.services.common.item_for_write",
}


def _service_functions():
    for package_name in SERVICE_PACKAGES:
        package = importlib.import_module(package_name)
        modules = [package]
        if hasattr(package, "__path__"):
            modules += [
                importlib.import_module(f"{package_name}.{info.name}")
                for info in pkgutil.iter_modules(package.__path__)
            ]
        for module in modules:
            for name, fn in inspect.getmembers(module, inspect.isfunction):
                if fn.__module__ != module.__name__ or name.startswith("_"):
                    continue
                if f"{module.__name__}.{name}" in INTERNAL:
                    continue
                if "actor" in inspect.signature(fn).parameters:
                    yield f"{module.__name__}.{name}", fn


SERVICES = dict(_service_functions())


def test_the_guard_sees_the_services():
    assert len(SERVICES) >= 25


@pytest.mark.parametrize("qualname", sorted(SERVICES))
def test_write_service_calls_audit_record(qualname):
    source = inspect.getsource(SERVICES[qualname])
    name = qualname.rsplit(".", 1)[1]
    delegate = DELEGATES.get(name)
    assert "audit_record(" in source or (delegate and f"{delegate}(" in source), (
        f"{qualname} changes data without audit_record()"
    )
