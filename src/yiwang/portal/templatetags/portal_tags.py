"""Template helpers of the web shell."""

from __future__ import annotations

import json

from django import template
from django.utils.http import url_has_allowed_host_and_scheme

from yiwang.core.pii import mask_text
from yiwang.portal import selectors

register = template.Library()


@register.simple_tag
def health_warnings() -> list[str]:
    """``{% health_warnings as warnings %}``: platform warnings for the admin banner."""
    return selectors.health_warnings()


@register.filter
def badge_count(value) -> str:
    """Unread counts above 99 show as "99+" so the badge keeps its size."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return ""
    return "99+" if number > 99 else str(number)


@register.filter
def local_link(value: str | None) -> str:
    """The link if it stays on this site (``/hotline/orders/12``), else an empty string, so a
    message can never carry the reader off to a foreign site."""
    if value and value.startswith("/") and url_has_allowed_host_and_scheme(value, None):
        return value
    return ""


@register.filter
def masked_json(value) -> str:
    """Audit changes as compact JSON with ID and mobile numbers masked."""
    if value in (None, "", {}, []):
        return ""
    return mask_text(json.dumps(value, ensure_ascii=False, sort_keys=True))


@register.filter
def masked(value) -> str:
    """Free text with ID and mobile numbers masked (audit labels, object names)."""
    return mask_text(str(value)) if value not in (None, "") else ""
