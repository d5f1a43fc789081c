"""Dispatch suggestions (智能派单) and duplicate candidates (并单候选) for the operator's desk.

* :func:`dispatch_suggestions` — the catalogue rule that would route a text (source ``rule``,
  confidence 1.0, always first), then the city's trained classifier's most likely units
  (source ``model``);
* :func:`duplicate_candidates` — earlier orders of the city received within
  ``YIWANG_HOTLINE_DUPLICATE_DAYS`` with the same phone, the same normalised address or a
  near-identical text, each annotated with why it matched;
* :func:`retrain` — the weekly training of each city's classifier on its closed orders, with the
  generated corpus (:mod:`yiwang.hotline.textgen`) as a cold start while a city has fewer than
  :data:`MIN_CLOSED_ORDERS` usable closed orders.

Reads only; nothing here changes the database.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import threading
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from django.db.models import QuerySet
from django.utils import timezone

from yiwang import config
from yiwang.core.localcache import ProcessCache
from yiwang.hotline import classifier as clf
from yiwang.hotline.choices import Status
from yiwang.hotline.models import WorkOrder

__all__ = [
    "MIN_CLOSED_ORDERS",
    "TEXT_SIMILARITY",
    "Suggestion",
    "TrainingSet",
    "city_classifier",
    "dispatch_suggestions",
    "duplicate_candidates",
    "duplicate_window_days",
    "model_path",
    "normalise_address",
    "retrain",
    "text_similarity",
    "training_samples",
]

_logger = logging.getLogger(__name__)

# Below this many usable closed orders (closed / called back, with a lead unit) a city's model
# is trained on the generated corpus plus its closed orders: a few dozen real orders cannot
# teach 16+ units, while the generated corpus reproduces the demo city's duties. 300 ≈ 20 per
# unit of the demo catalogue, the level where the held-out accuracy on real-like data stops
# improving markedly (docs/modules/hotline-dispatch.md).
MIN_CLOSED_ORDERS = 300
# Size of the generated cold-start corpus (≈ 3 s of training on one core).
COLD_START_SAMPLES = 2500
COLD_START_SEED = 20231129
# Character-bigram Jaccard similarity from which two texts count as near-identical.
TEXT_SIMILARITY = 0.6
# Only the newest orders of the window are compared by text (bounded cost per call).
TEXT_SCAN_LIMIT = 2000
TEXT_COMPARE_CHARS = 400
_CLOSED = (Status.CLOSED, Status.CALLED_BACK)


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A unit proposed for an order: by a catalogue rule or by the classifier."""

    unit_id: int
    unit_name: str
    confidence: float
    confident: bool
    source: str  # "rule" | "model"


# --- the city's classifier -------------------------------------------------------------------


def model_path(city_id: int) -> Path:
    """``$YIWANG_VAR_DIR/hotline/dispatch-model-city<id>.joblib`` (one model per city)."""
    return clf.default_model_path().with_name(f"dispatch-model-city{int(city_id)}.joblib")


def city_classifier(city_id: int) -> clf.DispatchClassifier | None:
    """The city's trained model (loaded once, reloaded when the file changes) or ``None``."""
    return clf.default_classifier(model_path(city_id))


def _org_model():
    return WorkOrder._meta.get_field("lead_unit").related_model


_names_lock = threading.Lock()
# Unit names of a loaded model, keyed by the model object's identity (a reload is a new object).
_unit_names: dict[int, tuple[clf.DispatchClassifier, dict[str, tuple[int, str]]]] = {}


def _model_units(model: clf.DispatchClassifier, city_id: int) -> dict[str, tuple[int, str]]:
    """Model label (a unit id as text) → (id, name) for units that still exist in the city."""
    cached = _unit_names.get(id(model))
    if cached is not None and cached[0] is model:
        return cached[1]
    ids = [int(u) for u in model.units if u.isdigit()]
    rows = (
        _org_model()
        .objects.filter(pk__in=ids, path__startswith=f"/{city_id}/", is_active=True)
        .values_list("pk", "name")
    )
    names = {str(pk): (pk, name) for pk, name in rows if pk != city_id}
    with _names_lock:
        # Keep the memory bounded: models replaced by a retrain drop out.
        if len(_unit_names) > 32:
            _unit_names.clear()
        _unit_names[id(model)] = (model, names)
    return names


# --- suggestions -----------------------------------------------------------------------------


# city id → [(rule, lead unit name)], per process (see ``core.localcache``).
_rules_cache = ProcessCache("hotline-dispatch-rules", timeout=60)


def forget_rules(city_id: int) -> None:
    """Drop every process's cached catalogue of the city (now and after commit); called by
    every rule service."""
    _rules_cache.forget(int(city_id))


def active_rules(city_id: int) -> list:
    """``[(rule, lead unit name)]``: the city's active rules (co-units prefetched), in
    catalogue order, cached per process (``core.localcache.ProcessCache``): an edit applies at
    once in the editing process and, with a shared cache (Redis), on the next read in every
    other one. Used by the operator's suggestions (every keystroke) and by intake routing
    (every order): one cache read instead of two queries."""
    from yiwang.hotline import selectors

    def load() -> list:
        return [
            (rule, rule.lead_unit.name)
            for rule in selectors.dispatch_rules_active(city_id=city_id).select_related("lead_unit")
        ]

    return _rules_cache.get(int(city_id), load)


def _rule_for(*, city_id: int, text: str, category: str | None, district_id: int | None):
    from yiwang.hotline.services.dispatch import rule_matches

    probe = WorkOrder(
        city_id=city_id, category=category or "", district_id=district_id, title="", content=text
    )
    for rule, unit_name in active_rules(city_id):
        # An unknown category or district never satisfies a rule that names one (as at intake).
        if rule.category and not category:
            continue
        if rule_matches(rule, probe):
            return rule, unit_name
    return None


def dispatch_suggestions(
    *,
    city_id: int,
    text: str,
    category: str | None = None,
    district_id: int | None = None,
    k: int = 3,
) -> list[Suggestion]:
    """Up to ``k`` units for a request text, best first.

    A matching dispatch-catalogue rule comes first (source ``rule``, confidence 1.0, confident);
    the city's classifier fills the rest (source ``model``; ``confident`` when the probability
    reaches :data:`yiwang.hotline.classifier.DEFAULT_THRESHOLD`). Empty text → ``[]``; no
    trained model → the rule alone (or nothing).
    """
    text = (text or "").strip()
    if not text or k < 1:
        return []
    out: list[Suggestion] = []
    matched = _rule_for(city_id=city_id, text=text, category=category, district_id=district_id)
    if matched is not None:
        rule, unit_name = matched
        out.append(Suggestion(rule.lead_unit_id, unit_name, 1.0, True, "rule"))
    model = city_classifier(city_id)
    if model is not None and len(out) < k:
        units = _model_units(model, city_id)
        taken = {s.unit_id for s in out}
        for s in model.suggest(text, k=len(model.units)):
            unit = units.get(s.unit)
            if unit is None or unit[0] in taken:
                continue
            out.append(Suggestion(unit[0], unit[1], s.confidence, clf.is_confident(s), "model"))
            taken.add(unit[0])
            if len(out) >= k:
                break
    return out[:k]


# --- duplicates ------------------------------------------------------------------------------

_ADDRESS_NOISE = re.compile(r"[\s,，.。;；:：、()（）\-—_#]+")
_TEXT_NOISE = re.compile(r"[\W_]+", re.UNICODE)
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")


def duplicate_window_days() -> int:
    return max(1, int(config.get("YIWANG_HOTLINE_DUPLICATE_DAYS")))


def normalise_address(value: str) -> str:
    """Full-width → half-width, spaces and punctuation dropped, the province/city prefix
    removed: ``广东省珠海市 香洲区凤凰北路１号`` → ``香洲区凤凰北路1号``."""
    text = _ADDRESS_NOISE.sub("", unicodedata.normalize("NFKC", value or ""))
    for prefix in ("广东省", "珠海市"):
        text = text.removeprefix(prefix)
    return text


def _shingles(text: str) -> frozenset[str]:
    clean = _TEXT_NOISE.sub("", unicodedata.normalize("NFKC", text or "").lower())
    clean = clean[:TEXT_COMPARE_CHARS]
    if len(clean) < 2:
        return frozenset((clean,)) if clean else frozenset()
    return frozenset(clean[i : i + 2] for i in range(len(clean) - 1))


def text_similarity(a: str, b: str) -> float:
    """Jaccard similarity of the character bigrams of two texts (punctuation ignored)."""
    sa, sb = _shingles(a), _shingles(b)
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / len(sa | sb)


def _phone_digits(phone: str) -> str:
    digits = re.sub(r"[\s\-()]", "", phone or "")
    return digits[3:] if digits.startswith("+86") else digits


def _window(city_id: int, exclude_id: int | None, now: dt.datetime | None) -> QuerySet:
    since = (now or timezone.now()) - dt.timedelta(days=duplicate_window_days())
    qs = WorkOrder.objects.filter(city_id=city_id, received_at__gte=since).exclude(
        status=Status.MERGED
    )
    if exclude_id is not None:
        qs = qs.exclude(pk=exclude_id)
    return qs


def duplicate_candidates(
    *,
    city_id: int,
    phone: str = "",
    address: str = "",
    content: str = "",
    exclude_id: int | None = None,
    limit: int = 5,
) -> list[WorkOrder]:
    """Orders of the city received within the window that may be the same request.

    Matches: the same contact phone (``phone``), the same normalised address (``address``),
    a text whose character-bigram Jaccard similarity to ``content`` is ≥
    :data:`TEXT_SIMILARITY` (among the newest :data:`TEXT_SCAN_LIMIT` orders of the window).
    Each returned order carries ``duplicate_reasons`` (a list of ``phone``, ``address``,
    ``text``) and ``duplicate_similarity`` (the text similarity, 0 when not compared). Ordered
    by the number of reasons, then text similarity, then newest first.
    """
    if limit < 1:
        return []
    base = _window(city_id, exclude_id, None)
    reasons: dict[int, list[str]] = {}
    similarity: dict[int, float] = {}
    digits = _phone_digits(phone)
    if len(digits) >= 7:
        for pk in (
            base.filter(contact_phone=digits)
            .order_by("-received_at")
            .values_list("pk", flat=True)[:200]
        ):
            reasons.setdefault(pk, []).append("phone")
    place = normalise_address(address)
    if len(place) >= 4:
        # The stored address is free text (full-width digits, spaces): narrow in the database
        # on the end of its longest run of Chinese characters (the road), then compare
        # normalised forms.
        runs = _CJK_RUN.findall(place) or [place]
        tail = max(runs, key=len)[-4:]
        for pk, stored in (
            base.filter(address__contains=tail)
            .order_by("-received_at")
            .values_list("pk", "address")[:500]
        ):
            if normalise_address(stored) == place:
                reasons.setdefault(pk, []).append("address")
    probe = _shingles(content)
    if len(probe) >= 4:
        rows = base.order_by("-received_at").values_list("pk", "content")[:TEXT_SCAN_LIMIT]
        for pk, text in rows:
            other = _shingles(text)
            if not other:
                continue
            score = len(probe & other) / len(probe | other)
            if score >= TEXT_SIMILARITY:
                reasons.setdefault(pk, []).append("text")
                similarity[pk] = score
    if not reasons:
        return []
    orders = {
        o.pk: o for o in WorkOrder.objects.filter(pk__in=list(reasons)).select_related("lead_unit")
    }
    ranked = sorted(
        orders.values(),
        key=lambda o: (-len(reasons[o.pk]), -similarity.get(o.pk, 0.0), -o.received_at.timestamp()),
    )[:limit]
    for order in ranked:
        order.duplicate_reasons = reasons[order.pk]
        order.duplicate_similarity = round(similarity.get(order.pk, 0.0), 3)
    return ranked


def is_repeat(*, city_id: int, phone: str, category: str, at: dt.datetime) -> bool:
    """Whether the same phone filed an order of the same category within the window before
    ``at`` (重复诉求; feeds the repeat-request rate)."""
    since = at - dt.timedelta(days=duplicate_window_days())
    return (
        WorkOrder.objects.filter(
            city_id=city_id,
            contact_phone=phone,
            category=category,
            received_at__gte=since,
            received_at__lte=at,
        )
        .exclude(status=Status.MERGED)
        .exists()
    )


# --- training --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TrainingSet:
    samples: list[tuple[str, str]]
    closed_orders: int
    generated: int
    units: int

    @property
    def cold_start(self) -> bool:
        return self.generated > 0


def closed_order_samples(city_id: int) -> list[tuple[str, str]]:
    """``(title + content, lead unit id)`` of the city's closed and called-back orders."""
    rows = (
        WorkOrder.objects.filter(city_id=city_id, status__in=_CLOSED, lead_unit__isnull=False)
        .order_by("id")
        .values_list("title", "content", "lead_unit_id")
    )
    out = []
    for title, content, unit in rows.iterator(chunk_size=2000):
        text = content if not title or content.startswith(title) else f"{title}\n{content}"
        out.append((text, str(unit)))
    return out


def generated_samples(city_id: int, count: int = COLD_START_SAMPLES) -> list[tuple[str, str]]:
    """The generated corpus with its unit names mapped to the city's units of that name."""
    from yiwang.hotline.textgen import generate_requests

    names = dict(
        _org_model()
        .objects.filter(path__startswith=f"/{city_id}/", is_active=True)
        .exclude(pk=city_id)
        .values_list("name", "pk")
    )
    out = []
    for request in generate_requests(count, seed=COLD_START_SEED):
        unit = names.get(request.unit)
        if unit is not None:
            out.append((request.text, str(unit)))
    return out


def training_samples(city_id: int, *, min_closed: int = MIN_CLOSED_ORDERS) -> TrainingSet:
    """The city's closed orders; below ``min_closed`` of them, plus the generated corpus."""
    closed = closed_order_samples(city_id)
    generated: list[tuple[str, str]] = []
    if len(closed) < min_closed:
        generated = generated_samples(city_id)
    samples = [*closed, *generated]
    return TrainingSet(
        samples=samples,
        closed_orders=len(closed),
        generated=len(generated),
        units=len({unit for _, unit in samples}),
    )


def _cities() -> list[int]:
    from yiwang.core.choices import OrgKind

    return list(
        _org_model().objects.filter(kind=OrgKind.CITY, is_active=True).values_list("pk", flat=True)
    )


def retrain(city_id: int | None = None) -> dict[int, dict]:
    """Train and save the model of one city (or of every city); returns per city a summary
    (``closed_orders``, ``generated``, ``units``, held-out ``accuracy``) or ``error``.

    A city whose data cannot train a model (fewer than two units with enough texts) keeps its
    previous model file and is reported, never raised: the weekly task must go on.
    """
    results: dict[int, dict] = {}
    for city in [city_id] if city_id is not None else _cities():
        data = training_samples(city)
        summary: dict = {
            "closed_orders": data.closed_orders,
            "generated": data.generated,
            "units": data.units,
        }
        try:
            report, path = clf.train_and_save(data.samples, model_path(city))
        except ValueError as exc:
            summary["error"] = str(exc)
            _logger.warning("dispatch model of city %s not trained: %s", city, exc)
        else:
            summary.update(accuracy=report.accuracy, top3_accuracy=report.top3_accuracy)
            summary["path"] = str(path)
        results[city] = summary
    return results


def unit_label_names(city_id: int, labels: list[str]) -> dict[str, str]:
    """Display names for model labels (unit ids as text)."""
    ids = [int(u) for u in labels if u.isdigit()]
    rows = _org_model().objects.filter(pk__in=ids).values_list("pk", "name")
    return {str(pk): name for pk, name in rows}


def label_counts(samples: list[tuple[str, str]]) -> Counter:
    return Counter(unit for _, unit in samples)
