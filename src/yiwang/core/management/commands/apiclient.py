"""Manage API clients and tokens from the command line (``yiwang manage apiclient ...``).

    yiwang manage apiclient create-client --actor admin --name 区网格系统 --org zh-0 \\
        --role hotline_operator
    yiwang manage apiclient create-token --actor admin --client 区网格系统 --name sync \\
        --scope core.view_organisation [--expires-days 90]
    yiwang manage apiclient revoke --actor secadmin --prefix 1a2b3c4d
    yiwang manage apiclient list

The token secret is printed once by ``create-token`` and never stored. Every change goes through
the audited services and is done in the name of ``--actor``, whose permissions are checked.
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from yiwang.core.context import bind
from yiwang.core.errors import DomainError
from yiwang.core.models import ApiClient, ApiToken, Organisation, User
from yiwang.core.services.tokens import api_client_create, api_token_create, api_token_revoke


class Command(BaseCommand):
    help = "Create API clients and tokens (shown once), revoke tokens, list them."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        client = sub.add_parser("create-client", help="register a client system")
        client.add_argument("--actor", required=True, help="username acting (platform admin)")
        client.add_argument("--name", required=True)
        client.add_argument("--org", required=True, help="organisation code (e.g. zh-0)")
        client.add_argument("--role", action="append", required=True, dest="roles")
        client.add_argument("--description", default="")
        token = sub.add_parser("create-token", help="issue a token; the secret is printed once")
        token.add_argument("--actor", required=True)
        token.add_argument("--client", required=True, help="client name")
        token.add_argument("--name", required=True)
        token.add_argument("--scope", action="append", required=True, dest="scopes")
        token.add_argument("--expires-days", type=int, default=None)
        revoke = sub.add_parser("revoke", help="revoke a token by its prefix")
        revoke.add_argument("--actor", required=True)
        revoke.add_argument("--prefix", required=True)
        sub.add_parser("list", help="list clients and their tokens (never the secrets)")

    def handle(self, *args, action, **options):
        with bind(channel="cli"):
            try:
                getattr(self, "_" + action.replace("-", "_"))(**options)
            except DomainError as exc:
                raise CommandError(f"{exc.code}: {exc.message}") from exc

    def _actor(self, username: str) -> User:
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"no active user {username!r}")
        return user

    def _create_client(self, *, actor, name, org, roles, description, **_):
        organisation = Organisation.objects.filter(code=org).first()
        if organisation is None:
            raise CommandError(f"no organisation with code {org!r}")
        client = api_client_create(
            actor=self._actor(actor),
            name=name,
            organisation=organisation,
            roles=roles,
            description=description,
        )
        self.stdout.write(f"client {client.name} created in {organisation.name}")

    def _create_token(self, *, actor, client, name, scopes, expires_days, **_):
        app = ApiClient.objects.filter(name=client).first()
        if app is None:
            raise CommandError(f"no API client {client!r}")
        expires_at = timezone.now() + dt.timedelta(days=expires_days) if expires_days else None
        token, raw = api_token_create(
            actor=self._actor(actor), client=app, name=name, scopes=scopes, expires_at=expires_at
        )
        self.stderr.write(f"token {token.prefix} created; the secret below is shown only once")
        self.stdout.write(raw)

    def _revoke(self, *, actor, prefix, **_):
        token = ApiToken.objects.filter(prefix=prefix).first()
        if token is None:
            raise CommandError(f"no token with prefix {prefix!r}")
        api_token_revoke(actor=self._actor(actor), token=token)
        self.stdout.write(f"token {prefix} revoked")

    def _list(self, **_):
        for app in ApiClient.objects.select_related("organisation").order_by("name"):
            self.stdout.write(f"{app.name} ({app.organisation.name})")
            for token in app.tokens.order_by("created_at"):
                state = (
                    "revoked"
                    if token.revoked_at
                    else ("expired" if not token.is_usable() else "active")
                )
                self.stdout.write(f"  {token.prefix} {token.name} {state} {','.join(token.scopes)}")
