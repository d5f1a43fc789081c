"""A city with districts and streets named as in ``policy.samples`` and a registry of random
enterprises written through the registry's own services."""

from __future__ import annotations

import random

import pytest

from yiwang.policy import samples


def raw_of(profile: dict) -> dict:
    """A sample profile as the raw values an import or the API would give."""
    raw = {k: v for k, v in profile.items() if k not in ("id", "qualifications")}
    raw["uscc"] = profile["uscc"]
    raw["name"] = f"测试企业{profile['id']}有限公司"
    raw["qualifications"] = [
        {"kind": k, "valid_from": s.isoformat(), "valid_to": e.isoformat()}
        for k, s, e in profile["qualifications"]
    ]
    return raw


def uscc_for(n: int) -> str:
    from yiwang.core.validators import uscc_check_char

    body = f"91440400MA{n:07d}"[:17]
    return body + uscc_check_char(body)


@pytest.fixture
def policy_city(db):
    from yiwang.core.choices import OrgKind
    from yiwang.core.services.organisations import organisation_create

    city = organisation_create(actor=None, name="珠海市", kind=OrgKind.CITY, code="p-city")
    districts = []
    for i, name in enumerate(samples.DISTRICTS):
        kind = OrgKind.FUNCTIONAL_AREA if name.endswith(("区域", "高新区")) else OrgKind.DISTRICT
        districts.append(
            organisation_create(actor=None, name=name, kind=kind, code=f"p-d{i}", parent=city)
        )
    for i, name in enumerate(samples.STREETS):
        organisation_create(
            actor=None, name=name, kind=OrgKind.STREET, code=f"p-s{i}", parent=districts[i % 3]
        )
    return city


@pytest.fixture
def registry_sample(policy_city):
    """600 random enterprises of the city (the same for a run), and their sample profiles."""
    from yiwang.registry.services.profiles import Places, enterprises_upsert, profile_clean

    rng = random.Random(4754)
    places = Places.of(policy_city.pk)
    profiles, rows = [], []
    for n in range(600):
        profile = samples.random_profile(rng, n)
        profile["uscc"] = uscc_for(n)
        cleaned = profile_clean(raw_of(profile), places=places, today=samples.TODAY)
        assert not cleaned.errors, cleaned.errors
        rows.append(cleaned)
        profiles.append(profile)
    enterprises_upsert(
        actor=None, city_id=policy_city.pk, rows=rows, source="seed", audit_each=False
    )
    return policy_city, profiles


# --- the policy app: officers, enterprise users, documents ----------------------------------------


@pytest.fixture(autouse=True)
def _fresh_matchers():
    """Matchers live per process; each test starts from its own database."""
    from yiwang.policy.matching import matchers_reset

    matchers_reset()
    yield
    matchers_reset()


DEMO_USCC = uscc_for(7000)
OTHER_USCC = uscc_for(7001)


def demo_profile(today) -> dict:
    """A high-tech software SME of 香洲区 with a known file (the calculator's enterprise)."""
    import datetime as dt

    return {
        "uscc": DEMO_USCC,
        "name": "珠海格物智能科技有限公司",
        "industry": "I6513",
        "scale": "small",
        "district": "香洲区",
        "status": "operating",
        "founded_on": (today - dt.timedelta(days=365 * 6)).isoformat(),
        "employees": 80,
        "revenue": "3000.00",
        "total_assets": "2500.00",
        "tax_paid": "150.00",
        "rd_spend": "200.00",
        "credit_rating": "A",
        "invention_patents": 4,
        "software_copyrights": 12,
        "tags": ["软件"],
        "qualifications": [
            {
                "kind": "high_tech",
                "valid_from": (today - dt.timedelta(days=300)).isoformat(),
                "valid_to": (today + dt.timedelta(days=700)).isoformat(),
            }
        ],
    }


@pytest.fixture
def pol(registry_sample, make_staff):
    """The policy city: two issuing departments with an officer each, a leader, the platform
    administrator, a case handler (no policy role), and two enterprise users each acting for
    an enterprise with a registry file (the first one's is :func:`demo_profile`)."""
    from types import SimpleNamespace

    from django.utils import timezone

    from tests.conftest import PASSWORD
    from yiwang.core.choices import OrgKind, Role
    from yiwang.core.services.accounts import enterprise_account_create, enterprise_user_register
    from yiwang.core.services.organisations import organisation_create
    from yiwang.registry.services.profiles import enterprise_save

    city, profiles = registry_sample
    science = organisation_create(
        actor=None, name="市科技创新局", kind=OrgKind.DEPARTMENT, code="p-kj", parent=city
    )
    industry = organisation_create(
        actor=None, name="市工业和信息化局", kind=OrgKind.DEPARTMENT, code="p-gx", parent=city
    )
    today = timezone.localdate()
    demo = enterprise_save(actor=None, city_id=city.pk, data=demo_profile(today))
    other = enterprise_save(
        actor=None,
        city_id=city.pk,
        data={
            "uscc": OTHER_USCC,
            "name": "珠海海湾餐饮管理有限公司",
            "industry": "H6210",
            "scale": "micro",
            "district": "斗门区",
            "status": "operating",
            "employees": 6,
            "revenue": "90.00",
        },
    )
    accounts = []
    for n, enterprise in enumerate((demo, other)):
        account = enterprise_account_create(actor=None, uscc=enterprise.uscc, name=enterprise.name)
        accounts.append(
            enterprise_user_register(
                enterprise=account,
                username=f"ent{n}",
                password=PASSWORD,
                display_name=f"企业经办人{n}",
            )
        )
    return SimpleNamespace(
        city=city,
        profiles=profiles,
        science=science,
        industry=industry,
        officer=make_staff(science, Role.POLICY_OFFICER, username="officer"),
        other_officer=make_staff(industry, Role.POLICY_OFFICER, username="officer2"),
        leader=make_staff(city, Role.LEADER, username="leader"),
        admin=make_staff(science, Role.PLATFORM_ADMIN, username="padmin"),
        handler=make_staff(science, Role.CASE_HANDLER, username="handler"),
        ent_user=accounts[0],
        other_user=accounts[1],
        demo=demo,
        other=other,
        today=today,
    )


def document_data(pol, *, serial: int = 3, **overrides) -> dict:
    """A valid document of 市科技创新局 issued ten days ago (文号 serial ``serial``)."""
    import datetime as dt

    issued = pol.today - dt.timedelta(days=10)
    data = {
        "title": "珠海市高新技术企业认定奖励办法",
        "organisation_id": pol.science.pk,
        "document_number": f"珠科创〔{issued.year}〕{serial}号",
        "issue_date": issued,
        "effective_from": issued,
        "effective_to": issued + dt.timedelta(days=3 * 365),
        "full_text": "全文",
        "interpretation": "解读",
    }
    data.update(overrides)
    return data


def item_data(**overrides) -> dict:
    data = {
        "title": "首次认定高新技术企业奖励",
        "kind": "subsidy",
        "benefit": "一次性奖励30万元。",
        "amount_cap": "30",
        "materials": ["高新技术企业证书"],
        "contact_department": "市科技创新局",
        "contact_phone": "0756-2121234",
    }
    data.update(overrides)
    return data


@pytest.fixture
def published_doc(pol):
    """A listed document of 市科技创新局."""
    from yiwang.policy import services

    document = services.document_create(actor=pol.officer, data=document_data(pol))
    return services.document_publish(actor=pol.officer, document_id=document.pk)


@pytest.fixture
def make_item(pol, published_doc):
    """make_item(rule_text, publish=True, **fields) → a (published) item of ``published_doc``."""
    from yiwang.policy import services

    def make(rule_text: str, *, publish: bool = True, **fields):
        item = services.item_create(
            actor=pol.officer,
            document_id=published_doc.pk,
            data=item_data(**fields),
            rule_text=rule_text,
        )
        if publish:
            item = services.item_publish(actor=pol.officer, item_id=item.pk)
        return item

    return make
