"""Chinese full-text search kernel shared by every app that searches Chinese text (the hotline
knowledge base, the service-item catalogue): jieba segmentation, query tokens, and the ranked
full-text query over SQLite FTS5 or PostgreSQL ``tsvector`` + GIN (architecture.md, "search").

* :func:`get_jieba` initialises jieba once per process (≈ 1 s) with its prefix-dictionary cache
  in ``$YIWANG_VAR_DIR/cache`` and the platform's :data:`DOMAIN_WORDS`. Every caller gets the
  same dictionary, so a text segments the same way in every process whatever ran before (a
  segmentation that depended on import order would make an index disagree with its queries).
* :func:`tokenize` is jieba's search mode (``lcut_for_search``), lower-cased, punctuation and
  whitespace dropped: 1–2 character words (结婚, 社保) are whole index terms.
* :func:`query_tokens` caps a query (characters and tokens) and drops question words.
* :class:`FullTextIndex` runs the ranked query. Each token is passed as data (a quoted FTS5
  phrase, a ``plainto_tsquery`` argument), never as query syntax, so ``"``, ``*``, ``:``, ``(``,
  ``NEAR`` or ``&|!`` in user input cannot break a search.
* :func:`pinyin_of` gives the toneless pinyin of Chinese words, for matching homophone typos
  (结昏 → jiehun = 结婚); the table is ``core/data/pinyin_chars.txt``.
* :class:`PhraseMatcher` finds known phrases in a text (longest first), for query expansion.
* :func:`drop_common` leaves out of a query the tokens found in too many documents when rarer
  ones exist: their posting lists are what a ranked query pays for, and they barely rank.
* :func:`warm_up` loads jieba's dictionary and the pinyin table (≈ 1 s) once at the start of a
  serving process (the WSGI module and the task worker call it), so that no request pays for
  it; management commands and tests still load them lazily, on first use.

Django is needed only by :class:`FullTextIndex` (a database connection).
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import tempfile
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import ModuleType

logger = logging.getLogger(__name__)

__all__ = [
    "DOMAIN_WORDS",
    "MAX_QUERY_CHARS",
    "MAX_QUERY_TOKENS",
    "QUERY_STOPWORDS",
    "FullTextIndex",
    "PhraseMatcher",
    "drop_common",
    "fts5_match",
    "get_jieba",
    "jieba_ready",
    "pinyin_of",
    "query_tokens",
    "rare_tokens",
    "snippet_of",
    "tokenize",
    "warm_up",
]

MAX_QUERY_CHARS = 200
MAX_QUERY_TOKENS = 32
DOMAIN_WORD_FREQ = 200_000

# Domain words jieba's default dictionary splits badly (e.g. 网约车 → 网约/车, 噪音扰民 → three
# tokens). Frequencies are high enough to win over the default segmentation. The hotline
# dispatch model stores this list with its features (hotline.classifier).
DOMAIN_WORDS: tuple[str, ...] = (
    "12345", "网约车", "出租车", "公交车", "拖欠工资", "欠薪", "农民工", "劳动合同", "劳动仲裁",
    "社保卡", "养老保险", "失业保险", "不动产登记", "不动产权证书", "噪音扰民", "占道经营",
    "流动摊贩", "违章建筑", "违建", "油烟净化器", "渣土车", "建筑垃圾", "垃圾分类", "物业费",
    "物业公司", "业主委员会", "维修基金", "维修资金", "二次供水", "水压", "停水", "燃气",
    "液化气", "电梯困人", "维保单位", "特种设备", "预付卡", "七天无理由退货", "明码标价",
    "食品经营许可证", "营业执照", "港澳通行证", "居住证", "落户", "积分入学", "学位",
    "校外培训", "培训机构", "医保", "医保卡", "异地就医", "门诊特定病种", "HPV疫苗", "九价",
    "家庭医生", "专家号", "个税", "汇算清缴", "数电发票", "红冲", "出口退税", "粤省事",
    "政务服务网", "政务服务中心", "秒批", "帮办代办", "惠企政策", "免申即享", "专精特新",
    "稳岗补贴", "以工代训", "贷款贴息", "融资担保", "应急转贷", "用水报装", "用电报装",
    "用电增容", "施工许可证", "并联审批", "容缺受理", "注册商标", "专利", "知识产权",
    "路灯", "井盖", "减速带", "红绿灯", "排污许可证", "河涌", "偷排",
)  # fmt: skip

# Words of a question that say nothing about its subject; dropped from queries (not from the
# index) unless nothing else is left. They would match most documents and cost ranking time.
QUERY_STOPWORDS = frozenset(
    (
        "的", "了", "吗", "呢", "吧", "啊", "我", "我的", "你", "您", "请问", "请", "想", "要",
        "需要", "怎么", "怎么办", "怎样", "如何", "什么", "哪里", "哪些", "哪个", "多久", "多少",
        "找", "找谁", "谁", "可以", "能", "能否", "是否", "有", "在", "和", "与", "及", "或",
        "一下", "问", "咨询", "办", "去", "时间",
    )
)  # fmt: skip

# A token must contain a letter or digit; punctuation and whitespace carry nothing.
_WORD = re.compile(r"\w", re.UNICODE)
_SPACES = re.compile(r"\s+")
_jieba_lock = threading.Lock()
_jieba_ready = False


# --- segmentation ----------------------------------------------------------------------------


def get_jieba() -> ModuleType:
    """The ``jieba`` module, initialised once per process, lazily, cache in ``var``, with the
    platform's :data:`DOMAIN_WORDS`. Code that segments Chinese calls this rather than
    initialising jieba itself."""
    global _jieba_ready
    import jieba

    if _jieba_ready:
        return jieba
    with _jieba_lock:
        if not _jieba_ready:
            jieba.setLogLevel(logging.WARNING)
            cache_dir = cache_dir_for_jieba()
            # jieba writes its prefix-dictionary cache to the temp dir by default; a shared
            # /tmp file with a fixed name is racy between users, so keep it in our var dir.
            jieba.dt.cache_file = str(cache_dir / "jieba.cache")
            jieba.dt.tmp_dir = str(cache_dir)
            jieba.dt.initialize()
            for word in DOMAIN_WORDS:
                jieba.add_word(word, freq=DOMAIN_WORD_FREQ)
            _jieba_ready = True
    return jieba


def jieba_ready() -> bool:
    """Whether this process has initialised jieba already (:func:`get_jieba`)."""
    return _jieba_ready


def warm_up() -> float:
    """Load what the first search of a process would otherwise wait for: jieba's dictionary
    with :data:`DOMAIN_WORDS` (≈ 1 s, most of it unpickling the prefix dictionary) and the
    pinyin table. Idempotent and thread-safe; returns the seconds it took (≈ 0 when already
    loaded). Called at process start by the WSGI module and the task worker's startup hook,
    not by ``django.setup()``: a management command or a test that never segments text must
    not pay for it."""
    started = time.perf_counter()
    was_ready = _jieba_ready
    get_jieba()
    _pinyin_table()
    seconds = time.perf_counter() - started
    if not was_ready:
        logger.info("search kernel warmed up in %.2f s (jieba, pinyin table)", seconds)
    return seconds


def cache_dir_for_jieba() -> Path:
    """``$YIWANG_VAR_DIR/cache`` when writable, else a per-user temp directory."""
    candidates: list[Path] = []
    # A missing or invalid configuration must not break segmentation: fall back to /tmp.
    with contextlib.suppress(Exception):
        from yiwang import config

        candidates.append(Path(config.var_dir()) / "cache")
    candidates.append(Path(tempfile.gettempdir()) / f"yiwang-{os.getuid()}")
    for path in candidates:
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError:
            continue
        if os.access(path, os.W_OK):
            return path
    return Path(tempfile.mkdtemp(prefix="yiwang-jieba-"))


def tokenize(text: str) -> list[str]:
    """jieba search-mode tokens of ``text``, lower-cased, punctuation and spaces dropped."""
    jieba = get_jieba()
    text = _SPACES.sub(" ", (text or "").lower())
    return [t.strip() for t in jieba.lcut_for_search(text) if _WORD.search(t) and t.strip()]


def query_tokens(
    query: str,
    *,
    max_chars: int = MAX_QUERY_CHARS,
    max_tokens: int = MAX_QUERY_TOKENS,
    stopwords: frozenset[str] = QUERY_STOPWORDS,
) -> list[str]:
    """Distinct tokens of a search query, in order, at most ``max_tokens``; only the first
    ``max_chars`` characters are read. Stop words are dropped unless nothing else is left."""
    seen: dict[str, None] = {}
    for token in tokenize((query or "")[:max_chars]):
        seen.setdefault(token, None)
    tokens = [t for t in seen if t not in stopwords] or list(seen)
    return tokens[:max_tokens]


def snippet_of(body: str, tokens: Sequence[str], width: int = 120) -> str:
    """Plain-text excerpt of ``body`` around the first (longest-token-first) match."""
    text = _SPACES.sub(" ", body or "").strip()
    low = text.lower()
    at = -1
    for token in sorted(tokens, key=len, reverse=True):
        at = low.find(token)
        if at >= 0:
            break
    if at < 0:
        return text[:width] + ("…" if len(text) > width else "")
    start = max(0, at - width // 4)
    end = min(len(text), start + width)
    start = max(0, min(start, end - width))
    return ("…" if start > 0 else "") + text[start:end] + ("…" if end < len(text) else "")


# --- pinyin (homophone typos) ----------------------------------------------------------------

PINYIN_TABLE = Path(__file__).parent / "data" / "pinyin_chars.txt"
_CJK = re.compile(r"[\u4e00-\u9fff]")


@lru_cache(maxsize=1)
def _pinyin_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for line in PINYIN_TABLE.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        syllable, _, chars = line.partition("\t")
        for char in chars:
            table[char] = syllable
    return table


def pinyin_of(word: str) -> str:
    """Toneless pinyin of a Chinese word (护照 → ``huzhao``); ``""`` unless every character of
    ``word`` is a CJK ideograph, so mixed or Latin words never collide with pinyin."""
    if not word or not all(_CJK.match(c) for c in word):
        return ""
    table = _pinyin_table()
    return "".join(table.get(c, "") for c in word)


# --- phrase matching (query expansion) -------------------------------------------------------


class PhraseMatcher:
    """Finds known phrases in a text: at each position the longest phrase wins and matches do
    not overlap (开饭店要办什么证 → 开饭店). Phrases are compared lower-cased, spaces removed."""

    def __init__(self, phrases: Iterable[str]) -> None:
        self._phrases = {self.normalise(p) for p in phrases if self.normalise(p)}
        self._lengths = sorted({len(p) for p in self._phrases}, reverse=True)

    @staticmethod
    def normalise(text: str) -> str:
        return _SPACES.sub("", (text or "").lower())

    def __len__(self) -> int:
        return len(self._phrases)

    def find(self, text: str) -> list[str]:
        text = self.normalise(text)
        found: list[str] = []
        i = 0
        while i < len(text):
            for length in self._lengths:
                if text[i : i + length] in self._phrases:
                    found.append(text[i : i + length])
                    i += length
                    break
            else:
                i += 1
        return found


# --- the ranked full-text query --------------------------------------------------------------


def rare_tokens(tokens: Sequence[str], doc_freq: Mapping[str, int], *, max_docs: int) -> list[str]:
    """The ``tokens`` found in 1 to ``max_docs`` documents according to ``doc_freq``, in order."""
    return [t for t in tokens if 0 < doc_freq.get(t, 0) <= max_docs]


def drop_common(tokens: Sequence[str], doc_freq: Mapping[str, int], *, max_docs: int) -> list[str]:
    """``tokens`` without the common ones — found in more than ``max_docs`` documents according
    to ``doc_freq`` — provided that at least one token is rarer (found in 1 to ``max_docs``
    documents); otherwise all of them, in order.

    A ranked full-text query scores every document of every token's posting list, so a word of
    thousands of documents (许可, 登记, 办理 in a catalogue) costs most of the query while its
    ranking weight (inverse document frequency) is the lowest; the rarer words of the same
    query find the documents that matter. A token of unknown frequency (0) is kept — it costs
    nothing — but does not count as a rarer token: a typo must not silence the real words."""
    if not rare_tokens(tokens, doc_freq, max_docs=max_docs):
        return list(tokens)
    return [t for t in tokens if doc_freq.get(t, 0) <= max_docs]


def fts5_match(tokens: Iterable[str]) -> str:
    """An FTS5 MATCH expression ORing ``tokens``, each a quoted phrase (``""`` escapes a quote
    inside): operators and column filters in user input are plain text then."""
    return " OR ".join('"' + t.replace('"', '""') + '"' for t in tokens)


@dataclass(frozen=True)
class FullTextIndex:
    """A full-text index over a table (aliased ``a`` in the SQL), built by the app's migration:

    * SQLite: the FTS5 table ``fts_table`` whose rowid is ``a.<key>``, ranked by ``bm25``
      with ``bm25_weights`` (one per FTS5 column; none: FTS5's equal weights).
    * PostgreSQL: the stored ``tsvector`` column ``a.<vector>`` with a GIN index, ranked by
      ``ts_rank`` (with ``ts_weights`` for D, C, B, A when given).

    Only constant identifiers are formatted into the SQL; every value is a parameter.
    """

    table: str
    fts_table: str
    key: str = "id"
    vector: str = "search_vector"
    bm25_weights: tuple[float, ...] = ()
    ts_weights: tuple[float, float, float, float] | None = None

    def ranked(
        self,
        tokens: Sequence[str],
        *,
        where: str = "",
        params: Sequence = (),
        limit: int = 10,
        select: Sequence[str] = (),
    ) -> list[tuple]:
        """``(key, score, *select)`` of the rows matching any of ``tokens``, best first (ties
        by key), at most ``limit``. ``where`` is an extra SQL condition on ``a`` with ``%s``
        placeholders for ``params``; ``select`` are constant SQL expressions over ``a`` read
        in the same query. The score is higher for better rows on both vendors.

        The best ``limit`` keys are found first (index, rank, sort: nothing else is read), and
        only those rows are then read for ``select``: reading every matching row's columns (or
        running a correlated subquery per match) before the sort would cost as much as the
        ranking itself. On PostgreSQL the match is ``a.<vector> @@ <constant tsquery>``, the
        indexed column itself, so the planner can use its GIN index."""
        from django.db import connection

        if not tokens:
            return []
        extra = f" AND ({where})" if where else ""
        more = "".join(f", {column}" for column in select)
        vendor = connection.vendor
        if vendor == "sqlite":
            weights = ", ".join(["%s"] * len(self.bm25_weights))
            rank = f"bm25({self.fts_table}{', ' if weights else ''}{weights})"
            # the document table is joined for ranking only when a condition needs it
            join = f"JOIN {self.table} a ON a.{self.key} = f.rowid " if where else ""
            sql = (
                f"SELECT a.{self.key}, m.r{more} FROM ("  # noqa: S608
                f"SELECT f.rowid AS id, {rank} AS r FROM {self.fts_table} f {join}"
                f"WHERE {self.fts_table} MATCH %s{extra} ORDER BY r, f.rowid LIMIT %s) m "
                f"JOIN {self.table} a ON a.{self.key} = m.id ORDER BY m.r, a.{self.key}"
            )
            args: list = [*self.bm25_weights, fts5_match(tokens), *params, limit]
            sign = -1.0  # bm25 is lower for better matches
        elif vendor == "postgresql":
            tsquery = " || ".join(["plainto_tsquery('simple'::regconfig, %s)"] * len(tokens))
            weights = "%s::float4[], " if self.ts_weights else ""
            sql = (
                f"SELECT a.{self.key}, m.r{more} FROM ("  # noqa: S608
                f"SELECT a.{self.key} AS id, ts_rank({weights}a.{self.vector}, q.query) AS r "
                f"FROM {self.table} a CROSS JOIN (SELECT {tsquery}) AS q(query) "
                f"WHERE a.{self.vector} @@ q.query{extra} ORDER BY r DESC, a.{self.key} "
                f"LIMIT %s) m JOIN {self.table} a ON a.{self.key} = m.id "
                f"ORDER BY m.r DESC, a.{self.key}"
            )
            args = [*([list(self.ts_weights)] if self.ts_weights else []), *tokens]
            args += [*params, limit]
            sign = 1.0
        else:  # pragma: no cover - the platform supports SQLite and PostgreSQL only
            raise NotImplementedError(f"full-text search on {vendor}")
        with connection.cursor() as cursor:
            cursor.execute(sql, args)
            return [(row[0], sign * float(row[1]), *row[2:]) for row in cursor.fetchall()]
