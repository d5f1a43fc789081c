"""The public service guide (/services/) through the Django test client on a real database:
home, the filtered list, one item's guide for a chosen implementing body (with its pinned query
count), the printable checklist, the 一件事 bundles and the search page's hints; anonymous and
signed-in visitors alike; unknown, foreign and withdrawn items are 404."""

from __future__ import annotations

import copy
from types import SimpleNamespace

import pytest
from django.contrib.staticfiles import finders

from yiwang.catalog import services
from yiwang.catalog.models import ImplementationItem

pytestmark = pytest.mark.django_db

FOOD = "011230001000"  # 食品经营许可: 法人, 开办餐饮店, two districts
MARRIAGE = "070030001000"  # 结婚登记: 个人, city level, not online
ID_CARD = "200040001000"  # 居民身份证申领: both audiences, 即办件, fees, 全程网办
HYGIENE = "010060001000"  # 公共场所卫生许可: in the bundle, withdrawn

_ITEM = {
    "kind": "xk",
    "implementing_levels": ["district"],
    "basis": ["《中华人民共和国食品安全法》"],
    "audience": ["legal_person"],
    "themes": [],
    "operations": [],
    "conditions": ["有与经营项目相适应的经营场所"],
    "materials": [
        {
            "name": "食品经营许可申请书",
            "kind": "form",
            "form": "both",
            "required": True,
            "source": "applicant",
            "copies": 2,
            "blank_form": True,
            "sample": True,
        },
        {
            "name": "营业执照",
            "kind": "certificate",
            "form": "electronic",
            "required": True,
            "source": "government",
            "copies": 0,
            "note": "通过政务数据共享获取，申请人无需提交",
        },
        {
            "name": "授权委托书",
            "kind": "original",
            "form": "paper",
            "required": False,
            "condition": "委托他人办理的",
            "source": "applicant",
            "copies": 1,
        },
    ],
    "steps": [
        {"name": "受理", "role": "综合窗口", "days": 1, "unit": "working_day"},
        {"name": "审查", "role": "业务科室", "days": 3, "unit": "working_day"},
    ],
    "legal_limit": {"value": 20, "unit": "working_day"},
    "promised_limit": {"value": 5, "unit": "working_day"},
    "handling_type": "promised",
    "fees": [],
    "visits": 1,
    "online": True,
    "online_depth": 3,
    "tongban": "city",
    "result": {"type": "certificate", "name": "食品经营许可证"},
    "places": ["香洲区政务服务中心市场监管窗口"],
    "hours": "法定工作日 上午9:00—12:00，下午14:30—17:30",
    "phone": "0756-2212345",
    "complaint_phone": "0756-2267890",
    "faq": [{"q": "需要现场核查吗？", "a": "视经营项目而定。"}],
    "synonyms": ["开饭店", "餐饮许可证"],
}


def _item(code, name, department, **changes):
    item = copy.deepcopy(_ITEM)
    item.update(code=code, name=name, department=department, **changes)
    return item


ITEMS = [
    _item(FOOD, "食品经营许可", "市场监督管理局", themes=["开办餐饮店"]),
    _item(
        HYGIENE,
        "公共场所卫生许可",
        "卫生健康局",
        themes=["开办餐饮店"],
        basis=["《公共场所卫生管理条例》"],
    ),
    _item(
        MARRIAGE,
        "结婚登记",
        "民政局",
        kind="qr",
        implementing_levels=["city"],
        basis=["《中华人民共和国民法典》", "《婚姻登记条例》"],
        audience=["person"],
        themes=["结婚"],
        online=False,
        online_depth=1,
        materials=[
            {
                "name": "本人居民身份证",
                "kind": "certificate",
                "form": "paper",
                "required": True,
                "source": "applicant",
                "copies": 1,
            }
        ],
        steps=[{"name": "受理审查", "role": "婚姻登记处", "days": 0, "unit": "working_day"}],
        promised_limit={"value": 0, "unit": "working_day"},
        handling_type="immediate",
        places=["珠海市婚姻登记处"],
        result={"type": "certificate", "name": "结婚证"},
    ),
    _item(
        ID_CARD,
        "居民身份证申领",
        "公安局",
        kind="gg",
        audience=["legal_person", "person"],  # "person" second: the list's index lookup
        visits=0,
        online_depth=4,
        tongban="cross_province",
        promised_limit={"value": 0, "unit": "working_day"},
        handling_type="immediate",
        steps=[{"name": "受理", "role": "户政窗口", "days": 0, "unit": "working_day"}],
        fees=[
            {
                "item": "居民身份证工本费",
                "standard": "申领换领每证20元",
                "basis": "《关于居民身份证收费标准及有关问题的通知》",
                "waivable": True,
            }
        ],
        result={"type": "certificate", "name": "居民身份证"},
    ),
]
SHARED = {
    "name": "经营者居民身份证",
    "kind": "certificate",
    "form": "both",
    "required": True,
    "source": "applicant",
    "copies": 1,
}
EVENTS = [
    {
        "code": "LE10",
        "name": "开办餐饮店",
        "audience": "legal_person",
        "description": "开一家饭店要办的证照。",
        "items": [FOOD, HYGIENE],
        "bundle": {
            "name": "开餐饮店一件事",
            "items": [FOOD, HYGIENE],
            "shared_materials": [SHARED],
            "lead_department": "市场监督管理局",
            "promised_limit": {"value": 5, "unit": "working_day"},
            "visits": 1,
        },
    },
    {
        "code": "LE05",
        "name": "结婚",
        "audience": "person",
        "description": "婚姻登记。",
        "items": [MARRIAGE],
    },
]
DEVIATION = "本区推行全程网办，承诺时限压缩"


def publish(reviewer, code, org, operation="", **changes) -> ImplementationItem:
    """Adopt ``code`` for ``org`` and publish it (with ``changes`` to the standard)."""
    from yiwang.catalog.models import BasicItem

    basic = BasicItem.objects.get(code=code)
    item = services.implementation_create(
        actor=None, basic_id=basic.pk, organisation_id=org.pk, operation=operation
    )
    version = item.versions.get()
    if changes:
        services.version_update(actor=reviewer, version_id=version.pk, **changes)
    services.version_submit(actor=reviewer, version_id=version.pk)
    services.version_publish(actor=reviewer, version_id=version.pk)
    item.refresh_from_db()
    return item


def build_guide_city(cat) -> SimpleNamespace:
    """The four items above: 食品经营许可 in 香洲区 (zero visits, fully online, with a deviation
    and its reason) and 斗门区 (the standard), 结婚登记 at city level, 身份证 in 香洲区, and
    公共场所卫生许可 published then withdrawn; life events 开办餐饮店 (with its bundle) and 结婚."""
    services.catalogue_import(
        actor=cat.reviewer,
        data={"format": "yiwang.catalog/1", "items": ITEMS, "life_events": EVENTS},
    )
    g = SimpleNamespace(**vars(cat))
    g.food_xz = publish(
        cat.reviewer,
        FOOD,
        cat.xz_dept,
        visits=0,
        online_depth=4,
        promised_limit=3,
        deviation_reason=DEVIATION,
    )
    g.food_dm = publish(cat.reviewer, FOOD, cat.dm_dept)
    g.marriage = publish(cat.reviewer, MARRIAGE, cat.city_dept)
    g.id_card = publish(cat.reviewer, ID_CARD, cat.xz_dept)
    g.hygiene = publish(cat.reviewer, HYGIENE, cat.dm_dept)
    services.implementation_withdraw(actor=cat.reviewer, item_id=g.hygiene.pk, reason="职能调整")
    return g


@pytest.fixture
def guide_city(cat):
    return build_guide_city(cat)


def _page(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.content.decode() if status == 200 else response


def _codes(html: str) -> set[str]:
    return {c for c in (FOOD, MARRIAGE, ID_CARD, HYGIENE) if f'data-code="{c}"' in html}


# --- home ---------------------------------------------------------------------------------------


def test_home_offers_every_way_in_to_anonymous_visitors(client, guide_city):
    html = _page(client, "/services/")
    for text in (
        "开办餐饮店",
        "结婚",
        "市场监督管理局",
        "民政局",
        "香洲区",
        "斗门区",
        "开餐饮店一件事",
    ):
        assert text in html
    assert 'action="/services/search/"' in html and 'name="q"' in html
    assert 'href="/services/items/?audience=person"' in html
    assert 'href="/services/items/?event=LE10"' in html
    assert f'href="/services/items/?district={guide_city.xz.pk}"' in html
    assert "卫生健康局" not in html  # its only item is withdrawn: no empty department


def test_the_portal_home_page_links_the_guide(client, db):
    assert 'href="/services/"' in _page(client, "/")


def test_signed_in_users_see_the_same_pages(client, guide_city):
    client.force_login(guide_city.xz_editor)
    for url in (
        "/services/",
        "/services/items/",
        f"/services/items/{FOOD}/",
        f"/services/items/{MARRIAGE}/checklist/",
        "/services/bundles/LE10/",
    ):
        _page(client, url)


# --- list and filters ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query, expected",
    [
        ("", {FOOD, MARRIAGE, ID_CARD}),  # the withdrawn item is not listed
        ("audience=person", {MARRIAGE, ID_CARD}),
        ("audience=legal_person", {FOOD, ID_CARD}),
        ("event=LE10", {FOOD}),
        ("event=LE05", {MARRIAGE}),
        ("department=民政局", {MARRIAGE}),
        ("online=on", {FOOD, ID_CARD}),
        ("zero_visit=on", {FOOD, ID_CARD}),
        ("online=on&audience=person", {ID_CARD}),
    ],
)
def test_list_filters(client, guide_city, query, expected):
    html = _page(client, f"/services/items/?{query}")
    assert _codes(html) == expected


def test_district_filter_keeps_what_one_district_does(client, guide_city):
    xz, dm = guide_city.xz.pk, guide_city.dm.pk
    assert _codes(_page(client, f"/services/items/?district={xz}")) == {FOOD, ID_CARD}
    assert _codes(_page(client, f"/services/items/?district={dm}")) == {FOOD}
    # the implementation-level filters hold for one and the same body: only 香洲区 needs no visit
    assert _codes(_page(client, f"/services/items/?district={dm}&zero_visit=on")) == set()
    assert _codes(_page(client, f"/services/items/?district={xz}&zero_visit=on")) == {
        FOOD,
        ID_CARD,
    }
    # from a district's list the guide opens on that district's body
    html = _page(client, f"/services/items/?district={dm}")
    assert f'href="/services/items/{FOOD}/?district={dm}"' in html
    html = _page(client, f"/services/items/{FOOD}/?district={dm}")
    assert guide_city.dm_dept.name in html and 'data-testid="pick-hint"' not in html


@pytest.mark.parametrize(
    "query",
    [
        "audience=alien",
        "event=NOPE",
        "district=abc",
        "district=99999999999999999999999",
        "department=不存在的局",
        "zero_visit=&page=abc",
        "page=99999",
    ],
)
def test_odd_filter_values_are_ignored_not_errors(client, guide_city, query):
    html = _page(client, f"/services/items/?{query}")
    assert _codes(html) == {FOOD, MARRIAGE, ID_CARD}


def test_list_pages_twenty_items_at_a_time(client, guide_city):
    from yiwang.catalog.models import BasicItem

    extra = [
        BasicItem(
            code=f"2000500{n:02d}000",
            name=f"测试事项{n:02d}",
            kind="gg",
            department="测试局",
            audience=["person"],
            standard=dict(guide_city.basic.standard),
        )
        for n in range(25)
    ]
    BasicItem.objects.bulk_create(extra)
    for basic in extra:
        publish(guide_city.reviewer, basic.code, guide_city.city_dept)
    first = _page(client, "/services/items/?department=测试局")
    assert first.count('data-testid="guide-item"') == 20
    assert "department=%E6%B5%8B%E8%AF%95%E5%B1%80&amp;page=2" in first
    second = _page(client, "/services/items/?department=测试局&page=2")
    assert second.count('data-testid="guide-item"') == 5


# --- the item guide -----------------------------------------------------------------------------


def test_guide_shows_every_element_of_the_chosen_body_in_order(client, guide_city):
    xz = guide_city.food_xz
    page = _page(client, f"/services/items/{FOOD}/?at={xz.pk}")
    html = page.split('data-testid="guide"')[1]  # the guide itself, below the summary
    in_order = [
        "食品经营许可",
        "行政许可",  # 事项类型
        "香洲区市场监督管理局",  # 实施机关
        "有与经营项目相适应的经营场所",  # 受理条件
        "食品经营许可申请书",  # 申请材料 …
        "委托他人办理的",  # … a conditional material with its condition
        'data-testid="steps"',
        "业务科室",  # 办理流程
        'data-testid="legal-limit"',
        "20 个工作日",  # 法定时限 with its unit
        "3 个工作日",  # this body's own promised limit
        'data-testid="fees"',
        'data-testid="visits"',
        'data-testid="tongban"',
        "全市通办",
        "香洲区政务服务中心市场监管窗口",  # 办理地点
        "法定工作日 上午9:00—12:00",  # 办理时间
        "0756-2212345",  # 咨询电话
        "0756-2267890",  # 投诉电话
        "食品经营许可证",  # 审批结果
        "需要现场核查吗？",  # 常见问题
        "《中华人民共和国食品安全法》",  # 设定依据
    ]
    position = 0
    for text in in_order:  # each one after the one before
        assert text in html[position:], text
        position = html.index(text, position)
    assert "不收费" in html  # free of charge
    html = page
    # the materials table: copies, source and the blank form/sample offer
    assert 'data-testid="material"' in html and html.count('data-testid="material"') == 3
    # the body's own elements are shown, never its deviation from the standard
    assert DEVIATION not in html
    # online: the button leads to the cases app's application form
    assert f'href="/cases/apply/{xz.pk}/"' in html
    assert f'href="/services/items/{FOOD}/checklist/?at={xz.pk}"' in html


def test_several_bodies_get_a_picker_and_the_other_body_its_own_elements(client, guide_city):
    html = _page(client, f"/services/items/{FOOD}/")
    assert 'data-testid="body-picker"' in html and 'data-testid="pick-hint"' in html
    assert f'href="?at={guide_city.food_xz.pk}"' in html
    assert f'href="?at={guide_city.food_dm.pk}"' in html
    dm = _page(client, f"/services/items/{FOOD}/?at={guide_city.food_dm.pk}")
    assert "斗门区市场监督管理局" in dm and "5 个工作日" in dm
    assert 'data-testid="pick-hint"' not in dm and 'aria-current="true"' in dm


def test_an_item_not_online_says_where_to_go_and_shows_fees(client, guide_city):
    html = _page(client, f"/services/items/{MARRIAGE}/")
    assert 'data-testid="body-picker"' not in html  # one body: no picker
    assert 'data-testid="on-site"' in html and "珠海市婚姻登记处" in html
    assert "/cases/apply/" not in html
    assert "即办件" in html  # a promised limit of 0
    card = _page(client, f"/services/items/{ID_CARD}/")
    assert "居民身份证工本费" in card and "申领换领每证20元" in card
    assert "《关于居民身份证收费标准及有关问题的通知》" in card
    assert "跨省通办" in card and f'href="/cases/apply/{guide_city.id_card.pk}/"' in card


@pytest.mark.parametrize(
    "url",
    [
        "/services/items/999999999999/",  # unknown code
        f"/services/items/{HYGIENE}/",  # withdrawn: no published body left
        f"/services/items/{FOOD}/?at=abc",
        f"/services/items/{FOOD}/?at=99999999999999999999",
        f"/services/items/{FOOD}/?at=-1",
        f"/services/items/{HYGIENE}/checklist/",
        "/services/items/999999999999/checklist/",
        "/services/items/0112%00/",  # NUL: PostgreSQL would refuse it
        "/services/items/食品经营许可/",
        "/services/items/" + "1" * 300 + "/",
    ],
)
def test_unknown_withdrawn_or_odd_items_are_404(client, guide_city, url):
    _page(client, url, status=404)


def test_another_items_body_or_a_withdrawn_body_is_404(client, guide_city):
    _page(client, f"/services/items/{FOOD}/?at={guide_city.marriage.pk}", status=404)
    _page(client, f"/services/items/{FOOD}/checklist/?at={guide_city.marriage.pk}", status=404)
    services.implementation_withdraw(
        actor=guide_city.reviewer, item_id=guide_city.food_dm.pk, reason="职能调整"
    )
    _page(client, f"/services/items/{FOOD}/?at={guide_city.food_dm.pk}", status=404)
    # the other body still publishes it
    html = _page(client, f"/services/items/{FOOD}/")
    assert 'data-testid="body-picker"' not in html and "香洲区市场监督管理局" in html


def test_an_inactive_basic_item_is_404(client, guide_city):
    from yiwang.catalog.models import BasicItem

    BasicItem.objects.filter(code=MARRIAGE).update(is_active=False)
    _page(client, f"/services/items/{MARRIAGE}/", status=404)
    assert MARRIAGE not in _page(client, "/services/items/")


def test_a_new_publication_shows_at_once(client, guide_city):
    """Nothing is cached: the next request shows the new version."""
    url = f"/services/items/{FOOD}/?at={guide_city.food_dm.pk}"
    assert "8 个工作日" not in _page(client, url)
    version = services.version_draft(actor=guide_city.reviewer, item_id=guide_city.food_dm.pk)
    services.version_update(actor=guide_city.reviewer, version_id=version.pk, promised_limit=8)
    services.version_submit(actor=guide_city.reviewer, version_id=version.pk)
    services.version_publish(actor=guide_city.reviewer, version_id=version.pk)
    assert "8 个工作日" in _page(client, url)


# The guide page's queries for an anonymous visitor: basic item, its published implementations
# (with organisation and version), their districts, the item's life events — materials, FAQ and
# bodies are in those rows. (The shell's city name is cached after the first page: each count is
# taken on a second request.)
GUIDE_QUERIES = 4


def test_guide_query_count_is_pinned_and_does_not_grow(
    client, guide_city, django_assert_num_queries
):
    url = f"/services/items/{FOOD}/?at={guide_city.food_xz.pk}"
    client.get(url)
    with django_assert_num_queries(GUIDE_QUERIES):
        small = client.get(url)
    assert small.status_code == 200

    # 40 materials, 30 FAQ, 20 steps and two more bodies (city level, 变更 in 香洲区)
    reviewer = guide_city.reviewer
    version = services.version_draft(actor=reviewer, item_id=guide_city.food_xz.pk)
    services.version_update(
        actor=reviewer,
        version_id=version.pk,
        materials=[
            {"name": f"材料{n}", "kind": "copy", "form": "paper", "required": True, "copies": 1}
            for n in range(40)
        ],
        faq=[{"q": f"问题{n}？", "a": f"回答{n}。"} for n in range(30)],
        steps=[{"name": f"环节{n}", "role": "窗口", "days": 0} for n in range(20)],
    )
    services.version_submit(actor=reviewer, version_id=version.pk)
    services.version_publish(actor=reviewer, version_id=version.pk)
    from yiwang.catalog.models import BasicItem

    BasicItem.objects.filter(code=FOOD).update(operations=["new", "change"])
    publish(reviewer, FOOD, guide_city.city_dept)
    publish(reviewer, FOOD, guide_city.xz_dept, operation="change")
    client.get(url)
    with django_assert_num_queries(GUIDE_QUERIES):
        big = client.get(url)
    html = big.content.decode()
    assert html.count('data-testid="material"') == 40 and "问题29？" in html
    assert html.count('data-testid="body"') == 4


# --- checklist ----------------------------------------------------------------------------------


def test_checklist_lists_what_to_bring_with_place_and_phone(client, guide_city):
    html = _page(client, f"/services/items/{FOOD}/checklist/?at={guide_city.food_xz.pk}")
    rows = html.split('data-testid="checklist-materials"')[1].split("</table>")[0]
    assert rows.count('data-testid="checklist-row"') == 2  # the shared 营业执照 is not brought
    assert "食品经营许可申请书" in rows and "委托他人办理的" in rows
    assert "营业执照" in html.split('data-testid="checklist-shared"')[1]
    assert "香洲区政务服务中心市场监管窗口" in html and "0756-2212345" in html
    assert "香洲区市场监督管理局" in html
    assert 'onclick="window.print()"' in html and "catalog/guide.css" in html
    with open(finders.find("catalog/guide.css"), encoding="utf-8") as css:
        assert "@media print" in css.read()


def test_checklist_needs_the_body_when_several_implement_the_item(client, guide_city):
    response = _page(client, f"/services/items/{FOOD}/checklist/", status=302)
    assert response["Location"] == f"/services/items/{FOOD}/#bodies"
    _page(client, f"/services/items/{MARRIAGE}/checklist/")  # one body: no choice to make


# --- bundles ------------------------------------------------------------------------------------


def test_bundles_list_and_detail(client, guide_city):
    html = _page(client, "/services/bundles/")
    assert "开餐饮店一件事" in html and 'href="/services/bundles/LE10/"' in html
    detail = _page(client, "/services/bundles/LE10/")
    assert 'href="/cases/bundles/LE10/apply/"' in detail
    lead = detail.split('data-testid="bundle-lead"')[1]
    assert lead.startswith(">市场监督管理局<")
    assert "5 个工作日" in detail and "经营者居民身份证" in detail
    items = detail.split('data-testid="bundle-items"')[1].split("</ol>")[0]
    assert f'href="/services/items/{FOOD}/"' in items
    assert "公共场所卫生许可" in items and f'href="/services/items/{HYGIENE}/"' not in items


@pytest.mark.parametrize("code", ["LE05", "NOPE", "LE10%00"])
def test_an_event_without_bundle_or_an_unknown_one_is_404(client, guide_city, code):
    _page(client, f"/services/bundles/{code}/", status=404)


def test_list_of_a_life_event_links_its_bundle(client, guide_city):
    html = _page(client, "/services/items/?event=LE10")
    assert 'href="/services/bundles/LE10/"' in html and "开一家饭店要办的证照。" in html


# --- search hints (the results themselves: test_guide_search.py) ---------------------------------


@pytest.mark.parametrize("q", ["", "   ", "车", "！？。，,.;", "  a  ", "%", "《》"])
def test_empty_one_character_or_punctuation_queries_get_a_hint(client, db, q):
    html = _page(client, "/services/search/?q=" + q.replace("%", "%25").replace(" ", "+"))
    assert 'data-testid="search-hint"' in html and 'data-testid="hit"' not in html
