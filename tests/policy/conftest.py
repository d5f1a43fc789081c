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
