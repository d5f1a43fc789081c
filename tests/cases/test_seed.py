"""The demo applications: every state, on the demo catalogue, idempotent, the forms seeded."""

from __future__ import annotations

from rich.console import Console

from yiwang.cases import facade
from yiwang.cases.choices import CaseStatus
from yiwang.cases.models import Case, FormDefinition, Material
from yiwang.core.seed import run_seed


def test_demo_cases_in_every_state_and_a_second_run_adds_nothing(db):
    counts = run_seed(scale="small", console=Console(quiet=True))
    assert counts["demo applications"] == 300
    assert counts["application forms"] == 8
    assert FormDefinition.objects.get(basic_code="010010004000").fields
    statuses = set(Case.objects.values_list("status", flat=True))
    assert statuses == set(CaseStatus.values)
    assert Case.objects.filter(warning_level="red").exists()
    assert Material.objects.filter(case__status="delivered").exists()
    case = Case.objects.filter(status="delivered").first()
    summary = facade.case_summary(number=case.number)
    assert summary.on_time is not None and summary.completed_at is not None
    import datetime as dt

    rows = facade.case_counts(
        start=dt.datetime(2000, 1, 1, tzinfo=dt.UTC), end=dt.datetime(2100, 1, 1, tzinfo=dt.UTC)
    )
    assert sum(r.received for r in rows) == 300 and any(r.on_time_rate for r in rows)

    again = run_seed(scale="small", console=Console(quiet=True))
    assert "demo applications" not in again and "application forms" not in again
    assert Case.objects.count() == 300
