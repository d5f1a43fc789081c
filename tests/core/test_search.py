"""The shared Chinese full-text kernel (yiwang.core.search): one jieba with the domain words
and its cache in var, search-mode tokens, capped query tokens, query syntax passed as data,
pinyin of words and longest-first phrase matching, common tokens left out of a ranked query,
and the warm-up of serving processes (web, task worker) that management commands skip."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from yiwang.core import search


def test_one_jieba_for_everyone_with_the_domain_words_and_the_cache_in_var():
    from yiwang import config
    from yiwang.hotline.classifier import DOMAIN_WORDS, get_jieba

    jieba = search.get_jieba()
    assert get_jieba() is jieba and DOMAIN_WORDS is search.DOMAIN_WORDS
    assert Path(jieba.dt.cache_file).parent == Path(config.var_dir()) / "cache"
    assert "网约车" in jieba.lcut("网约车拒载")


def test_tokenize_is_search_mode_lower_case_without_punctuation():
    assert search.tokenize("社保卡 补办，PDF！") == ["社保", "社保卡", "补办", "pdf"]
    assert search.tokenize("！？。 ，") == []
    assert search.tokenize("") == []


def test_query_tokens_drop_question_words_dedupe_and_cap():
    assert search.query_tokens("请问社保卡怎么补办") == ["社保", "社保卡", "补办"]
    assert search.query_tokens("怎么") == ["怎么"]  # nothing else left: kept
    long = "".join(f"词{i}条" for i in range(500))
    assert len(search.query_tokens(long, max_tokens=7)) == 7
    assert search.query_tokens("结婚" + "。" * 300 + "离婚", max_chars=10) == ["结婚"]


def test_fts5_match_quotes_every_token():
    assert search.fts5_match(["a", 'b"c', "NEAR("]) == '"a" OR "b""c" OR "NEAR("'


def test_pinyin_of_chinese_words_only():
    assert search.pinyin_of("护照") == search.pinyin_of("护招") == "huzhao"
    assert search.pinyin_of("结婚") == search.pinyin_of("结昏") == "jiehun"
    assert search.pinyin_of("etc") == "" and search.pinyin_of("ETC卡") == ""
    assert search.pinyin_of("") == ""


def test_phrase_matcher_takes_the_longest_phrase_without_overlap():
    matcher = search.PhraseMatcher(["开饭店", "饭店", "开 公司", "营业执照"])
    assert len(matcher) == 4
    assert matcher.find("我想开饭店要办营业执照") == ["开饭店", "营业执照"]
    assert matcher.find("开公司") == ["开公司"]  # spaces are ignored on both sides
    assert matcher.find("没有") == []
    assert search.PhraseMatcher([]).find("开饭店") == []


def test_snippet_of_centres_on_the_longest_match():
    body = "前言" * 100 + "社保卡遗失后先挂失" + "后记" * 100
    snippet = search.snippet_of(body, ["社保", "社保卡"], width=40)
    assert "社保卡遗失" in snippet and snippet.startswith("…") and snippet.endswith("…")
    assert search.snippet_of("短文", ["无"]) == "短文"


# --- common tokens ----------------------------------------------------------------------------


def test_drop_common_keeps_the_rare_tokens_when_there_are_any():
    freq = {"许可": 2000, "登记": 1700, "取水": 30, "qushui": 30}
    assert search.rare_tokens(["取水", "许可", "qushui"], freq, max_docs=500) == ["取水", "qushui"]
    assert search.drop_common(["取水", "许可", "登记"], freq, max_docs=500) == ["取水"]
    # a token of no document is kept (it costs nothing) …
    assert search.drop_common(["许可", "结昏", "取水"], freq, max_docs=500) == ["结昏", "取水"]
    # … but does not silence the real words: without a rarer known token nothing is dropped
    assert search.drop_common(["许可", "结昏"], freq, max_docs=500) == ["许可", "结昏"]
    assert search.drop_common(["许可", "登记"], freq, max_docs=500) == ["许可", "登记"]
    assert search.drop_common(["许可"], freq, max_docs=2000) == ["许可"]  # at the limit: rare
    assert search.drop_common([], freq, max_docs=500) == []


# --- warm-up at process start -----------------------------------------------------------------

PROBE = (
    "from yiwang.core import search; "
    "print(search.jieba_ready(), search._pinyin_table.cache_info().currsize)"
)


def _python(code: str) -> str:
    """Run ``code`` in a fresh interpreter with the test's environment; its stdout."""
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="yiwang.settings")
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def test_django_setup_alone_does_not_load_jieba():
    # management commands and tests pay for jieba only when they segment text
    assert _python("import django; django.setup(); " + PROBE) == "False 0"


def test_the_wsgi_module_loads_jieba_and_the_pinyin_table_before_serving():
    assert _python("import yiwang.wsgi; " + PROBE) == "True 1"


def test_each_task_worker_loads_them_at_startup():
    code = (
        "import threading, django; django.setup(); "
        "import yiwang.core.tasks; "
        "from huey.contrib.djhuey import HUEY; from huey.consumer import Worker; "
        "assert 'core.search_warm_up' in HUEY._startup; "
        # what the consumer runs in every worker before its first task
        "Worker(HUEY, threading.Event(), 0.1, 1.0, 1.15).initialize(); " + PROBE
    )
    assert _python(code) == "True 1"


def test_warm_up_is_idempotent():
    search.warm_up()
    assert search.jieba_ready()
    jieba = search.get_jieba()
    search.warm_up()
    assert search.get_jieba() is jieba and search.pinyin_of("护照") == "huzhao"
