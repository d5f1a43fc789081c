"""The knowledge base: services, Chinese full-text search (SQLite FTS5 / PostgreSQL), direct
answer (直接答复) from an article, the /knowledge API and the seed step."""

from __future__ import annotations

import pytest
from rich.console import Console

from yiwang.core.choices import OrgKind, Role
from yiwang.core.errors import Forbidden, InvalidInput, NotFound
from yiwang.core.models import AuditLog
from yiwang.hotline.knowledge import search_articles, search_tokens_of, tokenize
from yiwang.hotline.models import KnowledgeArticle, WorkOrder
from yiwang.hotline.services import (
    knowledge_article_create,
    knowledge_article_deactivate,
    knowledge_article_update,
    work_order_close,
)

BASE = "/api/v1/hotline"

ARTICLES = [
    (
        "社保卡补办",
        "consult",
        ["社保卡", "补办", "挂失"],
        "社保卡遗失后先拨打0756-12333挂失，再携带身份证到就近的社保卡服务网点补办，"
        "即时制卡网点当场领取。",
    ),
    (
        "结婚登记办理",
        "consult",
        ["婚姻登记"],
        "内地居民结婚，男女双方应当共同到一方常住户口所在地的婚姻登记机关办理结婚登记，"
        "携带身份证和户口簿，可在粤省事预约。",
    ),
    (
        "住房公积金提取",
        "consult",
        ["公积金", "提取"],
        "购买自住住房、租房、退休等情形可以提取住房公积金，通过珠海市住房公积金管理中心网站"
        "或粤省事办理，咨询电话0756-12329。",
    ),
    (
        "噪音投诉渠道",
        "complaint",
        ["噪音", "扰民"],
        "夜间施工噪音由生态环境部门处理，社会生活噪音可向辖区派出所反映，也可拨打12345。",
    ),
]


@pytest.fixture
def kb(hl):
    made = {}
    for title, category, keywords, body in ARTICLES:
        made[title] = knowledge_article_create(
            actor=hl.operator,
            city_id=hl.city.pk,
            title=title,
            body=body,
            category=category,
            keywords=keywords,
        )
    return made


def _titles(results):
    return [a.title for a in results]


# --- tokenising and search ------------------------------------------------------------------


def test_search_tokens_are_jieba_search_mode_lower_case_with_title_line():
    tokens = search_tokens_of(title="社保卡 补办", keywords=["HPV疫苗"], body="办理 PDF 材料。")
    head, body = tokens.split("\n")
    assert "社保" in head.split() and "社保卡" in head.split() and "hpv" in head
    assert body.split() == ["办理", "pdf", "材料"]
    assert tokenize("！！？。") == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("结婚", "结婚登记办理"),
        ("社保", "社保卡补办"),
        ("我的社保卡丢了怎么办", "社保卡补办"),
        ("公积金", "住房公积金提取"),
        ("ZHUHAI 噪音", "噪音投诉渠道"),
    ],
)
def test_short_and_long_chinese_queries_find_the_article(kb, hl, query, expected):
    results = search_articles(city_id=hl.city.pk, query=query)
    assert results and results[0].title == expected


def test_results_carry_a_plain_text_snippet_around_the_match(kb, hl):
    [first, *_] = search_articles(city_id=hl.city.pk, query="婚姻登记机关")
    assert first.title == "结婚登记办理"
    assert "婚姻登记机关" in first.snippet and "<" not in first.snippet


def test_title_matches_rank_above_body_matches(hl):
    body_only = knowledge_article_create(
        actor=hl.operator,
        city_id=hl.city.pk,
        title="居住证办理",
        body="申领居住证需要租赁合同；社保缴费记录也可以作为居住证明。",
    )
    titled = knowledge_article_create(
        actor=hl.operator, city_id=hl.city.pk, title="社保缴费证明打印", body="在粤省事打印。"
    )
    results = search_articles(city_id=hl.city.pk, query="社保缴费")
    assert [a.pk for a in results] == [titled.pk, body_only.pk]


@pytest.mark.parametrize(
    "query",
    [
        '"',
        '"社保',
        "社保*",
        "title:社保",
        "(结婚",
        "NEAR(结婚 社保)",
        "结婚 & | ! 社保",
        "-",
        "^",
        "",
    ],
)
def test_fts_syntax_in_queries_never_errors(kb, hl, query):
    results = search_articles(city_id=hl.city.pk, query=query)
    assert isinstance(results, list)
    if "社保" in query:
        assert "社保卡补办" in _titles(results)


def test_inactive_other_city_and_category_filter(kb, hl, org_tree):
    from yiwang.core.services.organisations import organisation_create

    other = organisation_create(actor=None, name="中山市", kind=OrgKind.CITY, code="t-zs")
    knowledge_article_create(
        actor=None, city_id=other.pk, title="社保卡补办（中山）", body="中山社保"
    )
    knowledge_article_deactivate(actor=hl.operator, article_id=kb["社保卡补办"].pk)
    assert search_articles(city_id=hl.city.pk, query="社保卡") == []
    assert _titles(search_articles(city_id=other.pk, query="社保卡")) == ["社保卡补办（中山）"]
    assert _titles(search_articles(city_id=hl.city.pk, query="噪音", category="consult")) == []
    assert _titles(search_articles(city_id=hl.city.pk, query="噪音", category="complaint")) == [
        "噪音投诉渠道"
    ]


def test_update_reindexes_and_limit_is_respected(kb, hl):
    article = kb["噪音投诉渠道"]
    knowledge_article_update(
        actor=hl.operator,
        article_id=article.pk,
        title="油烟投诉渠道",
        keywords=[],
        body="餐饮油烟问题请向生态环境部门反映。",
    )
    assert search_articles(city_id=hl.city.pk, query="油烟")[0].pk == article.pk
    assert search_articles(city_id=hl.city.pk, query="扰民") == []
    knowledge_article_update(actor=hl.operator, article_id=article.pk, keywords=["扰民"])
    assert search_articles(city_id=hl.city.pk, query="扰民")[0].pk == article.pk
    assert len(search_articles(city_id=hl.city.pk, query="办理 登记 提取 社保", limit=1)) == 1


# --- services -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "长" * 201}, "title"),
        ({"body": "   "}, "body"),
        ({"body": "长" * 20001}, "body"),
        ({"keywords": ["长" * 21]}, "keywords"),
        ({"keywords": [""]}, "keywords"),
        ({"keywords": "社保"}, "keywords"),
        ({"keywords": [f"词{i}" for i in range(21)]}, "keywords"),
        ({"category": "nonsense"}, "category"),
        ({"source": "长" * 301}, "source"),
    ],
)
def test_invalid_article_fields_are_422_per_field(hl, changes, field):
    data = {"title": "标题", "body": "答复"} | changes
    with pytest.raises(InvalidInput) as err:
        knowledge_article_create(actor=hl.operator, city_id=hl.city.pk, **data)
    assert [e["field"] for e in err.value.errors] == [field]


def test_unit_must_belong_to_the_city(hl):
    from yiwang.core.services.organisations import organisation_create

    other = organisation_create(actor=None, name="中山市", kind=OrgKind.CITY, code="t-zs2")
    with pytest.raises(InvalidInput) as err:
        knowledge_article_create(
            actor=hl.operator, city_id=hl.city.pk, title="t", body="b", unit_id=other.pk
        )
    assert err.value.errors[0]["field"] == "unit_id"
    ok = knowledge_article_create(
        actor=hl.operator, city_id=hl.city.pk, title="t", body="b", unit_id=hl.housing.pk
    )
    assert ok.unit_id == hl.housing.pk


def test_only_knowledge_managers_of_the_city_write(kb, hl):
    with pytest.raises(Forbidden):
        knowledge_article_create(actor=hl.handler, city_id=hl.city.pk, title="t", body="b")
    with pytest.raises(Forbidden):
        knowledge_article_deactivate(actor=hl.leader, article_id=kb["社保卡补办"].pk)
    with pytest.raises(NotFound):
        knowledge_article_update(actor=hl.operator, article_id=999999, title="x")


def test_writes_are_audited(kb, hl):
    article = kb["社保卡补办"]
    knowledge_article_update(actor=hl.operator, article_id=article.pk, body="新的答复")
    knowledge_article_deactivate(actor=hl.operator, article_id=article.pk)
    actions = list(
        AuditLog.objects.filter(object_id=str(article.pk), action__startswith="hotline.knowledge")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "hotline.knowledge.create",
        "hotline.knowledge.update",
        "hotline.knowledge.deactivate",
    ]


# --- direct answer --------------------------------------------------------------------------


def _consult(make_order):
    order = make_order(category="consult", content="请问社保卡丢了怎么补办？")
    assert order.status == "received"
    return order


def test_close_from_an_article_defaults_the_answer_and_counts_the_use(kb, hl, make_order):
    order = _consult(make_order)
    article = kb["社保卡补办"]
    closed = work_order_close(
        actor=hl.operator,
        order_id=order.pk,
        version=order.version,
        answer="",
        article_id=article.pk,
    )
    closed = WorkOrder.objects.get(pk=closed.pk)
    assert closed.status == "closed" and closed.knowledge_article_id == article.pk
    assert closed.reply_text == article.body
    article.refresh_from_db()
    assert article.use_count == 1
    event = closed.events.get(action="close")
    assert "社保卡补办" in event.note and f"#{article.pk}" in event.note


def test_close_with_own_answer_keeps_it(kb, hl, make_order):
    order = _consult(make_order)
    closed = work_order_close(
        actor=hl.operator,
        order_id=order.pk,
        version=order.version,
        answer="已电话告知补办流程",
        article_id=kb["社保卡补办"].pk,
    )
    assert closed.reply_text == "已电话告知补办流程"


def test_close_with_inactive_or_other_city_article_is_422(kb, hl, make_order):
    from yiwang.core.services.organisations import organisation_create

    other = organisation_create(actor=None, name="中山市", kind=OrgKind.CITY, code="t-zs3")
    foreign = knowledge_article_create(actor=None, city_id=other.pk, title="t", body="b")
    knowledge_article_deactivate(actor=hl.operator, article_id=kb["结婚登记办理"].pk)
    order = _consult(make_order)
    for article_id in (foreign.pk, kb["结婚登记办理"].pk, 999999):
        with pytest.raises(InvalidInput) as err:
            work_order_close(
                actor=hl.operator,
                order_id=order.pk,
                version=order.version,
                answer="",
                article_id=article_id,
            )
        assert err.value.code == "hotline.invalid_article"
    assert WorkOrder.objects.get(pk=order.pk).status == "received"
    with pytest.raises(InvalidInput):  # no article and no answer
        work_order_close(actor=hl.operator, order_id=order.pk, version=order.version, answer="")


def test_close_api_accepts_article_id(client, kb, hl, make_order):
    order = _consult(make_order)
    client.force_login(hl.operator)
    response = client.post(
        f"{BASE}/orders/{order.pk}/transitions",
        {"action": "close", "version": order.version, "article_id": kb["社保卡补办"].pk},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["reply_text"] == kb["社保卡补办"].body
    bad = client.post(
        f"{BASE}/orders/{order.pk}/transitions",
        {"action": "close", "version": response.json()["version"], "article_id": 1},
        content_type="application/json",
    )
    assert bad.status_code == 409  # already closed: the transition check comes first


# --- API ------------------------------------------------------------------------------------


def test_api_search_and_get_for_staff(client, kb, hl):
    client.force_login(hl.handler)
    response = client.get(f"{BASE}/knowledge", {"q": "结婚"})
    assert response.status_code == 200, response.content
    [hit, *_] = response.json()["items"]
    assert hit["title"] == "结婚登记办理" and hit["snippet"]
    one = client.get(f"{BASE}/knowledge/{hit['id']}").json()
    assert one["body"].startswith("内地居民结婚")
    listing = client.get(f"{BASE}/knowledge", {"category": "complaint"}).json()["items"]
    assert [i["title"] for i in listing] == ["噪音投诉渠道"]


@pytest.mark.parametrize(
    "params", [{"limit": 0}, {"limit": 51}, {"limit": "x"}, {"category": "x"}, {"q": "长" * 201}]
)
def test_api_bad_query_is_422(client, kb, hl, params):
    client.force_login(hl.operator)
    response = client.get(f"{BASE}/knowledge", params)
    assert response.status_code == 422
    assert response["Content-Type"].startswith("application/problem+json")


def test_api_permissions(client, kb, hl, make_staff):
    from yiwang.core.models import User
    from yiwang.core.services.organisations import organisation_create

    url = f"{BASE}/knowledge"
    assert client.get(url).status_code == 401
    citizen = User.objects.create(username="kbc", kind="citizen", display_name="市民")
    client.force_login(citizen)
    assert client.get(url).status_code == 403
    client.force_login(hl.handler)  # reads, but does not write
    body = {"title": "新条目", "body": "答复"}
    assert client.post(url, body, content_type="application/json").status_code == 403
    pk = kb["社保卡补办"].pk
    assert client.delete(f"{url}/{pk}").status_code == 403
    other_city = organisation_create(actor=None, name="中山市", kind=OrgKind.CITY, code="t-zs4")
    stranger = make_staff(other_city, Role.HOTLINE_OPERATOR, username="zsop")
    client.force_login(stranger)
    assert client.get(f"{url}/{pk}").status_code == 404
    assert (
        client.patch(f"{url}/{pk}", {"title": "x"}, content_type="application/json").status_code
        == 404
    )
    assert client.get(url, {"q": "社保"}).json()["items"] == []


def test_api_create_patch_deactivate(client, hl):
    client.force_login(hl.operator)
    url = f"{BASE}/knowledge"
    created = client.post(
        url,
        {"title": "港澳通行证续签", "body": "可在自助签注机办理。", "keywords": ["港澳通行证"]},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    patched = client.patch(
        f"{url}/{pk}", {"category": "consult", "unit_id": None}, content_type="application/json"
    )
    assert patched.status_code == 200 and patched.json()["category"] == "consult"
    assert patched.json()["title"] == "港澳通行证续签"
    bad = client.patch(f"{url}/{pk}", {"title": ""}, content_type="application/json")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "title"
    assert client.get(url, {"q": "通行证"}).json()["items"][0]["id"] == pk
    gone = client.delete(f"{url}/{pk}")
    assert gone.status_code == 200 and gone.json()["active"] is False
    assert client.get(url, {"q": "通行证"}).json()["items"] == []
    assert client.get(f"{url}/{pk}").json()["active"] is False
    again = client.patch(f"{url}/{pk}", {"active": True}, content_type="application/json")
    assert again.json()["active"] is True
    assert client.get(f"{url}/999999").status_code == 404


# --- seed -----------------------------------------------------------------------------------


def test_seed_step_is_realistic_and_idempotent(db):
    from yiwang.core.seed import SeedContext
    from yiwang.core.services.organisations import organisation_create
    from yiwang.hotline.seed_knowledge import seed_knowledge

    city = organisation_create(actor=None, name="珠海市", kind=OrgKind.CITY, code="zh")

    def run():
        import random

        from faker import Faker
        from rich.progress import Progress

        with Progress(console=Console(quiet=True)) as progress:
            ctx = SeedContext(
                scale="small",
                rng=random.Random(1),
                faker=Faker("zh_CN"),
                progress=progress,
                params={},
            )
            seed_knowledge(ctx)
        return ctx.counts

    counts = run()
    assert counts["hotline knowledge articles"] >= 60
    assert KnowledgeArticle.objects.filter(city=city).count() >= 60
    assert "hotline knowledge articles" not in run()
    assert search_articles(city_id=city.pk, query="结婚")
    assert search_articles(city_id=city.pk, query="社保卡补办")[0].title.startswith("社保卡")
    assert any("0756-" in a.body for a in KnowledgeArticle.objects.all())


# --- admin ----------------------------------------------------------------------------------


def test_admin_add_and_change_go_through_the_services(client, hl):
    operator = hl.operator
    operator.is_staff = True
    operator.save(update_fields=["is_staff"])
    client.force_login(operator)
    url = "/admin/hotline/knowledgearticle/"
    form = {
        "title": "护照办理",
        "category": "consult",
        "keywords": '["护照"]',
        "body": "凭身份证在出入境窗口办理。",
        "unit": "",
        "source": "",
        "active": "on",
    }
    assert client.post(f"{url}add/", form).status_code == 302
    article = KnowledgeArticle.objects.get(title="护照办理")
    assert article.city_id == hl.city.pk and "护照" in article.search_tokens
    assert search_articles(city_id=hl.city.pk, query="护照")[0].pk == article.pk
    bad = client.post(f"{url}{article.pk}/change/", {**form, "title": ""})
    assert (
        bad.status_code == 200 and KnowledgeArticle.objects.get(pk=article.pk).title == "护照办理"
    )
    too_many = client.post(
        f"{url}{article.pk}/change/", {**form, "keywords": '["' + "长" * 30 + '"]'}
    )
    assert too_many.status_code == 200
    changed = client.post(f"{url}{article.pk}/change/", {**form, "title": "普通护照办理"})
    assert changed.status_code == 302
    assert list(
        AuditLog.objects.filter(object_id=str(article.pk), action__startswith="hotline.knowledge")
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["hotline.knowledge.create", "hotline.knowledge.update"]
    assert client.get(url).status_code == 200
    handler = hl.handler
    handler.is_staff = True
    handler.save(update_fields=["is_staff"])
    client.force_login(handler)
    assert client.get(f"{url}add/").status_code == 403


def test_the_postgresql_knowledge_index_has_no_pending_list(db):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the GIN index exists on PostgreSQL only")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reloptions FROM pg_class WHERE relname = 'hotline_knowledge_fts_gin'"
        )
        assert cursor.fetchone() == (["fastupdate=off"],)
