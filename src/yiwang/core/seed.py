"""Demo data framework: ``yiwang seed --scale small|city``.

Apps contribute steps by defining ``<app>/seed.py`` with functions decorated by
:func:`seed_step`. Steps run in ``order``; each receives a :class:`SeedContext` with a seeded
``random.Random``, a seeded Faker (zh_CN), the scale and a rich progress bar. Every step must be
idempotent (look rows up by their natural key), so running the seed twice changes nothing.
The core steps build 珠海市: its organisation tree, demo accounts, staff, citizens and enterprise
accounts, with valid USCC and identity numbers.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import import_module

from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.db import transaction
from faker import Faker
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from yiwang.core.audit import audit_record
from yiwang.core.choices import AccountKind, EnterpriseMemberRole, OrgKind, Role
from yiwang.core.context import bind
from yiwang.core.data import zhuhai
from yiwang.core.models import (
    CitizenProfile,
    EnterpriseAccount,
    EnterpriseMember,
    Organisation,
    RoleAssignment,
    User,
)
from yiwang.core.services.organisations import organisation_create
from yiwang.core.validators import USCC_ALPHABET, id_number_check_char, uscc_check_char

DEMO_PASSWORD = "Yiwang@2026"  # noqa: S105 — documented demo password, printed by make demo

# (username, password, who) printed by `make demo`.
DEMO_ACCOUNTS: list[tuple[str, str, str]] = [
    ("admin", DEMO_PASSWORD, "平台管理员（系统管理员）· 市政务服务数据管理局"),
    ("secadmin", DEMO_PASSWORD, "安全管理员 · 市政务服务数据管理局"),
    ("auditadmin", DEMO_PASSWORD, "审计管理员 · 市政务服务数据管理局"),
    ("auditor", DEMO_PASSWORD, "审计员 · 市审计局"),
    ("leader", DEMO_PASSWORD, "领导（只读驾驶舱）· 珠海市"),
    ("operator", DEMO_PASSWORD, "12345热线话务员 · 市12345政务服务便民热线中心"),
    ("handler", DEMO_PASSWORD, "承办人 · 香洲区市场监督管理局"),
    ("itemeditor", DEMO_PASSWORD, "事项管理员 · 香洲区市场监督管理局"),
    ("itemreviewer", DEMO_PASSWORD, "事项审核员 · 市政务服务数据管理局"),
    ("xzadmin", DEMO_PASSWORD, "机构管理员 · 香洲区"),
    ("cdo", DEMO_PASSWORD, "首席数据官 · 市政务服务数据管理局"),
    ("analyst", DEMO_PASSWORD, "安全分析员 · 市政务服务数据管理局"),
    ("policyofficer", DEMO_PASSWORD, "政企直通专员 · 市工业和信息化局"),
    ("citizen", DEMO_PASSWORD, "市民 张晓梅"),
    ("enterprise", DEMO_PASSWORD, "企业经办人 · 珠海格创智能科技有限公司"),
]

SCALES = {
    # communities per street, staff per department, citizens, enterprises
    "small": {"communities": 2, "staff_per_dept": 2, "citizens": 200, "enterprises": 60},
    "city": {"communities": 12, "staff_per_dept": 12, "citizens": 20000, "enterprises": 5000},
}


@dataclass
class SeedContext:
    scale: str
    rng: random.Random
    faker: Faker
    progress: Progress
    params: dict
    counts: dict[str, int] = field(default_factory=dict)

    def track(self, items: Iterable, description: str, total: int | None = None):
        items = list(items) if total is None else items
        task = self.progress.add_task(description, total=total if total is not None else len(items))
        for item in items:
            yield item
            self.progress.advance(task)

    def count(self, key: str, n: int = 1) -> None:
        if n:
            self.counts[key] = self.counts.get(key, 0) + n


@dataclass(frozen=True)
class Step:
    name: str
    order: int
    fn: Callable[[SeedContext], None]


_STEPS: dict[str, Step] = {}


def seed_step(name: str, order: int):
    def register(fn):
        _STEPS[name] = Step(name, order, fn)
        return fn

    return register


def _discover() -> list[Step]:
    for config in apps.get_app_configs():
        if config.name.startswith("yiwang.") and config.name != "yiwang.core":
            try:
                import_module(f"{config.name}.seed")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.seed":
                    raise
    return sorted(_STEPS.values(), key=lambda s: (s.order, s.name))


def run_seed(
    *, scale: str = "small", random_seed: int = 20230714, console: Console | None = None
) -> dict[str, int]:
    """Run every registered step; returns counts of rows created."""
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; use one of {sorted(SCALES)}")
    console = console or Console(stderr=True)
    faker = Faker("zh_CN")
    faker.seed_instance(random_seed)
    started = time.perf_counter()
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=False) as progress, bind(channel="cli"):
        ctx = SeedContext(
            scale=scale,
            rng=random.Random(random_seed),
            faker=faker,
            progress=progress,
            params=SCALES[scale],
        )
        for step in _discover():
            # Each step draws from its own stream, so what one step skips (rows that exist)
            # cannot shift what the next one generates: a second run is a no-op.
            ctx.rng = random.Random(f"{random_seed}:{step.name}")
            faker.seed_instance(f"{random_seed}:{step.name}")
            with transaction.atomic():
                step.fn(ctx)
        audit_record(
            actor=None,
            action="core.seed.run",
            object_type="seed",
            changes={"scale": scale, "random_seed": random_seed, "created": ctx.counts},
        )
    table = Table(title=f"seed --scale {scale} ({time.perf_counter() - started:.1f} s)")
    table.add_column("rows created")
    table.add_column("count", justify="right")
    for key, value in sorted(ctx.counts.items()):
        table.add_row(key, str(value))
    if not ctx.counts:
        table.add_row("(nothing new: already seeded)", "0")
    console.print(table)
    return ctx.counts


# --- generators of valid national identifiers -------------------------------------------

_ORG_CODE_ALPHABET = USCC_ALPHABET


def make_uscc(rng: random.Random, *, prefix: str = "91", division: str = "440400") -> str:
    """A valid 18-character USCC: ``prefix`` (91 enterprise, 11 government organ)."""
    body = prefix + division + "".join(rng.choice(_ORG_CODE_ALPHABET) for _ in range(9))
    return body + uscc_check_char(body)


def make_id_number(rng: random.Random, *, division: str = "440402") -> str:
    year = rng.randint(1950, 2005)
    month = rng.randint(1, 12)
    day = rng.randint(1, 28)
    body = f"{division}{year:04d}{month:02d}{day:02d}{rng.randint(0, 999):03d}"
    return body + id_number_check_char(body)


def make_address(rng: random.Random, district: str | None = None) -> str:
    """A street address in one of the demo city's real districts (``珠海市香洲区凤凰北路123号``)."""
    district = district or rng.choice(list(zhuhai.ROADS))
    road = rng.choice(zhuhai.ROADS[district])
    number = rng.randint(1, 999)
    extra = rng.choice(
        ["", "", f"{rng.randint(1, 30)}栋{rng.randint(1, 30)}0{rng.randint(1, 6)}室"]
    )
    return f"{zhuhai.CITY[0]}{district}{road}{number}号{extra}"


def make_mobile(rng: random.Random) -> str:
    return (
        rng.choice(["138", "139", "135", "136", "137", "150", "151", "186", "188", "199"])
        + f"{rng.randint(0, 99_999_999):08d}"
    )


# --- core steps -------------------------------------------------------------------------------


def _org(ctx: SeedContext, *, code: str, **kwargs) -> Organisation:
    existing = Organisation.objects.filter(code=code).first()
    if existing is not None:
        return existing
    ctx.count("organisations")
    return organisation_create(actor=None, code=code, **kwargs)


@seed_step("core.organisations", order=10)
def seed_organisations(ctx: SeedContext) -> None:
    name, division = zhuhai.CITY
    rng = random.Random(1)  # org USCCs must not depend on the scale
    city = _org(
        ctx,
        code="zh",
        name=name,
        kind=OrgKind.CITY,
        division_code=division,
        uscc=make_uscc(rng, prefix="11"),
    )
    for i, dept in enumerate(ctx.track(zhuhai.MUNICIPAL_DEPARTMENTS, "市直部门")):
        _org(
            ctx,
            code=f"zh-d{i:03d}",
            name=dept,
            kind=OrgKind.DEPARTMENT,
            parent=city,
            uscc=make_uscc(rng, prefix="11"),
            sort_order=i,
        )
    for di, (dname, kind, dcode, streets) in enumerate(ctx.track(zhuhai.DISTRICTS, "区与功能区")):
        district = _org(
            ctx,
            code=f"zh-{di}",
            name=dname,
            kind=OrgKind.DISTRICT if kind == "district" else OrgKind.FUNCTIONAL_AREA,
            parent=city,
            division_code=dcode,
            sort_order=100 + di,
        )
        for j, dept in enumerate(zhuhai.DISTRICT_DEPARTMENTS):
            prefix = dname if kind == "district" else dname.removeprefix("珠海")
            _org(
                ctx,
                code=f"zh-{di}-d{j:02d}",
                name=f"{prefix}{dept}",
                kind=OrgKind.DEPARTMENT,
                parent=district,
                uscc=make_uscc(rng, prefix="11"),
                sort_order=j,
            )
        for k, (sname, scode) in enumerate(streets):
            street = _org(
                ctx,
                code=f"zh-{di}-s{k:02d}",
                name=sname,
                kind=OrgKind.STREET,
                parent=district,
                division_code=scode,
                sort_order=100 + k,
            )
            for c in range(ctx.params["communities"]):
                stem = zhuhai.COMMUNITY_STEMS[(di * 7 + k * 3 + c) % len(zhuhai.COMMUNITY_STEMS)]
                suffix = zhuhai.COMMUNITY_SUFFIXES[c % len(zhuhai.COMMUNITY_SUFFIXES)]
                _org(
                    ctx,
                    code=f"zh-{di}-s{k:02d}-c{c:02d}",
                    name=f"{stem}{suffix}{c + 1}",
                    kind=OrgKind.COMMUNITY,
                    parent=street,
                )


def _staff(
    ctx: SeedContext,
    password_hash: str,
    username: str,
    name: str,
    org: Organisation,
    roles: Iterable[str],
    is_staff: bool = False,
) -> User:
    user = User.objects.filter(username=username).first()
    if user is not None:
        return user
    user = User.objects.create(
        username=username,
        display_name=name,
        kind=AccountKind.STAFF,
        organisation=org,
        password=password_hash,
        is_staff=is_staff,
        mobile=make_mobile(ctx.rng),
    )
    RoleAssignment.objects.bulk_create([RoleAssignment(user=user, role=r) for r in roles])
    ctx.count("staff users")
    return user


@seed_step("core.accounts", order=20)
def seed_accounts(ctx: SeedContext) -> None:
    from django.utils import timezone

    password_hash = make_password(DEMO_PASSWORD)  # hashed once: argon2 is slow by design
    org = {o.name: o for o in Organisation.objects.filter(code__startswith="zh")}
    city = Organisation.objects.get(code="zh")
    demo = [
        ("admin", "王建国", "市政务服务数据管理局", [Role.PLATFORM_ADMIN], True),
        ("secadmin", "李安平", "市政务服务数据管理局", [Role.SECURITY_ADMIN], True),
        ("auditadmin", "陈审之", "市政务服务数据管理局", [Role.AUDIT_ADMIN], True),
        ("auditor", "赵明审", "市审计局", [Role.AUDITOR], False),
        ("leader", "周志远", city.name, [Role.LEADER], False),
        ("operator", "林小敏", "市12345政务服务便民热线中心", [Role.HOTLINE_OPERATOR], False),
        ("handler", "黄伟", "香洲区市场监督管理局", [Role.CASE_HANDLER], False),
        ("itemeditor", "梁晓彤", "香洲区市场监督管理局", [Role.SERVICE_EDITOR], False),
        ("itemreviewer", "冯立诚", "市政务服务数据管理局", [Role.SERVICE_REVIEWER], False),
        ("xzadmin", "何丽", "香洲区", [Role.ORG_ADMIN], True),
        ("cdo", "吴数", "市政务服务数据管理局", [Role.DATA_OFFICER], False),
        ("analyst", "郑安", "市政务服务数据管理局", [Role.SECURITY_ANALYST], False),
        ("policyofficer", "孙企通", "市工业和信息化局", [Role.POLICY_OFFICER], False),
    ]
    # Staff created now have a fresh password (no forced change on first demo login).
    for username, name, org_name, roles, is_staff in demo:
        user = _staff(ctx, password_hash, username, name, org[org_name], roles, is_staff)
        if user.password_changed_at is None:
            User.objects.filter(pk=user.pk).update(password_changed_at=timezone.now())
    # Generated handlers: every department gets case handlers, hotline centre gets operators.
    departments = list(Organisation.objects.filter(kind=OrgKind.DEPARTMENT, code__startswith="zh"))
    existing = set(User.objects.filter(username__startswith="u").values_list("username", flat=True))
    new_users, new_roles = [], []
    now = timezone.now()
    for dept in ctx.track(departments, "工作人员"):
        for n in range(ctx.params["staff_per_dept"]):
            username = f"u{dept.pk:04d}{n:02d}"
            if username in existing:
                continue
            new_users.append(
                User(
                    username=username,
                    display_name=ctx.faker.name(),
                    kind=AccountKind.STAFF,
                    organisation=dept,
                    password=password_hash,
                    mobile=make_mobile(ctx.rng),
                    password_changed_at=now,
                )
            )
    User.objects.bulk_create(new_users, batch_size=1000)
    created = User.objects.filter(username__in=[u.username for u in new_users])
    for user in created:
        new_roles.append(RoleAssignment(user=user, role=Role.CASE_HANDLER))
    RoleAssignment.objects.bulk_create(new_roles, batch_size=1000)
    ctx.count("staff users", len(new_users))


@seed_step("core.public", order=30)
def seed_public_accounts(ctx: SeedContext) -> None:
    password_hash = make_password(DEMO_PASSWORD)
    districts = list(
        Organisation.objects.filter(kind__in=[OrgKind.DISTRICT, OrgKind.FUNCTIONAL_AREA])
    )
    # Demo citizen and enterprise with fixed identities.
    if not User.objects.filter(username="citizen").exists():
        user = User.objects.create(
            username="citizen",
            display_name="张晓梅",
            kind=AccountKind.CITIZEN,
            password=password_hash,
            mobile="13800138000",
        )
        profile = CitizenProfile(user=user, real_name="张晓梅")
        profile.set_id_number("440402199003151224")
        profile.save()
        ctx.count("citizens")
    if not User.objects.filter(username="enterprise").exists():
        account, _ = EnterpriseAccount.objects.get_or_create(
            uscc=make_uscc(random.Random(7)),
            defaults={"name": "珠海格创智能科技有限公司", "district": districts[0]},
        )
        user = User.objects.create(
            username="enterprise",
            display_name="刘经办",
            kind=AccountKind.ENTERPRISE,
            password=password_hash,
            mobile="13926900000",
        )
        EnterpriseMember.objects.create(
            enterprise=account, user=user, role=EnterpriseMemberRole.ADMIN
        )
        ctx.count("enterprise accounts")
    # Generated citizens (bulk, idempotent by username).
    rng = random.Random(ctx.rng.random())
    existing = set(User.objects.filter(kind=AccountKind.CITIZEN).values_list("username", flat=True))
    total = ctx.params["citizens"]
    batch_users, batch_ids = [], []
    divisions = ["440402", "440403", "440404"]
    for i in ctx.track(range(total), "市民账号", total=total):
        username = f"c{i:06d}"
        name = ctx.faker.name()
        number = make_id_number(rng, division=rng.choice(divisions))
        mobile = make_mobile(rng)
        if username in existing:
            continue
        batch_users.append(
            User(
                username=username,
                display_name=name,
                kind=AccountKind.CITIZEN,
                password=password_hash,
                mobile=mobile,
            )
        )
        batch_ids.append((username, name, number))
    User.objects.bulk_create(batch_users, batch_size=2000)
    by_name = dict(
        User.objects.filter(username__in=[u for u, _, _ in batch_ids]).values_list("username", "pk")
    )
    profiles = []
    seen_digests = set(CitizenProfile.objects.values_list("id_number_digest", flat=True))
    for username, name, number in batch_ids:
        profile = CitizenProfile(user_id=by_name[username], real_name=name)
        profile.set_id_number(number)
        if profile.id_number_digest in seen_digests:
            continue
        seen_digests.add(profile.id_number_digest)
        profiles.append(profile)
    CitizenProfile.objects.bulk_create(profiles, batch_size=2000)
    ctx.count("citizens", len(profiles))
    # Generated enterprise accounts with one agent each.
    total = ctx.params["enterprises"]
    known = set(EnterpriseAccount.objects.values_list("uscc", flat=True))
    accounts = []
    for _i in ctx.track(range(total), "企业账号", total=total):
        uscc = make_uscc(rng)
        company = ctx.faker.company()
        district = rng.choice(districts)
        if uscc in known:
            continue
        known.add(uscc)
        accounts.append(
            EnterpriseAccount(
                uscc=uscc,
                name=f"珠海{company.removesuffix('有限公司')}有限公司"
                if not company.startswith("珠海")
                else company,
                district=district,
            )
        )
    EnterpriseAccount.objects.bulk_create(accounts, batch_size=2000)
    ctx.count("enterprise accounts", len(accounts))
