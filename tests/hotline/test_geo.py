"""Coordinates → district/street: the shipped simplified boundaries and intake's use of them."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from yiwang.core.choices import OrgKind
from yiwang.core.errors import InvalidInput
from yiwang.hotline import geo

XZ_CENTRE = (22.27, 113.57)  # 香洲 city centre (翠香街道)
GONGBEI = (22.222, 113.548)  # 拱北
SEA = (21.60, 113.50)  # South China Sea, south of every polygon


def test_the_boundary_file_is_valid_and_says_it_is_approximate():
    doc = json.loads(geo.BOUNDARY_FILE.read_text(encoding="utf-8"))
    assert "SIMPLIFIED APPROXIMATIONS" in doc["description"]
    names = {f["properties"]["name"] for f in doc["features"]}
    assert {"香洲区", "金湾区", "斗门区", "横琴粤澳深度合作区", "拱北街道"} <= names
    for feature in doc["features"]:
        ring = feature["geometry"]["coordinates"][0]
        assert ring[0] == ring[-1] and len(ring) >= 4
        for lng, lat in ring:
            assert 113 <= lng <= 114.5 and 21.5 <= lat <= 22.6


@pytest.mark.parametrize(
    ("point", "district", "street"),
    [
        (XZ_CENTRE, "香洲区", "翠香街道"),
        (GONGBEI, "香洲区", "拱北街道"),
        ((22.12, 113.52), "横琴粤澳深度合作区", None),
        ((22.38, 113.58), "珠海高新技术产业开发区", None),
        ((22.01, 113.38), "金湾区", None),  # 金湾机场
        ((22.21, 113.29), "斗门区", None),  # 井岸
        ((22.05, 113.18), "珠海高栏港经济区", None),  # 平沙
        ((22.13, 113.82), "珠海万山海洋开发试验区", None),  # 桂山岛
        (SEA, None, None),
        ((39.9, 116.4), None, None),  # Beijing
    ],
)
def test_locate(point, district, street):
    assert geo.locate(*point) == geo.Location(district, street)


@pytest.mark.parametrize("bad", [(None, None), ("x", "y"), (float("nan"), 113.5), (None, 113.5)])
def test_unusable_input_locates_nowhere(bad):
    assert geo.locate(*bad) == geo.Location(None, None)


def test_decimal_input():
    assert geo.locate(Decimal("22.270000"), Decimal("113.570000")).district == "香洲区"


def test_point_in_polygon_edges():
    square = [(0, 0), (1, 0), (1, 1), (0, 1), (0, 0)]
    assert geo.point_in_polygon(0.5, 0.5, square)
    assert not geo.point_in_polygon(1.5, 0.5, square)
    assert not geo.point_in_polygon(0.5, -0.1, square)


# --- intake ---------------------------------------------------------------------------------


def test_intake_resolves_coordinates_to_district_and_street(hl, make_order):
    order = make_order(
        content="路灯坏了很久了", address="", lat=Decimal(str(GONGBEI[0])), lng=Decimal("113.548")
    )
    assert (order.district_id, order.street_id) == (hl.xz.pk, hl.street.pk)


def test_coordinates_in_a_district_without_street_org(hl, make_order):
    order = make_order(content="路灯坏了很久了", address="", lat=22.27, lng=113.57)
    # 翠香街道 is not an organisation of the test city: the district alone.
    assert (order.district_id, order.street_id) == (hl.xz.pk, None)


def test_coordinates_in_the_sea_give_no_district(hl, make_order):
    order = make_order(content="路灯坏了很久了", address="", lat=SEA[0], lng=SEA[1])
    assert order.district_id is None and order.street_id is None
    assert order.status == "received"


def test_coordinates_of_an_area_the_city_lacks(hl, make_order):
    order = make_order(content="路灯坏了很久了", address="", lat=22.12, lng=113.52)
    assert order.district_id is None


def test_address_text_wins_over_coordinates(hl, make_order):
    order = make_order(content="路灯坏了", address="珠海市斗门区白藤一路", lat=22.27, lng=113.57)
    assert order.district_id == hl.dm.pk


def test_chosen_organisation_wins_over_coordinates(hl, make_order):
    order = make_order(
        content="路灯坏了", address="", organisation_id=hl.dm.pk, lat=22.27, lng=113.57
    )
    assert order.district_id == hl.dm.pk


def test_coordinates_route_by_district_rules(hl, make_order):
    # The 香洲 food rule needs the district: coordinates alone now supply it.
    order = make_order(content="超市卖过期食品", address="", lat=22.27, lng=113.57)
    assert order.lead_unit_id == hl.xz_dept.pk


def test_functional_area_matched_by_name(hl, make_order):
    from yiwang.core.services.organisations import organisation_create

    hq = organisation_create(
        actor=None,
        name="横琴粤澳深度合作区",
        kind=OrgKind.FUNCTIONAL_AREA,
        code="t-hq",
        parent=hl.city,
    )
    order = make_order(content="路灯坏了", address="", lat=22.12, lng=113.52)
    assert order.district_id == hq.pk


@pytest.mark.parametrize(
    ("lat", "lng", "field"),
    [(91, 113.5, "lat"), (-90.5, 113.5, "lat"), (22.2, 181, "lng"), (22.2, -180.01, "lng")],
)
def test_coordinates_out_of_range_are_refused(hl, make_order, lat, lng, field):
    with pytest.raises(InvalidInput) as exc:
        make_order(lat=lat, lng=lng)
    assert exc.value.errors[0]["field"] == field


def test_out_of_range_through_the_api_is_422(client, hl):
    client.force_login(hl.operator)
    response = client.post(
        "/api/v1/hotline/orders",
        {
            "category": "complaint",
            "requester_name": "李四",
            "contact_phone": "13712345678",
            "content": "路灯坏了",
            "lat": "95",
            "lng": "113.5",
        },
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "lat"


def test_api_order_with_coordinates_only(client, hl):
    client.force_login(hl.operator)
    response = client.post(
        "/api/v1/hotline/orders",
        {
            "category": "complaint",
            "requester_name": "李四",
            "contact_phone": "13712345678",
            "content": "路灯坏了",
            "lat": "22.222",
            "lng": "113.548",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["district"] == {"id": hl.xz.pk, "name": "香洲区"}
