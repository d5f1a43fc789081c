"""Realistic demo enterprises of the demo city, generated deterministically in chunks of 1,000
(chunk *k* is the same whatever the scale, so a city-scale seed after a small one only adds).

* Districts weighted like the city (香洲区 the largest), streets of the district, parks.
* Industries weighted like a coastal city's register: trade and business services lead,
  manufacturing (household appliances, electronics, aviation, medicine), software, R&D.
* A target size (微 80 %, 小 15 %, 中 4 %, 大 1 %) sets employees, revenue and assets inside
  the industry group's 2017 bounds; the scale is then **derived** by the statistical rule.
* Money in 10,000 yuan: capital, revenue, assets, tax (1–8 % of revenue), R&D (for C, I, M).
* Qualifications with validity periods (~8 % 高新技术企业 for three years, 科技型中小企业 for
  one, 创新型 / 专精特新 for three, a few 小巨人), some expired; free tags.
* Names: 珠海 + a two- or three-character 字号 + an industry word + 有限公司; valid USCCs with
  the district's division code.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import random
from decimal import Decimal

from yiwang.core.seed import make_address, make_uscc
from yiwang.registry.choices import QualificationKind
from yiwang.registry.scale import scale_derive, scale_group
from yiwang.registry.services.profiles import Places

CHUNK = 1000
Q = Decimal("0.01")

# district name → (weight, parks)
DISTRICT_WEIGHTS = {
    "香洲区": (42, ["", "", "", "", "南屏科技工业园", "洪湾产业园"]),
    "斗门区": (12, ["", "", "", "富山工业园", "新青科技工业园"]),
    "金湾区": (10, ["", "", "", "航空产业园", "三灶科技工业园"]),
    "横琴粤澳深度合作区": (13, ["", "", "横琴科学城", "粤澳合作中医药科技产业园"]),
    "珠海高新技术产业开发区": (
        13,
        ["", "南方软件园", "珠海软件园", "清华科技园", "生物医药产业园"],
    ),
    "珠海高栏港经济区": (8, ["", "", "石化产业园", "装备制造产业园"]),
    "珠海万山海洋开发试验区": (2, ["", "", "桂山海洋产业园"]),
}
# the real district whose roads an area's addresses use
ADDRESS_DISTRICT = {"横琴粤澳深度合作区": "横琴粤澳深度合作区"}

# (industry code, weight, name words)
INDUSTRIES: list[tuple[str, float, tuple[str, ...]]] = [
    ("F5179", 9, ("贸易", "商贸", "进出口")), ("F5137", 4, ("服饰贸易", "商贸")),
    ("F5191", 5, ("贸易", "供应链管理")), ("F5212", 4, ("商业", "超市")),
    ("F5261", 3, ("汽车销售", "汽车贸易")), ("F5274", 3, ("电器销售", "电子商贸")),
    ("L7212", 5, ("投资", "资产管理")), ("L7241", 4, ("企业管理咨询", "商务咨询")),
    ("L7251", 3, ("广告", "文化传媒")), ("L7262", 2, ("人力资源", "劳务服务")),
    ("L7121", 2, ("设备租赁", "租赁")),
    ("I6513", 4, ("软件", "信息技术", "智能科技")), ("I6531", 2, ("信息系统", "物联网科技")),
    ("I6550", 1, ("数据科技", "云计算")), ("I6432", 1, ("网络科技", "互联网科技")),
    ("M7310", 2, ("生物科技", "新材料科技")), ("M7452", 2, ("检测技术", "检验认证")),
    ("M7519", 4, ("科技", "技术服务")), ("M7484", 1, ("工程设计", "规划设计")),
    ("C3851", 1.5, ("电器", "家电")), ("C3911", 0.8, ("计算机", "智能装备")),
    ("C3973", 0.6, ("半导体", "集成电路")), ("C3976", 0.6, ("光电科技", "光电")),
    ("C3741", 0.4, ("航空科技", "通用航空")), ("C2720", 0.6, ("医药", "制药")),
    ("C2761", 0.4, ("生物制药", "生物工程")), ("C3562", 0.6, ("精密机械", "装备")),
    ("C3411", 0.6, ("机电设备", "动力设备")), ("C2110", 0.7, ("家具", "木业")),
    ("C2319", 0.6, ("印刷", "包装")), ("C1391", 0.4, ("食品", "农产品加工")),
    ("C3731", 0.5, ("船舶", "游艇")), ("C2929", 0.9, ("塑胶", "塑料制品")),
    ("C3360", 0.8, ("金属制品", "五金")),
    ("E4710", 2.5, ("建筑工程", "建设工程")), ("E5011", 3, ("装饰工程", "装饰设计")),
    ("E4851", 1, ("市政工程", "工程")),
    ("H6210", 3, ("餐饮管理", "饮食")), ("H6110", 1, ("酒店管理", "酒店")),
    ("H6220", 1.5, ("餐饮", "快餐")),
    ("K7010", 1.5, ("房地产开发", "置业")), ("K7020", 1.5, ("物业管理", "物业服务")),
    ("K7030", 0.8, ("房地产经纪", "地产代理")),
    ("G5431", 2, ("物流", "运输")), ("G5821", 1.5, ("货运代理", "国际物流")),
    ("G5990", 0.7, ("仓储", "供应链")),
    ("O8010", 1.5, ("家政服务", "保洁服务")), ("O8111", 2, ("汽车维修", "汽车服务")),
    ("O8051", 0.8, ("美容美发", "美容")),
    ("R8890", 1, ("文化传播", "文化艺术")), ("R8919", 0.6, ("体育发展", "健身")),
    ("A0411", 0.6, ("水产养殖", "海洋渔业")), ("A0141", 0.4, ("农业发展", "果蔬种植")),
    ("P8391", 1, ("教育咨询", "培训")), ("Q8423", 0.6, ("医疗管理", "门诊部")),
    ("J6712", 0.6, ("资本管理", "基金管理")), ("J6930", 0.4, ("融资租赁",)),
    ("D4415", 0.3, ("新能源", "光伏科技")), ("N7723", 0.3, ("环保科技", "环境工程")),
]  # fmt: skip
TECH_SECTIONS = ("C", "I", "M")

SIZES = (("micro", 80), ("small", 15), ("medium", 4), ("large", 1))
STATUSES = (("operating", 88), ("cancelled", 5), ("revoked", 4), ("suspended", 2),
            ("moved_out", 1))  # fmt: skip
CREDIT = (("A", 20), ("B", 48), ("M", 22), ("C", 5), ("D", 2), ("", 3))
BRAND = tuple(
    "华宏格创联瑞泰信达鑫恒盛昌源博凯嘉丰智远星海晟锐德和新宇汇通"
    "安佳兴融维悦力航科睿澳琴湾粤岭南金银珠明光合利茂隆弘卓越致"
)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文斌宇浩俊凯欣怡晨"
TAG_RULES = (("外贸", 0.18, "FC"), ("外资", 0.05, ""), ("上市后备", 0.01, "CIM"),
             ("老字号", 0.003, "FHC"), ("绿色工厂", 0.04, "C"))  # fmt: skip


class Weighted:
    """Values drawn by weight (cumulative weights and a bisection: cheap per draw)."""

    def __init__(self, weighted) -> None:
        self.values = [v for v, _w in weighted]
        self.cumulative = list(itertools.accumulate(w for _v, w in weighted))
        self.total = self.cumulative[-1]

    def __call__(self, rng: random.Random):
        return self.values[bisect.bisect_right(self.cumulative, rng.random() * self.total)]


PICK_SIZE, PICK_STATUS, PICK_CREDIT = Weighted(SIZES), Weighted(STATUSES), Weighted(CREDIT)


class Generator:
    """Profiles of the city's demo enterprises, chunk by chunk."""

    def __init__(self, places: Places, divisions: dict[int, str], *, seed: str, today: dt.date):
        self.places = places
        self.seed = seed
        self.today = today
        self.districts = [
            (name, weight, parks)
            for name, (weight, parks) in DISTRICT_WEIGHTS.items()
            if name in places.districts
        ] or [(name, 1, [""]) for name in places.districts]
        self.parks = {name: parks for name, _w, parks in self.districts}
        self.streets: dict[int, list[int]] = {}
        for _name, (street_id, district_id) in places.streets.items():
            self.streets.setdefault(district_id, []).append(street_id)
        self.divisions = divisions
        self.pick_industry = Weighted([(code, weight) for code, weight, _w in INDUSTRIES])
        self.pick_district = Weighted([(d, w) for d, w, _p in self.districts])
        self.words = {code: words for code, _w, words in INDUSTRIES}

    def chunk(self, index: int) -> list[dict]:
        rng = random.Random(f"{self.seed}:registry:{index}")
        return [self.one(rng) for _ in range(CHUNK)]

    def one(self, rng: random.Random) -> dict:
        name = self.pick_district(rng)
        parks = self.parks[name]
        district_id = self.places.districts.get(name)
        streets = self.streets.get(district_id, [])
        industry = self.pick_industry(rng)
        size = PICK_SIZE(rng)
        employees, revenue, assets = _figures(rng, industry, size)
        brand = "".join(rng.sample(BRAND, rng.choice((2, 2, 2, 3))))
        profile = {
            "uscc": make_uscc(rng, division=self.divisions.get(district_id, "440400")),
            "name": f"珠海{brand}{rng.choice(self.words[industry])}有限公司",
            "legal_representative": rng.choice(SURNAMES) + "".join(
                rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2)))
            ),
            "address": make_address(rng, ADDRESS_DISTRICT.get(name, name)),
            "district": district_id,
            "street": rng.choice(streets) if streets and rng.random() < 0.9 else None,
            "park": rng.choice(parks),
            "industry": industry,
            "founded_on": self.today - dt.timedelta(days=int(min(rng.expovariate(1 / 2500),
                                                                 14000)) + 30),
            "registered_capital": _money(rng, {"micro": (10, 500), "small": (100, 3000),
                                               "medium": (500, 20000),
                                               "large": (5000, 200000)}[size]),
            "employees": employees,
            "revenue": revenue,
            "total_assets": assets,
            "credit_rating": PICK_CREDIT(rng),
            "status": PICK_STATUS(rng),
            "trademarks": rng.choice((0, 0, 0, 1, 1, 2, 3, 5)),
        }  # fmt: skip
        profile["tax_paid"] = (
            (revenue * Decimal(rng.uniform(0.01, 0.08))).quantize(Q) if revenue else None
        )
        tech = industry[0] in TECH_SECTIONS
        profile["qualifications"] = self._qualifications(rng, tech, size)
        high_tech = any(q[0] == QualificationKind.HIGH_TECH for q in profile["qualifications"])
        if tech and revenue:
            share = rng.uniform(0.04, 0.15) if high_tech else rng.uniform(0, 0.06)
            profile["rd_spend"] = (revenue * Decimal(share)).quantize(Q)
        else:
            profile["rd_spend"] = None
        rich = 3 if high_tech else (1 if tech else 0)
        profile["invention_patents"] = rng.randint(0, 8 * rich) if rich else 0
        profile["utility_patents"] = rng.randint(0, 20 * rich) if rich else 0
        profile["software_copyrights"] = (
            rng.randint(1, 40) if industry[0] == "I" else rng.randint(0, 5 * rich)
        )
        profile["tags"] = self._tags(rng, industry, name, profile)
        profile["scale"] = scale_derive(
            industry=industry, employees=employees, revenue=revenue, assets=assets
        )
        return profile

    def _qualifications(self, rng: random.Random, tech: bool, size: str) -> list[tuple]:
        held = []
        sme = size != "large"
        year = self.today.year

        def period(years: int, start_back: int) -> tuple[dt.date, dt.date]:
            start = self.today - dt.timedelta(days=rng.randint(0, start_back))
            return start, start + dt.timedelta(days=365 * years - 1)

        if rng.random() < (0.24 if tech else 0.015):  # ~8 % of all enterprises
            start, end = period(3, 365 * 4)
            held.append((QualificationKind.HIGH_TECH, start, end,
                         f"GR{start.year}44{rng.randint(0, 99999):05d}"))  # fmt: skip
        if sme and rng.random() < (0.18 if tech else 0.008):
            start = dt.date(year if rng.random() < 0.7 else year - 1, rng.randint(3, 9), 1)
            held.append((QualificationKind.TECH_SME, start, start + dt.timedelta(days=364),
                         f"{start.year}4404{rng.randint(0, 99999):05d}"))  # fmt: skip
        if sme and rng.random() < (0.10 if tech else 0.005):
            start, end = period(3, 365 * 3)
            held.append((QualificationKind.INNOVATIVE_SME, start, end, ""))
        if sme and size != "micro" and rng.random() < 0.08:
            start, end = period(3, 365 * 3)
            held.append((QualificationKind.SPECIALISED_SME, start, end, ""))
            if rng.random() < 0.15:
                start, end = period(3, 365 * 2)
                held.append((QualificationKind.LITTLE_GIANT, start, end, ""))
        return held

    @staticmethod
    def _tags(rng: random.Random, industry: str, district: str, profile: dict) -> list[str]:
        tags = [tag for tag, share, sections in TAG_RULES
                if (not sections or industry[0] in sections) and rng.random() < share]  # fmt: skip
        if district.startswith("横琴") and rng.random() < 0.12:
            tags.append("澳资")
        if profile["invention_patents"] >= 10:
            tags.append("专利密集")
        return tags


def _money(rng: random.Random, bounds: tuple[float, float]) -> Decimal:
    low, high = bounds
    # log-uniform: many small amounts, a few large ones
    value = low * (high / low) ** rng.random()
    return Decimal(round(value, 2)).quantize(Q)


def _figures(rng: random.Random, industry: str, size: str):
    """Employees, revenue and assets (10,000 yuan) of a target size within the industry
    group's bounds (the scale itself is derived from them afterwards)."""
    group = scale_group(industry)
    upper = {"large": None, "medium": group.large, "small": group.medium, "micro": group.small}
    lower = {"large": group.large, "medium": group.medium, "small": group.small, "micro": None}
    values = []
    for key, floor_default, cap_default in (("employees", 1, 3000), ("revenue", 5, 500000),
                                            ("assets", 5, 500000)):  # fmt: skip
        low = getattr(lower[size], key) if lower[size] else None
        high = getattr(upper[size], key) if upper[size] else None
        low = low or floor_default
        if size == "micro":
            bound = getattr(group.small, key)
            high = bound if bound else max(low * 10, 50)
        high = high or max(low * 5, cap_default if size == "large" else low * 5)
        if high <= low:
            high = low * 2
        values.append(low + (high - low) * rng.random() ** 1.6)
    employees = max(1, int(values[0]))
    revenue = Decimal(values[1]).quantize(Q)
    assets = Decimal(values[2]).quantize(Q)
    if rng.random() < 0.04:
        revenue = None  # no statistical return yet
    return employees, revenue, assets
