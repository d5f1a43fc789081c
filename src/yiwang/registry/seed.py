"""Demo enterprise files (一企一档) of the demo city: ``yiwang seed`` creates about 3,000,
``--scale city`` the context city's 438,000. Idempotent: files are keyed by USCC and the
generated enterprises are the same on every run (``seed_data``).

* **small**: every file goes through the registry's own writer
  (:func:`~yiwang.registry.services.profiles.enterprises_upsert`) in four passes, one per
  department — 市场监管 opens the file (name, address, industry, status …), 税务 adds tax
  and credit rating, 统计 employees, revenue and assets (the scale follows), 科技 R&D,
  patents and qualifications — so each value has its source and its history, dated back.
* **city**: the remaining files through a bulk path (``bulk_create`` in batches of 5,000, the
  sources set directly, one summary ``ProfileChange`` "file opened" per enterprise — enough for
  the matching engine's change feed to see them, without 25 history rows each). Measured here
  (SQLite): see docs/modules/registry.md.
* Every enterprise account (the demo ``enterprise`` user's 珠海格创智能科技有限公司 and the
  generated accounts) gets a file; 格创's has a history of later changes.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import DEFAULT_DB_ALIAS, connection, connections, reset_queries, transaction
from django.utils import timezone

from yiwang.core import facade as core
from yiwang.core.seed import SeedContext, seed_step
from yiwang.registry.choices import QualificationKind, Source
from yiwang.registry.models import Enterprise, EnterpriseTag, ProfileChange, Qualification
from yiwang.registry.seed_data import CHUNK, Generator
from yiwang.registry.services.profiles import Cleaned, Places, enterprises_upsert

COUNTS = {"small": 3000, "city": 438000}
BULK_BATCH = 5000
DEMO_NAME = "珠海格创智能科技有限公司"

# the department each value comes from (the order of the passes)
PASSES: tuple[tuple[str, tuple[str, ...], int], ...] = (
    (Source.MARKET, ("name", "legal_representative", "address", "district", "street", "park",
                     "industry", "founded_on", "registered_capital", "status", "trademarks"),
     400),
    (Source.TAX, ("tax_paid", "credit_rating"), 200),
    (Source.STATISTICS, ("employees", "revenue", "total_assets"), 120),
    (Source.SCIENCE, ("rd_spend", "invention_patents", "utility_patents",
                      "software_copyrights", "qualifications"), 60),
    (Source.OFFICER, ("tags",), 30),
)  # fmt: skip
VALUE_FIELDS = tuple(f for _s, fields, _d in PASSES for f in fields
                     if f not in ("qualifications", "tags"))  # fmt: skip


def _divisions(city_id: int) -> dict[int, str]:
    """District id → the 6-digit division code its USCCs carry (functional areas: the city's)."""
    codes = {}
    for ref in core.places_of_city(city_id):
        if ref.division_code:
            codes[ref.id] = str(ref.division_code)[:6]
    return codes


def _cleaned(profile: dict, fields: tuple[str, ...]) -> Cleaned:
    row = Cleaned(values={"uscc": profile["uscc"]})
    for name in fields:
        if name == "qualifications":
            row.qualifications = list(profile["qualifications"])
        elif name == "tags":
            row.tags = list(profile["tags"])
        else:
            row.values[name] = profile[name]
    return row


def _through_service(ctx: SeedContext, city_id: int, profiles: list[dict], today: dt.date) -> int:
    """Write new files pass by pass through the registry's writer; history dated back."""
    if not profiles:
        return 0
    for source, fields, days_ago in PASSES:
        before = ProfileChange.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        for start in range(0, len(profiles), 1000):
            enterprises_upsert(
                actor=None,
                city_id=city_id,
                rows=[_cleaned(p, fields) for p in profiles[start : start + 1000]],
                source=source,
                audit_each=False,
            )
        at = timezone.make_aware(
            dt.datetime.combine(today - dt.timedelta(days=days_ago), dt.time(9, 30))
        )
        ProfileChange.objects.filter(pk__gt=before).update(at=at)
    return len(profiles)


def _insert(model, names: tuple[str, ...], rows: list[list]) -> None:
    """``INSERT`` many rows with one ``executemany`` (the ORM's ``bulk_create`` spends most of
    its time preparing each value of each field; only dates, decimals and JSON need it)."""
    fields = [model._meta.get_field(name) for name in names]
    convert = [
        i for i, f in enumerate(fields)
        if f.get_internal_type() in ("DecimalField", "DateField", "DateTimeField", "JSONField")
    ]  # fmt: skip
    db = connections[DEFAULT_DB_ALIAS]  # the connection itself, not the per-thread proxy
    for values in rows:
        for i in convert:
            values[i] = fields[i].get_db_prep_save(values[i], db)
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({marks})",  # noqa: S608
            rows,
        )


ENTERPRISE_COLUMNS = ("uscc", "city", "district", "street", "scale", "scale_stated",
                      "field_sources", "version", "created_at", "updated_at",
                      *(f for f in VALUE_FIELDS if f not in ("district", "street")))  # fmt: skip


def _bulk(ctx: SeedContext, city_id: int, profiles: list[dict]) -> int:
    """The fast path: rows written directly, one summary change per file."""
    sources = {f: str(s) for s, fields, _d in PASSES for f in fields}
    now = timezone.now()
    _insert(
        Enterprise,
        ENTERPRISE_COLUMNS,
        [
            [p["uscc"], city_id, p["district"], p["street"], p["scale"], False, sources, 1, now,
             now, *(p[f] for f in ENTERPRISE_COLUMNS[10:])]
            for p in profiles
        ],
    )  # fmt: skip
    ids: dict[str, int] = {}
    usccs = [p["uscc"] for p in profiles]
    for start in range(0, len(usccs), 1000):
        ids.update(
            Enterprise.objects.filter(uscc__in=usccs[start : start + 1000]).values_list(
                "uscc", "pk"
            )
        )
    quals, tags, changes = [], [], []
    for p in profiles:
        pk = ids[p["uscc"]]
        quals.extend(
            [pk, kind, cert, start, end, Source.SCIENCE]
            for kind, start, end, cert in p["qualifications"]
        )
        tags.extend([pk, tag] for tag in p["tags"])
        changes.append([pk, "created", None, p["name"], Source.SEED, now])
    _insert(Qualification, ("enterprise", "kind", "certificate_no", "valid_from", "valid_to",
                            "source"), quals)  # fmt: skip
    _insert(EnterpriseTag, ("enterprise", "tag"), tags)
    _insert(ProfileChange, ("enterprise", "field", "old", "new", "source", "at"), changes)
    reset_queries()  # with DEBUG on, Django keeps the last 9,000 statements: large inserts
    return len(profiles)


def _account_profiles(generator: Generator, places: Places, known: set[str]) -> list[dict]:
    """Files for the enterprise accounts: a generated profile under the account's name,
    district and USCC."""
    import random

    profiles = []
    for n, account in enumerate(core.enterprise_accounts()):
        if account.uscc in known:
            continue
        profile = generator.one(random.Random(f"{generator.seed}:account:{account.uscc}"))
        profile["uscc"] = account.uscc
        profile["name"] = account.name
        if account.district_id in places.names and account.district_id in set(
            places.districts.values()
        ):
            profile["district"] = account.district_id
            streets = generator.streets.get(account.district_id, [])
            profile["street"] = streets[n % len(streets)] if streets else None
        profile["status"] = "operating"
        if account.name == DEMO_NAME:
            _demo_profile(profile, generator.today)
        profiles.append(profile)
        known.add(account.uscc)
    return profiles


def _demo_profile(profile: dict, today: dt.date) -> None:
    """珠海格创智能科技有限公司, the demo enterprise user's: a high-tech software SME."""
    profile.update(
        {
            "industry": "I6513",
            "legal_representative": "陈格创",
            "park": "南方软件园",
            "founded_on": dt.date(today.year - 6, 3, 18),
            "registered_capital": Decimal("1000.00"),
            "employees": 86,
            "revenue": Decimal("6800.00"),
            "total_assets": Decimal("5200.00"),
            "tax_paid": Decimal("312.50"),
            "rd_spend": Decimal("720.00"),
            "credit_rating": "B",
            "invention_patents": 6,
            "utility_patents": 14,
            "software_copyrights": 38,
            "trademarks": 3,
            "tags": ["软件", "专利密集"],
            "qualifications": [
                (QualificationKind.HIGH_TECH, today - dt.timedelta(days=400),
                 today - dt.timedelta(days=400) + dt.timedelta(days=3 * 365 - 1),
                 f"GR{(today - dt.timedelta(days=400)).year}44001234"),
                (QualificationKind.TECH_SME, dt.date(today.year, 4, 1),
                 dt.date(today.year + 1, 3, 31), f"{today.year}440400123"),
            ],
        }
    )  # fmt: skip
    profile["scale"] = "small"


def _demo_history(city_id: int, usccs: set[str], today: dt.date) -> None:
    """Later changes of the demo enterprise's file: a better tax credit rating, this year's
    statistical return, a new qualification — each from its department."""
    demo = Enterprise.objects.filter(city_id=city_id, name=DEMO_NAME).first()
    if demo is None or demo.uscc not in usccs:
        return
    steps = (
        (Source.TAX, {"credit_rating": "A", "tax_paid": Decimal("405.80")}, 20),
        (Source.STATISTICS, {"employees": 112, "revenue": Decimal("8650.00")}, 10),
    )
    for source, values, days_ago in steps:
        before = ProfileChange.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        enterprises_upsert(
            actor=None,
            city_id=city_id,
            rows=[Cleaned(values={"uscc": demo.uscc, **values})],
            source=source,
            audit_each=False,
        )
        at = timezone.make_aware(
            dt.datetime.combine(today - dt.timedelta(days=days_ago), dt.time(10, 0))
        )
        ProfileChange.objects.filter(pk__gt=before).update(at=at)


@seed_step("registry.enterprises", order=40)
def seed_enterprises(ctx: SeedContext) -> None:
    city = core.organisation_by_code("zh")
    if city is None:
        return
    total = COUNTS.get(ctx.scale, COUNTS["small"])
    today = timezone.localdate()
    places = Places.of(city.id)
    generator = Generator(places, _divisions(city.id), seed="20230714", today=today)
    known = set(Enterprise.objects.filter(city_id=city.id).values_list("uscc", flat=True))
    accounts = _account_profiles(generator, places, known)
    created = _through_service(ctx, city.id, accounts, today)
    _demo_history(city.id, {p["uscc"] for p in accounts}, today)
    task = ctx.progress.add_task("一企一档", total=total)
    # the first chunks (the small demo) always through the service; the rest in bulk
    service_chunks = (COUNTS["small"] + CHUNK - 1) // CHUNK
    chunks = (total + CHUNK - 1) // CHUNK
    pending: list[dict] = []
    for index in range(chunks):
        for profile in generator.chunk(index)[: total - index * CHUNK]:
            if profile["uscc"] not in known:
                known.add(profile["uscc"])
                pending.append(profile)
        through_service = index < service_chunks
        if through_service or len(pending) >= BULK_BATCH or index == chunks - 1:
            with transaction.atomic():
                if through_service:
                    created += _through_service(ctx, city.id, pending, today)
                else:
                    created += _bulk(ctx, city.id, pending)
            pending = []
        ctx.progress.update(task, completed=min(total, (index + 1) * CHUNK))
    ctx.count("enterprise files", created)
