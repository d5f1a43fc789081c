"""``yiwang hotline evaluate-dispatch`` / ``train-dispatch`` through the console entry point."""

from __future__ import annotations

import json
import random

import pytest

from yiwang.cli import main
from yiwang.core.choices import OrgKind
from yiwang.hotline import suggestions
from yiwang.hotline.choices import Status
from yiwang.hotline.models import WorkOrder
from yiwang.hotline.textgen import generate_request

UNITS = ["市人力资源和社会保障局", "市交通运输局", "市住房和城乡建设局"]


@pytest.fixture
def closed_orders(hl):
    """40 closed orders per unit of three units (texts from the generator)."""
    from django.utils import timezone

    from yiwang.core.services.organisations import organisation_create

    units = {"市住房和城乡建设局": hl.housing}
    for i, name in enumerate(UNITS[:2]):
        units[name] = organisation_create(
            actor=None, name=name, kind=OrgKind.DEPARTMENT, code=f"t-e{i}", parent=hl.city
        )
    rng = random.Random(5)
    now = timezone.now()
    rows = []
    for name in UNITS:
        for _ in range(40):
            text = generate_request(rng, unit_topic=name).text
            rows.append(
                WorkOrder(
                    number=f"T{len(rows):06d}",
                    city=hl.city,
                    channel="phone",
                    category="complaint",
                    lane="general",
                    requester_kind="citizen",
                    requester_name="张三",
                    contact_phone="13800138000",
                    title=text[:30],
                    content=text,
                    status=Status.CLOSED if len(rows) % 2 else Status.CALLED_BACK,
                    lead_unit=units[name],
                    received_at=now,
                )
            )
    WorkOrder.objects.bulk_create(rows)
    return units


def _json_last(out: str) -> dict:
    lines = [line for line in out.strip().splitlines() if line.strip()]
    return json.loads(lines[-1])


def test_evaluates_on_closed_orders(closed_orders, capsys):
    code = main(
        ["hotline", "evaluate-dispatch", "--city", "t-city", "--min-closed", "50", "--seed", "3"]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "evaluating on 120 closed orders" in out
    result = _json_last(out)
    assert result["source"] == "closed_orders" and result["closed_orders"] == 120
    assert result["n_train"] + result["n_test"] == 120
    assert result["n_test"] == pytest.approx(24, abs=3)  # --test-size 0.2, stratified
    assert 0.6 <= result["accuracy"] <= 1 and result["top3_accuracy"] == 1.0
    assert set(result["per_unit"]) == set(UNITS)  # unit names, not ids
    for name in UNITS:
        assert name in out  # the table
        metrics = result["per_unit"][name]
        assert 0 <= metrics["precision"] <= 1 and 0 <= metrics["recall"] <= 1
    assert "precision" in out and "recall" in out


def test_too_few_closed_orders_fall_back_to_the_generated_corpus(hl, capsys):
    code = main(["hotline", "evaluate-dispatch", "--test-size", "0.3"])
    out = capsys.readouterr().out
    assert code == 0
    assert "only 0 closed orders" in out and "generated corpus" in out
    result = _json_last(out)
    assert result["source"] == "generated" and result["closed_orders"] == 0
    assert result["n_test"] == pytest.approx(0.3 * suggestions.COLD_START_SAMPLES, abs=20)
    assert result["accuracy"] > 0.8


@pytest.mark.parametrize(
    "argv",
    [
        ["--test-size", "1.5"],
        ["--test-size", "0"],
        ["--test-size", "abc"],
        ["--seed", "x"],
        ["--city", "no-such-city"],
        ["--unknown"],
    ],
)
def test_bad_arguments_exit_2(hl, capsys, argv):
    assert main(["hotline", "evaluate-dispatch", *argv]) == 2
    assert capsys.readouterr().err.strip()


def test_unknown_subcommand_exits_2(hl, capsys):
    assert main(["hotline", "nonsense"]) == 2
    assert main(["hotline"]) == 2


def test_train_dispatch_saves_the_model(closed_orders, capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("YIWANG_VAR_DIR", str(tmp_path))
    assert main(["hotline", "train-dispatch", "--city", "t-city"]) == 0
    result = _json_last(capsys.readouterr().out)
    assert result["city_id"] == closed_orders["市交通运输局"].parent_id
    # 120 closed orders < MIN_CLOSED_ORDERS: the generated corpus is added (cold start).
    assert result["closed_orders"] == 120 and result["generated"] > 0
    assert suggestions.model_path(result["city_id"]).exists()
    ranked = suggestions.dispatch_suggestions(
        city_id=result["city_id"], text="公司拖欠工资三个月不发，老板跑路了，要求讨薪"
    )
    assert ranked[0].unit_name == "市人力资源和社会保障局"
