"""Demo catalogue: the basic items of ``data/basic_items.json`` and their implementation in
the demo city — by the municipal department at city level and by each district's bureau at
district level — published as version 1, with planted deviations for the consistency report.

Planted: every 7th district implementation deviates from the standard (an extra material, a
shorter promised limit or one more visit); every second of those gives its reason. Idempotent:
a second run adds nothing.

``--scale city`` expands the catalogue to the context document's 6,155 item standards
(:func:`city_scale_catalogue`, name families in ``data/city_scale.json``) before implementing it.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from typing import Any

from django.db import transaction
from django.utils import timezone

from yiwang.catalog import elements as el
from yiwang.catalog.choices import Level, VersionStatus
from yiwang.catalog.data_check import DATA_DIR, KIND_CODES, load_demo
from yiwang.catalog.models import BasicItem, ImplementationItem, ImplementationVersion
from yiwang.catalog.services import catalogue_import
from yiwang.catalog.services.versions import implementation_code
from yiwang.core import facade as core
from yiwang.core.choices import OrgKind
from yiwang.core.seed import SeedContext, seed_step

DEVIATE_EVERY = 7
SCALE_FILE = DATA_DIR / "city_scale.json"
SCALE_SEED = 6155

# 业务办理项 of a licence (kind suffix "*") and of a registration or payment (suffix "+")
LICENCE_SPLITS = (
    "新办",
    "名称变更",
    "地址变更",
    "法定代表人或负责人变更",
    "许可事项变更",
    "延续",
    "注销",
    "补证",
)
RECORD_SPLITS = {"gf": ("申领", "变更", "停发")}
RECORD_SPLITS_DEFAULT = ("首次", "变更", "注销")
# (online, online depth, visits) of generated items and their weights
ONLINE_PROFILES = (
    ((True, 4, 0), 50),
    ((True, 3, 1), 28),
    ((True, 2, 1), 8),
    ((True, 3, 2), 2),
    ((False, 1, 1), 9),
    ((False, 1, 2), 3),
)
PROMISED_SHARE = (0.0, 0.2, 0.25, 0.3, 0.5, 0.5, 0.6, 0.75, 1.0)
RESULTS = {
    "xk": ("approval", "准予行政许可决定书"),
    "qr": ("record", "确认结果通知书"),
    "cj": ("approval", "行政裁决书"),
    "gf": ("other", "待遇核定通知书"),
    "jl": ("other", "奖励决定书"),
    "qt": ("record", "办理结果通知书"),
    "gg": ("other", "办理结果告知单"),
}
UNIT_WORDS = {"working_day": "工作日", "natural_day": "自然日"}
DEPTH_ANSWERS = {
    1: "暂不支持网上办理，请携带材料到办理地点窗口申请。",
    2: "可在广东政务服务网预约办理时间、下载申请表格，再到窗口提交材料。",
    3: "可在广东政务服务网在线申请和预审，审核通过后到窗口核验材料、领取结果。",
    4: "可全程网上办理，无需到现场，结果可邮寄或下载电子证照。",
}


def _org_model():
    return ImplementationItem._meta.get_field("organisation").related_model


def _bodies(city, departments: set[str]) -> dict[tuple[str, str], list]:
    """(level, department name of the catalogue) → the organisations implementing it at that
    level: 市<name> among the municipal bodies (else one whose name ends with it, as
    国家税务总局珠海市税务局 for 税务局), <district><name> in each district."""
    orgs = list(_org_model().objects.filter(path__startswith=city.path, kind=OrgKind.DEPARTMENT))
    districts = {
        o.pk: o
        for o in _org_model().objects.filter(
            path__startswith=city.path, kind__in=[OrgKind.DISTRICT, OrgKind.FUNCTIONAL_AREA]
        )
    }
    municipal = {o.name: o for o in orgs if o.parent_id == city.id}
    found: dict[tuple[str, str], list] = {}
    for dept in departments:
        body = municipal.get(f"市{dept}") or next(
            (o for name, o in municipal.items() if name.endswith(dept)), None
        )
        if body is not None:
            found[(Level.CITY, dept)] = [body]
    for org in orgs:
        district = districts.get(org.parent_id)
        if district is None:
            continue
        dept = org.name.removeprefix(district.name).removeprefix(district.name.removeprefix("珠海"))
        if dept in departments:
            found.setdefault((Level.DISTRICT, dept), []).append(org)
    return found


def _planted(standard: dict, n: int) -> dict:
    changed = dict(standard)
    kind = n % 3
    if kind == 0:
        changed["materials"] = [
            *standard["materials"],
            {"name": "房屋租赁合同", "kind": "copy", "form": "paper", "required": True},
        ]
    elif kind == 1 and standard["promised_limit"] > 1:
        changed["promised_limit"] = standard["promised_limit"] // 2
    else:
        changed["visits"] = min(2, standard["visits"] + 1)
    if n % 2 == 0:
        changed["deviation_reason"] = "按区政府常务会议决定调整，已报市政务服务数据管理局备案"
    return changed


# --- --scale city: the catalogue expanded to the context document's item standards -----------


def _groups(data: dict, families: dict) -> dict[str, list[tuple[str, str, list[str], dict]]]:
    """Per department, its generated main items in order: ``(kind, main name, sub-item names,
    template item)``. The demo items split into their 业务办理项 first, then the families of
    ``data/city_scale.json`` (pattern × object; ``*`` licence splits, ``+`` record splits)."""
    by_department: dict[str, list[dict]] = {}
    for item in data["items"]:
        by_department.setdefault(item["department"], []).append(item)
    out: dict[str, list] = {}
    for department, items in by_department.items():
        groups = []
        for item in items:
            if item["operations"]:
                names = [f"{item['name']}（{label}）" for label in LICENCE_SPLITS]
                groups.append((item["kind"], item["name"], names, item))
        for kind_mark, patterns, objects in families.get(department, []):
            kind = kind_mark.rstrip("*+")
            templates = [i for i in items if i["kind"] == kind] or items
            for obj in objects:
                for pattern in patterns:
                    name = pattern.format(obj)
                    if kind_mark.endswith("*"):
                        labels = LICENCE_SPLITS
                    elif kind_mark.endswith("+"):
                        labels = RECORD_SPLITS.get(kind, RECORD_SPLITS_DEFAULT)
                    else:
                        labels = ()
                    names = [f"{name}（{label}）" for label in labels] or [name]
                    template = templates[len(groups) % len(templates)]
                    groups.append((kind, name, names, template))
        out[department] = groups
    return out


def _round_robin(groups: dict[str, list]) -> Iterator[tuple[str, tuple]]:
    """Main items taken in turn from each department, so every department grows."""
    queues = {d: list(g) for d, g in groups.items() if g}
    position = 0
    while queues:
        for department in list(queues):
            queue = queues[department]
            if position < len(queue):
                yield department, queue[position]
            else:
                del queues[department]
        position += 1


def _clone(value: Any) -> Any:
    """A deep copy of JSON data (``copy.deepcopy`` is ten times slower here)."""
    return json.loads(json.dumps(value))


def _timed_steps(template: list[dict], promised: int, unit: str) -> list[dict]:
    """The template's steps with their days redistributed within the promised limit."""
    steps = [{"name": s["name"], "role": s["role"], "days": 0, "unit": unit} for s in template]
    if promised and steps:
        share, rest = divmod(promised, len(steps))
        for step in steps:
            step["days"] = share
        steps[min(1, len(steps) - 1)]["days"] += rest
    return steps


def _generated_item(
    rng: random.Random,
    *,
    code: str,
    name: str,
    kind: str,
    main: str | None,
    template: dict,
    frozen: str,
) -> dict[str, Any]:
    """One generated basic item: the template's department elements (basis, conditions,
    materials, places, phones) with its own name, code, limits, online profile and FAQ.
    ``frozen`` is the template as JSON (copied by decoding it)."""
    item = json.loads(frozen)
    item.update(code=code, name=name, kind=kind, operations=[], themes=[], synonyms=[])
    item.pop("main_item", None)
    if main and main != name:
        item["main_item"] = main
    legal = template["legal_limit"]
    promised_value = 0
    if legal["value"]:
        promised_value = int(legal["value"] * rng.choice(PROMISED_SHARE))
    unit = legal["unit"]
    item["promised_limit"] = {"value": promised_value, "unit": unit}
    if promised_value == 0:
        item["handling_type"] = "immediate"
    elif template["handling_type"] == "immediate":
        item["handling_type"] = "promised"
    item["steps"] = _timed_steps(template["steps"], promised_value, unit)
    profiles, weights = zip(*ONLINE_PROFILES, strict=True)
    online, depth, visits = rng.choices(profiles, weights=weights)[0]
    item.update(online=online, online_depth=depth, visits=visits)
    if kind != template["kind"] or main != template["name"]:
        result_type, result_name = RESULTS[kind]
        item["result"] = {"type": result_type, "name": result_name}
    used = set()
    for material in item["materials"]:
        if material["kind"] == "form" and f"{name}申请表" not in used:
            material["name"] = f"{name}申请表"
        used.add(material["name"])
    if len(used) != len(item["materials"]):  # a renamed form met a namesake: keep the template's
        item["materials"] = _clone(template["materials"])
    words = UNIT_WORDS[unit]
    answer = (
        "属即办件，材料齐全、符合法定形式的当场办结。"
        if promised_value == 0
        else f"法定办结时限{legal['value']}个{words}，承诺{promised_value}个{words}内办结。"
    )
    item["faq"] = [
        {"q": f"办理{name}需要多长时间？", "a": answer},
        {"q": "可以网上办理吗？", "a": DEPTH_ANSWERS[depth]},
    ]
    return item


def city_scale_catalogue(
    data: dict[str, Any], *, target: int | None = None, seed: int = SCALE_SEED
) -> dict[str, Any]:
    """The demo catalogue ``data`` grown to ``target`` basic items (default: the context
    document's 6,155 item standards, ``data/city_scale.json``): generated 主项 and their 子项
    (业务办理项) per department, taken from every department in turn; codes are 12 digits
    (kind, department, a sequence from 1001, sub-item), elements valid by construction. A new
    document; ``data`` is not changed. Deterministic for one ``seed``."""
    spec = json.loads(SCALE_FILE.read_text(encoding="utf-8"))
    target = spec["target"] if target is None else target
    out = _clone(data)
    items = out["items"]
    missing = target - len(items)
    if missing <= 0:
        out["items"] = items[:target]
        return out
    rng = random.Random(seed)
    departments = {d["name"]: d["code"] for d in out["departments"]}
    names = {i["name"] for i in items}
    codes = {i["code"] for i in items}
    sequence = dict.fromkeys(departments, 1000)
    frozen: dict[str, str] = {}
    added: list[dict] = []
    for department, (kind, main, sub_names, template) in _round_robin(
        _groups(out, spec["departments"])
    ):
        fresh = [n for n in sub_names if n not in names]
        if not fresh:
            continue
        sequence[department] += 1
        stem = f"{KIND_CODES[kind]}{departments[department]}{sequence[department]:04d}"
        for number, name in enumerate(fresh, start=1 if len(sub_names) > 1 else 0):
            code = f"{stem}{number:03d}"
            if code in codes:
                continue
            names.add(name)
            codes.add(code)
            added.append(
                _generated_item(
                    rng,
                    code=code,
                    name=name,
                    kind=kind,
                    main=main if len(sub_names) > 1 else None,
                    template=template,
                    frozen=frozen.get(template["code"])
                    or frozen.setdefault(template["code"], json.dumps(template)),
                )
            )
            if len(added) == missing:
                out["items"] = sorted(items + added, key=lambda i: i["code"])
                return out
    raise ValueError(
        f"data/city_scale.json yields {len(items) + len(added)} items, fewer than {target}"
    )


def demo_catalogue(scale: str) -> dict[str, Any]:
    """The catalogue document a seed of ``scale`` loads."""
    data = load_demo()
    return city_scale_catalogue(data) if scale == "city" else data


@seed_step("catalog.items", order=60)
def seed_catalogue(ctx: SeedContext) -> None:
    city = core.organisation_by_code("zh")
    if city is None or not (DATA_DIR / "basic_items.json").exists():
        return
    counts = catalogue_import(actor=None, data=demo_catalogue(ctx.scale))
    ctx.count("catalogue basic items", counts["created"])
    basics = list(BasicItem.objects.order_by("code"))
    bodies = _bodies(city, {b.department for b in basics})
    existing = set(
        ImplementationItem.objects.values_list("basic_id", "organisation_id", "operation")
    )
    now = timezone.now()
    refs: dict[int, Any] = {}
    items: list[ImplementationItem] = []
    versions: list[ImplementationVersion] = []
    n = 0
    for basic in ctx.track(basics, "政务服务事项"):
        operation = "new" if basic.operations else ""
        for level in basic.implementing_levels:
            for org in bodies.get((level, basic.department), []):
                if (basic.pk, org.pk, operation) in existing:
                    continue
                if org.pk not in refs:
                    refs[org.pk] = core.organisation_by_id(org.pk)
                ref = refs[org.pk]
                item = ImplementationItem(
                    basic=basic,
                    organisation=org,
                    operation=operation,
                    code=implementation_code(basic, ref, operation),
                )
                elements = dict(basic.standard)
                if level == Level.DISTRICT:
                    n += 1
                    if n % DEVIATE_EVERY == 0:
                        elements = _planted(elements, n // DEVIATE_EVERY)
                items.append(item)
                versions.append(
                    ImplementationVersion(
                        item=item,
                        number=1,
                        status=VersionStatus.PUBLISHED,
                        published_at=now,
                        **el.clean_elements(elements),
                    )
                )
    with transaction.atomic():
        ImplementationItem.objects.bulk_create(items, batch_size=500)
        for version in versions:
            version.item_id = version.item.pk
        ImplementationVersion.objects.bulk_create(versions, batch_size=500)
        for item, version in zip(items, versions, strict=True):
            item.current_id = version.pk
        ImplementationItem.objects.bulk_update(items, ["current"], batch_size=500)
    ctx.count("catalogue implementation items", len(items))
