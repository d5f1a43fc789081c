"""Shared pieces of the policy services: access for writes, field errors, text cleaning and
the transition check."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from yiwang.core import facade as core
from yiwang.core.errors import Conflict, InvalidInput, NotFound
from yiwang.core.permissions import require_perm
from yiwang.policy import permissions as perms
from yiwang.policy import selectors
from yiwang.policy.models import PolicyDocument, PolicyItem


def invalid(field: str | None, code: str, message: str) -> InvalidInput:
    return InvalidInput(code, message, errors=[{"field": field, "code": code, "message": message}])


def raise_errors(errors: list[dict]) -> None:
    if errors:
        message = "; ".join(str(e["message"]) for e in errors)
        raise InvalidInput(errors[0]["code"], message, errors=errors)


def text(
    value, field: str, errors: list[dict], *, required: bool = True, limit: int = 200, low: int = 0
) -> str:
    """A stripped text, or an error appended to ``errors`` (and ``""``)."""
    value = "" if value is None else str(value).strip()
    if required and not value:
        errors.append(
            {"field": field, "code": "policy.required", "message": _("This field is required.")}
        )
    elif len(value) > limit:
        errors.append(
            {
                "field": field,
                "code": "policy.too_long",
                "message": _("At most %(n)d characters.") % {"n": limit},
            }
        )
    elif value and len(value) < low:
        errors.append(
            {
                "field": field,
                "code": "policy.too_short",
                "message": _("At least %(n)d characters.") % {"n": low},
            }
        )
    return value


def writer_check(actor) -> None:
    """Only officers (``policy.manage``) write; the system (``actor=None``: seed, tasks) too."""
    if actor is not None:
        require_perm(actor, perms.MANAGE)


def document_for_write(actor, document_id: int) -> PolicyDocument:
    """The document, locked, if ``actor`` may write it (403 without the role, 404 out of
    scope)."""
    writer_check(actor)
    qs = PolicyDocument.objects.select_for_update().select_related("organisation")
    if actor is not None:
        selectors.document_get(actor=actor, document_id=document_id, perm=perms.MANAGE)
    document = qs.filter(pk=document_id).first()
    if document is None:
        raise NotFound("policy document")
    return document


def item_for_write(actor, item_id: int) -> PolicyItem:
    writer_check(actor)
    if actor is not None:
        selectors.item_get(actor=actor, item_id=item_id, perm=perms.MANAGE)
    item = (
        PolicyItem.objects.select_for_update()
        .select_related("document", "document__organisation")
        .filter(pk=item_id)
        .first()
    )
    if item is None:
        raise NotFound("policy item")
    return item


def revision_check(obj, revision: int | None) -> None:
    """Optimistic locking: a client that read ``revision`` writes only if nobody saved since."""
    if revision is not None and revision != obj.revision:
        raise Conflict(
            "policy.edit_conflict",
            _("Someone saved this record after you opened it; reload it and edit again."),
        )


def transition(table: dict[str, dict[str, str]], action: str, status: str, labels) -> str:
    """The next status of ``action`` from ``status`` (409 when the table has no such move)."""
    target = table.get(action, {}).get(status)
    if target is None:
        raise Conflict(
            f"policy.cannot_{action}",
            _("This cannot be done while the status is %(status)s.")
            % {"status": labels(status).label},
        )
    return target


def enterprise_users(usccs: Iterable[str]) -> dict[str, list]:
    """USCC → the active users acting for that enterprise account (empty when none), loaded
    with what notifications read (username, email, mobile). Two queries."""
    ids = core.enterprise_member_ids(usccs)
    users = (
        get_user_model()
        .objects.only("pk", "username", "email", "mobile")
        .in_bulk({pk for found in ids.values() for pk in found})
    )
    return {uscc: [users[pk] for pk in found if pk in users] for uscc, found in ids.items()}
