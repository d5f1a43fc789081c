"""Enterprise scale (大 / 中 / 小 / 微) by the national statistical rule: 国家统计局
《统计上大中小微型企业划分办法（2017）》(国统字〔2017〕213号).

Each industry group has thresholds on employees (从业人员, persons), operating revenue (营业收入,
10,000 yuan) and/or total assets (资产总额, 10,000 yuan). 大型, 中型 and 小型 must reach **every**
listed lower bound of their size, otherwise the enterprise drops one size; 微型 is what is left
(it needs to be below only one of the bounds of 小型). An indicator that is not known
counts as not reaching its bound, so an enterprise with unknown figures is 微型 unless it is
stated otherwise (the registry keeps a stated scale and its source apart from the derived one).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


class Scale:
    LARGE = "large"
    MEDIUM = "medium"
    SMALL = "small"
    MICRO = "micro"
    ORDER = ("large", "medium", "small", "micro")


@dataclass(frozen=True)
class Bounds:
    """Lower bounds of one size: employees (persons), revenue, assets (10,000 yuan); None: not
    an indicator of this industry group."""

    employees: int | None = None
    revenue: int | None = None
    assets: int | None = None


@dataclass(frozen=True)
class Group:
    key: str
    name: str
    prefixes: tuple[str, ...]  # canonical industry-code prefixes (see industries.py)
    large: Bounds
    medium: Bounds
    small: Bounds


# The first group with a matching prefix wins: longer prefixes come before their section.
GROUPS: tuple[Group, ...] = (
    Group("agriculture", "农、林、牧、渔业", ("A",),
          Bounds(revenue=20000), Bounds(revenue=500), Bounds(revenue=50)),
    Group("industry", "工业", ("B", "C", "D"),
          Bounds(1000, 40000), Bounds(300, 2000), Bounds(20, 300)),
    Group("construction", "建筑业", ("E",),
          Bounds(revenue=80000, assets=80000), Bounds(revenue=6000, assets=5000),
          Bounds(revenue=300, assets=300)),
    Group("wholesale", "批发业", ("F51",),
          Bounds(200, 40000), Bounds(20, 5000), Bounds(5, 1000)),
    Group("retail", "零售业", ("F52",),
          Bounds(300, 20000), Bounds(50, 500), Bounds(10, 100)),
    Group("warehousing", "仓储业", ("G59",),
          Bounds(200, 30000), Bounds(100, 1000), Bounds(20, 100)),
    Group("postal", "邮政业", ("G60",),
          Bounds(1000, 30000), Bounds(300, 2000), Bounds(20, 100)),
    Group("transport", "交通运输业", ("G",),
          Bounds(1000, 30000), Bounds(300, 3000), Bounds(20, 200)),
    Group("hospitality", "住宿业、餐饮业", ("H",),
          Bounds(300, 10000), Bounds(100, 2000), Bounds(10, 100)),
    Group("software", "软件和信息技术服务业", ("I65",),
          Bounds(300, 10000), Bounds(100, 1000), Bounds(10, 50)),
    Group("telecom", "信息传输业", ("I63", "I64"),
          Bounds(2000, 100000), Bounds(100, 1000), Bounds(10, 100)),
    Group("property_development", "房地产开发经营", ("K701",),
          Bounds(revenue=200000, assets=10000), Bounds(revenue=1000, assets=5000),
          Bounds(revenue=100, assets=2000)),
    Group("property_management", "物业管理", ("K702",),
          Bounds(1000, 5000), Bounds(300, 1000), Bounds(100, 500)),
    Group("leasing_business", "租赁和商务服务业", ("L",),
          Bounds(300, assets=120000), Bounds(100, assets=8000), Bounds(10, assets=100)),
    Group("other", "其他未列明行业", ("",),
          Bounds(300), Bounds(100), Bounds(10)),
)  # fmt: skip


def scale_group(industry: str) -> Group:
    """The threshold group of a canonical industry code (``other`` when none is listed)."""
    code = industry or ""
    for group in GROUPS:
        if any(code.startswith(p) for p in group.prefixes):
            return group
    return GROUPS[-1]


def _reaches(bounds: Bounds, employees, revenue, assets) -> bool:
    for bound, value in (
        (bounds.employees, employees),
        (bounds.revenue, revenue),
        (bounds.assets, assets),
    ):
        if bound is not None and (value is None or Decimal(value) < bound):
            return False
    return True


def scale_derive(
    *,
    industry: str,
    employees: int | None,
    revenue: Decimal | int | None,
    assets: Decimal | int | None = None,
) -> str:
    """``large``, ``medium``, ``small`` or ``micro`` for the figures (revenue and assets in
    10,000 yuan)."""
    group = scale_group(industry)
    for size, bounds in ((Scale.LARGE, group.large), (Scale.MEDIUM, group.medium)):
        if _reaches(bounds, employees, revenue, assets):
            return size
    if _reaches(group.small, employees, revenue, assets):
        return Scale.SMALL
    return Scale.MICRO
