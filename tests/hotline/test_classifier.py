"""The dispatch classifier: held-out quality, suggestions, persistence and bad input.

Trained once per module on 2,500 generated texts (a few seconds); no database is used.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import joblib
import numpy as np
import pytest

from yiwang.hotline import classifier as dispatch
from yiwang.hotline.classifier import (
    DispatchClassifier,
    IncompatibleModelError,
    Suggestion,
    is_confident,
    split_samples,
    tokenize,
)
from yiwang.hotline.textgen import UNITS, generate_requests


@pytest.fixture(scope="module")
def samples() -> list[tuple[str, str]]:
    return [(r.text, r.unit) for r in generate_requests(2500, seed=4242)]


@pytest.fixture(scope="module")
def evaluated(samples):
    model = DispatchClassifier()
    report = model.evaluate(samples, test_size=0.2, seed=11)
    return model, report


@pytest.fixture(scope="module")
def texts() -> list[str]:
    return [r.text for r in generate_requests(60, seed=999)]


def test_held_out_quality(evaluated, samples):
    model, report = evaluated
    assert report.n_train + report.n_test == len(samples)
    assert report.n_test == pytest.approx(0.2 * len(samples), abs=len(UNITS))
    # Generated orders are ≈ 4 % ambiguous by construction; well above keyword rules (≈ 0.7).
    assert report.accuracy >= 0.85
    assert report.top3_accuracy >= 0.95
    assert report.macro_f1 >= 0.8
    assert set(report.per_unit) == set(model.units) >= set(UNITS)
    for metrics in report.per_unit.values():
        assert 0 <= metrics.precision <= 1 and 0 <= metrics.recall <= 1 and metrics.support > 0
    assert sum(m.support for m in report.per_unit.values()) == report.n_test
    # Confident suggestions (automatic dispatch) are more accurate than suggestions overall.
    assert 0.5 < report.confident_share <= 1
    assert report.confident_accuracy >= report.accuracy
    assert report.as_dict()["per_unit"]


def test_suggestions_are_sorted_probabilities(evaluated, texts):
    model, _ = evaluated
    for text in texts:
        suggestions = model.suggest(text)
        assert len(suggestions) == 3
        confidences = [s.confidence for s in suggestions]
        assert confidences == sorted(confidences, reverse=True)
        assert all(0 <= c <= 1 for c in confidences)
        assert sum(confidences) <= 1 + 1e-9
        assert len({s.unit for s in suggestions}) == 3
    everything = model.suggest(texts[0], k=100)
    assert len(everything) == len(model.units)
    assert math.isclose(sum(s.confidence for s in everything), 1.0, rel_tol=1e-9)
    assert len(model.suggest(texts[0], k=1)) == 1


def test_fast_path_matches_scikit_learn(evaluated, texts):
    model, _ = evaluated
    reference = model.predict_proba_reference(texts)
    for text, expected in zip(texts, reference, strict=True):
        by_unit = {s.unit: s.confidence for s in model.suggest(text, k=len(model.units))}
        mine = np.array([by_unit[u] for u in model.units])
        np.testing.assert_allclose(mine, expected, atol=1e-9)


def test_obvious_texts_go_to_the_obvious_unit(evaluated):
    model, _ = evaluated
    cases = {
        "网约车司机故意绕路，多收了我五十元，要求退款": "市交通运输局",
        "公司拖欠我三个月工资不发，老板找不到人": "市人力资源和社会保障局",
        "想咨询一下二手房过户的不动产登记需要哪些材料": "市自然资源局",
        "小区楼下有人占道经营，人行道都被摊贩占满了": "市城市管理和综合执法局",
    }
    for text, unit in cases.items():
        top = model.suggest(text)[0]
        assert top.unit == unit, (text, model.suggest(text))


def test_save_load_round_trip(evaluated, texts, tmp_path):
    model, _ = evaluated
    path = model.save(tmp_path / "nested" / "model.joblib")
    assert path.exists()
    loaded = DispatchClassifier.load(path)
    assert loaded.units == model.units
    for text in texts:
        assert loaded.suggest(text) == model.suggest(text)


@pytest.mark.parametrize("text", ["", "   ", "\n\t　"])
def test_empty_text_is_a_clear_error(evaluated, text):
    model, _ = evaluated
    with pytest.raises(ValueError, match="empty text"):
        model.suggest(text)


def test_untrained_model_cannot_suggest_or_save(tmp_path):
    with pytest.raises(RuntimeError, match="not trained"):
        DispatchClassifier().suggest("小区停水了")
    with pytest.raises(RuntimeError, match="untrained"):
        DispatchClassifier().save(tmp_path / "m.joblib")


def _tampered(tmp_path: Path, source: Path, **changes) -> Path:
    payload = joblib.load(source)
    payload.update(changes)
    target = tmp_path / "tampered.joblib"
    joblib.dump(payload, target)
    return target


def test_incompatible_files_are_clear_errors(evaluated, tmp_path):
    model, _ = evaluated
    good = model.save(tmp_path / "good.joblib")

    garbage = tmp_path / "garbage.joblib"
    garbage.write_bytes(b"this is not a model")
    with pytest.raises(IncompatibleModelError, match="not a readable dispatch model"):
        DispatchClassifier.load(garbage)

    other = tmp_path / "other.joblib"
    joblib.dump({"some": "dict"}, other)
    with pytest.raises(IncompatibleModelError, match="not a yiwang dispatch classifier"):
        DispatchClassifier.load(other)

    old = _tampered(tmp_path, good, version=dispatch.FORMAT_VERSION + 1)
    with pytest.raises(IncompatibleModelError, match=r"format version .*retrain"):
        DispatchClassifier.load(old)

    foreign = _tampered(tmp_path, good, sklearn="0.24.2")
    with pytest.raises(IncompatibleModelError, match=re.escape("scikit-learn 0.24.2")):
        DispatchClassifier.load(foreign)

    assert issubclass(IncompatibleModelError, ValueError)
    with pytest.raises(FileNotFoundError):
        DispatchClassifier.load(tmp_path / "missing.joblib")


def test_training_needs_two_units_and_skips_rare_ones(samples):
    one_unit = [(text, "市水务局") for text, _ in samples[:20]]
    with pytest.raises(ValueError, match="two different units"):
        DispatchClassifier().train(one_unit)
    with pytest.raises(ValueError, match="two different units"):
        DispatchClassifier().train([("", "a"), ("  ", "b")])
    rare = [*samples[:600], ("新成立单位的第一张工单", "市新成立局")]
    model = DispatchClassifier().train(rare)
    assert model.skipped_units == ["市新成立局"]
    assert "市新成立局" not in model.units


def test_is_confident():
    assert is_confident(Suggestion("市水务局", 0.93))
    assert not is_confident(Suggestion("市水务局", 0.5))
    assert is_confident(Suggestion("市水务局", 0.5), threshold=0.5)
    assert not is_confident(None)


def test_split_is_stratified_and_deterministic(samples):
    train, test = split_samples(samples, test_size=0.2, seed=3)
    assert len(train) + len(test) == len(samples)
    assert {u for _, u in test} == {u for _, u in samples}
    assert split_samples(samples, test_size=0.2, seed=3) == (train, test)
    with pytest.raises(ValueError):
        split_samples(samples, test_size=1.5)


def test_segmentation_uses_the_domain_dictionary():
    assert "网约车" in tokenize("网约车司机故意绕路")
    assert "拖欠工资" in tokenize("老板拖欠工资三个月")
    assert "不动产登记" in tokenize("怎么办理不动产登记")
    assert "噪音扰民" in tokenize("楼下酒吧噪音扰民")
    assert "占道经营" in tokenize("门口有人占道经营")
    # punctuation, numbers and stop words are dropped
    assert tokenize("，。！ 123 的了") == []


def test_jieba_cache_lives_in_the_var_dir():
    import jieba

    from yiwang import config

    tokenize("初始化")
    cache = Path(jieba.dt.cache_file)
    assert cache.parent == Path(config.var_dir()) / "cache"


def test_default_classifier_loads_once_and_follows_the_file(evaluated, samples, tmp_path, caplog):
    model, _ = evaluated
    path = tmp_path / "hotline" / "dispatch-model.joblib"
    assert dispatch.default_classifier(path) is None  # nothing trained yet: rules only

    model.save(path)
    first = dispatch.default_classifier(path)
    assert first is not None and dispatch.default_classifier(path) is first

    report, saved = dispatch.train_and_save(samples[:800], path, seed=1)
    assert saved == path and report.n_test > 0
    second = dispatch.default_classifier(path)
    assert second is not None and second is not first

    path.write_bytes(b"corrupted")
    assert dispatch.default_classifier(path) is None
    assert "dispatch model not used" in caplog.text


def test_default_model_path_is_in_the_var_dir():
    from yiwang import config

    path = dispatch.default_model_path()
    assert path.parent == Path(config.var_dir()) / "hotline"


def test_huge_text_is_classified_by_its_beginning(evaluated):
    model, _ = evaluated
    head = "网约车司机故意绕路，多收了我五十元。"
    huge = head + "测试内容" * 25_000  # 100 KB
    assert model.suggest(huge)[0].unit == model.suggest(head + "测试内容" * 400)[0].unit
