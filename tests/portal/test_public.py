"""The public home page, the language switch and the error page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from yiwang.portal import registry


@pytest.mark.django_db
def test_home_is_chinese_by_default(client):
    response = client.get("/")
    assert response.status_code == 200
    body = response.content.decode()
    assert '<html lang="zh-hans">' in body
    assert "/static/vendor/bootstrap/bootstrap.min.css" in body
    assert "/static/vendor/htmx/htmx.min.js" in body


def test_home_shows_city_name_of_root_organisation(client, org_tree):
    body = client.get("/").content.decode()
    assert "珠海市" in body


@pytest.mark.django_db
def test_home_programme_cards_link_only_to_existing_pages(en_client):
    body = en_client.get("/").content.decode()
    for key in ("services", "hotline", "enterprise", "datahub", "cityops"):
        assert f'data-testid="programme-{key}"' in body
    card = body.split('data-testid="programme-services"')[1].split("</div>")[0]
    assert "stretched-link" in card and 'href="/services/"' in card  # the service guide
    card = body.split('data-testid="programme-enterprise"')[1].split("</div>")[0]
    assert "stretched-link" in card and 'href="/policy/items/"' in card  # 政企直通's items
    assert (
        "stretched-link" not in body.split('data-testid="programme-datahub"')[1].split("</div>")[0]
    )


@pytest.mark.django_db
def test_registered_programme_link_is_shown(en_client):
    saved = dict(registry._PROGRAMME_LINKS)  # keep the links apps registered in ready()
    registry.register_programme_link("datahub", "portal:organisations")
    registry.register_programme_link("cityops", "nowhere:page")
    try:
        body = en_client.get("/").content.decode()
    finally:
        registry._PROGRAMME_LINKS.clear()
        registry._PROGRAMME_LINKS.update(saved)
    assert f'href="{reverse("portal:organisations")}"' in body
    cityops = body.split('data-testid="programme-cityops"')[1].split("card-footer")[0]
    assert "href=" not in cityops


@pytest.mark.django_db
def test_language_switch_to_english(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    body = client.get("/").content.decode()
    assert '<html lang="en">' in body
    assert "Services of the platform" in body
    response = client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert '<html lang="zh-hans">' in client.get("/").content.decode()


@pytest.mark.django_db
def test_language_switcher_form_is_on_every_page(client):
    body = client.get(reverse("portal:login")).content.decode()
    assert 'action="/i18n/setlang/"' in body
    assert 'value="en"' in body and 'value="zh-hans"' in body


@pytest.mark.django_db
def test_unknown_page_uses_the_shell(en_client, settings):
    settings.DEBUG = False
    response = en_client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_pages_name_their_icon_and_favicon_ico_leads_to_it(client, db):
    page = client.get("/").content.decode()
    assert 'rel="icon"' in page and "portal/favicon" in page
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and "portal/favicon" in response["Location"]
    assert client.post("/favicon.ico").status_code == 405
