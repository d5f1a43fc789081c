import pytest
from rich.console import Console

from yiwang.core.choices import AccountKind, OrgKind
from yiwang.core.models import CitizenProfile, EnterpriseAccount, Organisation, User
from yiwang.core.seed import run_seed
from yiwang.core.validators import validate_uscc


@pytest.fixture
def quiet():
    return Console(quiet=True)


def test_small_seed_builds_zhuhai_and_is_idempotent(db, quiet):
    first = run_seed(scale="small", console=quiet)
    assert first["organisations"] > 200
    counts = (
        Organisation.objects.count(),
        User.objects.count(),
        EnterpriseAccount.objects.count(),
        CitizenProfile.objects.count(),
    )
    second = run_seed(scale="small", console=quiet)
    assert second == {}
    assert counts == (
        Organisation.objects.count(),
        User.objects.count(),
        EnterpriseAccount.objects.count(),
        CitizenProfile.objects.count(),
    )

    city = Organisation.objects.get(kind=OrgKind.CITY)
    assert city.name == "珠海市" and city.division_id == "440400000000"
    municipal = Organisation.objects.filter(parent=city, kind=OrgKind.DEPARTMENT)
    assert municipal.count() >= 56
    assert {"市政务服务数据管理局", "市市场监督管理局", "市人力资源和社会保障局"} <= set(
        municipal.values_list("name", flat=True)
    )
    districts = set(
        Organisation.objects.filter(parent=city)
        .exclude(kind=OrgKind.DEPARTMENT)
        .values_list("name", flat=True)
    )
    assert {"香洲区", "斗门区", "金湾区", "横琴粤澳深度合作区"} <= districts
    xz = Organisation.objects.get(name="香洲区")
    assert xz.children.filter(kind=OrgKind.DEPARTMENT).count() >= 10
    assert xz.children.filter(kind=OrgKind.STREET, name="拱北街道").exists()
    for org in Organisation.objects.exclude(uscc=""):
        validate_uscc(org.uscc)
    for account in EnterpriseAccount.objects.all():
        validate_uscc(account.uscc)
    assert User.objects.filter(kind=AccountKind.CITIZEN).count() >= 200


def test_seed_is_deterministic_from_the_random_seed(db, quiet):
    run_seed(scale="small", console=quiet, random_seed=7)
    names = list(EnterpriseAccount.objects.order_by("uscc").values_list("uscc", "name")[:5])
    assert names
    assert all(len(uscc) == 18 for uscc, _ in names)


def test_generators_give_valid_identifiers_and_real_addresses():
    import random

    from yiwang.core.data import zhuhai
    from yiwang.core.seed import make_address, make_id_number, make_mobile, make_uscc
    from yiwang.core.validators import validate_id_number

    rng = random.Random(3)
    for _ in range(200):
        validate_uscc(make_uscc(rng))
        validate_id_number(make_id_number(rng))
        assert len(make_mobile(rng)) == 11
        address = make_address(rng)
        assert address.startswith("珠海市")
        assert any(address.startswith(f"珠海市{d}") for d in zhuhai.ROADS)
    assert make_address(random.Random(1), "斗门区").startswith("珠海市斗门区")
    assert make_address(random.Random(5)) == make_address(random.Random(5))
