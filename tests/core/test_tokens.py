import datetime as dt

import pytest
from django.utils import timezone

from yiwang.core.choices import Role
from yiwang.core.errors import InvalidInput
from yiwang.core.models import ApiToken, AuditLog
from yiwang.core.services.tokens import api_client_create, api_token_create, api_token_revoke


@pytest.fixture
def client_app(org_tree, make_staff):
    admin = make_staff(org_tree["city"], Role.PLATFORM_ADMIN)
    app = api_client_create(
        actor=admin,
        name="区网格系统",
        organisation=org_tree["xz"],
        roles=[Role.HOTLINE_OPERATOR, Role.AUDITOR],
    )
    return admin, app


def _bearer(raw):
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_token_is_shown_once_and_stored_hashed(client, client_app):
    admin, app = client_app
    token, raw = api_token_create(
        actor=admin, client=app, name="sync", scopes=["core.view_organisation"]
    )
    stored = ApiToken.objects.get(pk=token.pk)
    assert raw not in (stored.digest, stored.prefix) and len(stored.digest) == 64
    assert raw not in str(AuditLog.objects.filter(action="core.api_token.create").get().changes)
    response = client.get("/api/v1/me", **_bearer(raw))
    assert response.status_code == 200
    assert response.json()["permissions"] == ["core.view_organisation"]
    orgs = client.get("/api/v1/organisations", **_bearer(raw)).json()["items"]
    assert {o["name"] for o in orgs} == {"香洲区", "香洲区市场监督管理局", "拱北街道", "港昌社区"}


def test_scopes_limit_what_a_token_can_do(client, client_app):
    admin, app = client_app
    _, raw = api_token_create(
        actor=admin, client=app, name="orgs only", scopes=["core.view_organisation"]
    )
    response = client.get("/api/v1/audit/records", **_bearer(raw))
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_scopes_beyond_the_clients_roles_are_refused(client_app):
    admin, app = client_app
    with pytest.raises(InvalidInput):
        api_token_create(actor=admin, client=app, name="x", scopes=["core.manage_user"])


def test_revoked_token_is_401_at_once(client, client_app):
    admin, app = client_app
    token, raw = api_token_create(
        actor=admin, client=app, name="t", scopes=["core.view_organisation"]
    )
    assert client.get("/api/v1/me", **_bearer(raw)).status_code == 200
    api_token_revoke(actor=admin, token=token)
    response = client.get("/api/v1/me", **_bearer(raw))
    assert response.status_code == 401
    assert response.json()["code"] == "core.token_revoked"


def test_expired_token_is_401(client, client_app):
    admin, app = client_app
    token, raw = api_token_create(
        actor=admin,
        client=app,
        name="t",
        scopes=["core.view_organisation"],
        expires_at=timezone.now() + dt.timedelta(hours=1),
    )
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = client.get("/api/v1/me", **_bearer(raw))
    assert response.status_code == 401
    assert response.json()["code"] == "core.token_expired"


def test_garbage_token_is_401(client, db):
    response = client.get("/api/v1/me", **_bearer("yw_nope_nope"))
    assert response.status_code == 401
    assert response.json()["code"] == "core.token_invalid"


def test_cli_creates_a_client_and_a_token_shown_once_then_revokes(client, org_tree, make_staff):
    from io import StringIO

    from django.core.management import CommandError, call_command

    make_staff(org_tree["city"], Role.PLATFORM_ADMIN, username="padmin")
    call_command(
        "apiclient",
        "create-client",
        "--actor",
        "padmin",
        "--name",
        "网格系统",
        "--org",
        "t-xz",
        "--role",
        "hotline_operator",
        stdout=StringIO(),
    )
    out, err = StringIO(), StringIO()
    call_command(
        "apiclient",
        "create-token",
        "--actor",
        "padmin",
        "--client",
        "网格系统",
        "--name",
        "sync",
        "--scope",
        "core.view_organisation",
        "--expires-days",
        "30",
        stdout=out,
        stderr=err,
    )
    raw = out.getvalue().strip()
    assert raw.startswith("yw_") and "shown only once" in err.getvalue()
    assert client.get("/api/v1/me", **_bearer(raw)).status_code == 200
    listing = StringIO()
    call_command("apiclient", "list", stdout=listing)
    assert raw not in listing.getvalue() and "active" in listing.getvalue()
    prefix = raw.split("_")[1]
    call_command("apiclient", "revoke", "--actor", "padmin", "--prefix", prefix, stdout=StringIO())
    assert client.get("/api/v1/me", **_bearer(raw)).status_code == 401
    with pytest.raises(CommandError, match="permission_denied"):
        make_staff(org_tree["city"], Role.LEADER, username="boss")
        call_command(
            "apiclient",
            "create-token",
            "--actor",
            "boss",
            "--client",
            "网格系统",
            "--name",
            "x",
            "--scope",
            "core.view_organisation",
            stdout=StringIO(),
        )
