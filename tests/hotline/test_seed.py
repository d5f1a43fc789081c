"""The hotline seed steps: catalogue rules and demo orders, idempotent and deterministic."""

from __future__ import annotations

from rich.console import Console

from yiwang.core.seed import run_seed
from yiwang.hotline.models import DispatchRule, WorkOrder


def test_seed_creates_rules_and_orders_in_many_states_and_is_idempotent(db):
    counts = run_seed(scale="small", console=Console(quiet=True))
    assert counts["hotline dispatch rules"] >= 15
    assert 50 <= counts["hotline work orders"] <= 200
    statuses = set(WorkOrder.objects.values_list("status", flat=True))
    assert {"dispatched", "in_progress", "replied", "closed", "called_back"} <= statuses
    market = DispatchRule.objects.get(name="香洲区食品与消费")
    assert market.lead_unit.name == "香洲区市场监督管理局"
    again = run_seed(scale="small", console=Console(quiet=True))
    assert "hotline work orders" not in again and "hotline dispatch rules" not in again
