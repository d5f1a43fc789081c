"""Rendering notification templates: Django template syntax from a string, strict about errors.

Notification texts are plain text (email body, SMS, inbox), so auto-escaping is off. A variable
missing from the context is an error naming the variable, not a silently empty gap; write
``{% firstof name "citizen" %}`` or ``{% if name %}…{% endif %}`` for optional values. The
engine has no template loaders, so ``{% include %}`` / ``{% extends %}`` cannot read files.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from django.template import Context, Engine, TemplateDoesNotExist, TemplateSyntaxError
from django.template.base import Template as DjangoTemplate
from django.utils.translation import gettext as _

from yiwang.core.errors import InvalidInput

_MISSING = "\x00yiwang-missing:%s\x00"
_MISSING_RE = re.compile("\x00yiwang-missing:(.*?)\x00")


@lru_cache(maxsize=1)
def _engine() -> Engine:
    return Engine(autoescape=False, loaders=[], string_if_invalid=_MISSING)


@lru_cache(maxsize=512)
def _compile(source: str) -> DjangoTemplate:
    # Compiled templates are immutable and safe to render from several threads; a syntax
    # error is raised (and never cached).
    return _engine().from_string(source)


def _field_error(field: str, code: str, message: str) -> InvalidInput:
    return InvalidInput(code, message, errors=[{"field": field, "code": code, "message": message}])


def template_check(*, field: str, source: str) -> None:
    """Raise :class:`InvalidInput` naming ``field`` when ``source`` has a syntax error."""
    try:
        _compile(source)
    except TemplateSyntaxError as exc:
        raise _field_error(
            field,
            "notify.template_syntax",
            _("Template syntax error in %(field)s: %(error)s") % {"field": field, "error": exc},
        ) from None


def render(*, code: str, field: str, source: str, context: Mapping[str, Any]) -> str:
    """Render one field (subject or body) of template ``code`` with ``context``."""
    try:
        text = _compile(source).render(Context(dict(context), autoescape=False))
    except TemplateSyntaxError as exc:
        raise _field_error(
            field,
            "notify.template_syntax",
            _("Template %(code)s has a syntax error in %(field)s: %(error)s")
            % {"code": code, "field": field, "error": exc},
        ) from None
    except TemplateDoesNotExist as exc:
        raise _field_error(
            field,
            "notify.template_syntax",
            _(
                "Template %(code)s refers to another template (%(name)s); notification "
                "templates must be self-contained."
            )
            % {"code": code, "name": exc},
        ) from None
    missing = sorted(set(_MISSING_RE.findall(text)))
    if missing:
        raise _field_error(
            "context",
            "notify.template_variable_missing",
            _("Template %(code)s needs variables missing from the context: %(names)s")
            % {"code": code, "names": ", ".join(missing)},
        )
    return text
