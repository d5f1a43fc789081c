"""Template helpers of the policy pages."""

from django import template
from django.utils.html import format_html

register = template.Library()

_CSS = {"draft": "text-bg-light border", "published": "text-bg-success",
        "withdrawn": "text-bg-secondary"}  # fmt: skip


@register.simple_tag
def status_badge(obj) -> str:
    """The status of a document or item as a coloured badge."""
    return format_html(
        '<span class="badge {}" data-testid="status" data-status="{}">{}</span>',
        _CSS.get(obj.status, "text-bg-light border"),
        obj.status,
        obj.get_status_display(),
    )
