"""Benchmark of smart dispatch: held-out accuracy and per-order suggestion latency.

    .venv/bin/yiwang bench hotline-dispatch [--items 6000] [--test-size 0.2] [--seed 20261129]
                                            [--latency-items 1000] [--rounds 3]

Generates ``--items`` request texts with ``yiwang.hotline.textgen`` (every unit, topic and
category; some orders recorded on another unit than the text's topic, as on real closed
orders), trains ``DispatchClassifier`` on a stratified 80 % and reports accuracy, top-3 accuracy
and macro-F1 on the held-out 20 %. The peer is a keyword rule table of the kind a hotline centre
writes by hand (first matching keyword wins, else the most common unit), scored on the same test
set; ``accuracy_gain`` is ours minus the peer's. Latency is ``suggest(text)`` per order over
``--latency-items`` held-out texts after a warm-up, ``--rounds`` times, percentiles pooled; the
same texts through scikit-learn's own ``transform``/``predict_proba`` are timed for reference.
Progress goes to stderr; the last line on stdout is one JSON object. No database is needed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from _common import latency_summary, percentile

# The peer: a hand-written keyword → unit table, checked in order (more specific words first).
KEYWORD_RULES: tuple[tuple[str, str], ...] = (
    ("网约车", "市交通运输局"),
    ("出租车", "市交通运输局"),
    ("公交", "市交通运输局"),
    ("工资", "市人力资源和社会保障局"),
    ("社保", "市人力资源和社会保障局"),
    ("劳动合同", "市人力资源和社会保障局"),
    ("招聘", "市人力资源和社会保障局"),
    ("医保", "市医疗保障局"),
    ("报销", "市医疗保障局"),
    ("疫苗", "市卫生健康局"),
    ("医院", "市卫生健康局"),
    ("诊所", "市卫生健康局"),
    ("学位", "市教育局"),
    ("入学", "市教育局"),
    ("培训", "市教育局"),
    ("不动产", "市自然资源局"),
    ("发票", "国家税务总局珠海市税务局"),
    ("个税", "国家税务总局珠海市税务局"),
    ("退税", "国家税务总局珠海市税务局"),
    ("户口", "市公安局"),
    ("落户", "市公安局"),
    ("身份证", "市公安局"),
    ("护照", "市公安局"),
    ("通行证", "市公安局"),
    ("被盗", "市公安局"),
    ("赌博", "市公安局"),
    ("停水", "市水务局"),
    ("水压", "市水务局"),
    ("自来水", "市水务局"),
    ("用水", "市水务局"),
    ("用电", "市发展和改革局"),
    ("政策", "市工业和信息化局"),
    ("贷款", "市工业和信息化局"),
    ("融资", "市工业和信息化局"),
    ("许可证", "市政务服务数据管理局"),
    ("粤省事", "市政务服务数据管理局"),
    ("政务服务", "市政务服务数据管理局"),
    ("窗口", "市政务服务数据管理局"),
    ("商标", "市市场监督管理局"),
    ("专利", "市市场监督管理局"),
    ("电梯", "市市场监督管理局"),
    ("过期", "市市场监督管理局"),
    ("价格", "市市场监督管理局"),
    ("退款", "市市场监督管理局"),
    ("会员卡", "市市场监督管理局"),
    ("物业", "市住房和城乡建设局"),
    ("开发商", "市住房和城乡建设局"),
    ("燃气", "市住房和城乡建设局"),
    ("工地", "市住房和城乡建设局"),
    ("噪音", "市生态环境局"),
    ("油烟", "市生态环境局"),
    ("排污", "市生态环境局"),
    ("废气", "市生态环境局"),
    ("摊贩", "市城市管理和综合执法局"),
    ("占道", "市城市管理和综合执法局"),
    ("违建", "市城市管理和综合执法局"),
    ("垃圾", "市城市管理和综合执法局"),
    ("路灯", "市城市管理和综合执法局"),
    ("道路", "市交通运输局"),
    ("餐", "市市场监督管理局"),
)


class KeywordBaseline:
    """First matching keyword wins; otherwise the most common unit of the training data."""

    name = "keyword rules (first match, else most common unit)"

    def __init__(self, rules: tuple[tuple[str, str], ...] = KEYWORD_RULES) -> None:
        self.rules = rules
        self.fallback = ""

    def train(self, samples: list[tuple[str, str]]) -> KeywordBaseline:
        self.fallback = Counter(unit for _, unit in samples).most_common(1)[0][0]
        return self

    def predict(self, text: str) -> str:
        for keyword, unit in self.rules:
            if keyword in text:
                return unit
        return self.fallback


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="yiwang bench hotline-dispatch", description=__doc__)
    parser.add_argument("--items", type=int, default=6000, help="generated request texts")
    parser.add_argument("--test-size", type=float, default=0.2, help="held-out share")
    parser.add_argument("--seed", type=int, default=20261129)
    parser.add_argument("--latency-items", type=int, default=1000, help="texts timed per round")
    parser.add_argument("--rounds", type=int, default=3, help="latency rounds")
    args = parser.parse_args(argv)

    import jieba
    import sklearn
    from rich.console import Console
    from rich.progress import Progress

    from yiwang.hotline import classifier as dispatch
    from yiwang.hotline.textgen import generate_requests

    console = Console(stderr=True)
    with console.status("initialising jieba"):
        started = time.perf_counter()
        dispatch.tokenize("初始化")
        jieba_init_ms = (time.perf_counter() - started) * 1000

    with console.status(f"generating {args.items} request texts"):
        requests = generate_requests(args.items, seed=args.seed)
        samples = [(r.text, r.unit) for r in requests]
        distinct = len({r.text for r in requests})
        train, test = dispatch.split_samples(samples, test_size=args.test_size, seed=args.seed)
    console.print(
        f"{len(samples)} texts ({distinct} distinct), {len({u for _, u in samples})} units; "
        f"train {len(train)}, test {len(test)}"
    )

    with console.status("training (jieba + TF-IDF + LinearSVC, temperature-calibrated)"):
        model = dispatch.DispatchClassifier()
        started = time.perf_counter()
        model.train(train)
        train_seconds = time.perf_counter() - started

    with console.status("scoring the held-out split"):
        report = model.score(test, n_train=len(train))
        baseline = KeywordBaseline().train(train)
        baseline_accuracy = sum(1 for text, unit in test if baseline.predict(text) == unit) / len(
            test
        )

    with console.status("saving and loading the model"), tempfile.TemporaryDirectory() as tmp:
        path = model.save(Path(tmp) / "dispatch-model.joblib")
        model_bytes = path.stat().st_size
        started = time.perf_counter()
        model = dispatch.DispatchClassifier.load(path)
        load_ms = (time.perf_counter() - started) * 1000

    texts = [text for text, _ in test]
    timed = (texts * (args.latency_items // max(1, len(texts)) + 1))[: args.latency_items]
    suggest = model.suggest
    for text in texts[:200]:  # warm-up: caches of jieba and NumPy code paths
        suggest(text)
    latencies: list[float] = []
    round_p99: list[float] = []
    clock = time.perf_counter_ns
    with Progress(console=console, transient=False) as progress:
        task = progress.add_task("suggest() latency", total=args.rounds * len(timed))
        for _ in range(args.rounds):
            this_round: list[float] = []
            for text in timed:
                t0 = clock()
                suggest(text)
                this_round.append((clock() - t0) / 1e6)
            progress.advance(task, len(timed))
            round_p99.append(percentile(this_round, 0.99))
            latencies.extend(this_round)
        reference: list[float] = []
        task = progress.add_task("scikit-learn transform/predict_proba", total=len(timed))
        for text in timed[:200]:
            t0 = clock()
            model.predict_proba_reference([text])
            reference.append((clock() - t0) / 1e6)
        progress.update(task, completed=len(timed))
    summary = latency_summary(latencies, digits=3)

    result = {
        "benchmark": "hotline-dispatch",
        "workload": "generated 12345 request texts, stratified held-out split",
        "items": len(samples),
        "distinct_texts": distinct,
        "units": len(model.units),
        "accuracy": round(report.accuracy, 4),
        "top3_accuracy": round(report.top3_accuracy, 4),
        "macro_f1": round(report.macro_f1, 4),
        "n_train": report.n_train,
        "n_test": report.n_test,
        "confident_threshold": report.threshold,
        "confident_share": round(report.confident_share, 4),
        "confident_accuracy": round(report.confident_accuracy, 4),
        "seconds": round(train_seconds, 2),
        "p50_ms": summary["p50_ms"],
        "p95_ms": summary["p95_ms"],
        "p99_ms": summary["p99_ms"],
        "p99_ms_per_round": [round(v, 3) for v in round_p99],
        "per_second": round(1000 / statistics.fmean(latencies)),
        "sklearn_path_p50_ms": round(percentile(reference, 0.50), 3),
        "jieba_init_ms": round(jieba_init_ms, 1),
        "model_load_ms": round(load_ms, 1),
        "model_bytes": model_bytes,
        "peer": {"name": KeywordBaseline.name, "accuracy": round(baseline_accuracy, 4)},
        "accuracy_gain": round(report.accuracy - baseline_accuracy, 4),
        "target_p99_ms": 5.0,
        "meets_target": percentile(latencies, 0.99) <= 5.0,
        "python": sys.version.split()[0],
        "scikit_learn": sklearn.__version__,
        "jieba": jieba.__version__,
        "cpus": os.cpu_count(),
        "load_average_1m": round(os.getloadavg()[0], 2),
    }
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
