"""等保 level-3 password complexity, driven by the editable :class:`SecurityPolicy`."""

from __future__ import annotations

import string

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


def character_classes(password: str) -> int:
    classes = [
        any(c in string.ascii_lowercase for c in password),
        any(c in string.ascii_uppercase for c in password),
        any(c.isdigit() for c in password),
        any(not c.isalnum() for c in password),
    ]
    return sum(classes)


class ComplexityValidator:
    """At least N characters drawn from at least K of: lower, upper, digits, symbols."""

    def validate(self, password: str, user=None) -> None:
        from yiwang.core.services.security import security_policy_get

        policy = security_policy_get()
        problems = []
        if len(password) < policy.min_password_length:
            problems.append(
                ValidationError(
                    ngettext(
                        "The password must contain at least %(n)d character.",
                        "The password must contain at least %(n)d characters.",
                        policy.min_password_length,
                    ),
                    code="password_too_short",
                    params={"n": policy.min_password_length},
                )
            )
        if character_classes(password) < policy.min_character_classes:
            problems.append(
                ValidationError(
                    _(
                        "The password must mix at least %(k)d of: lower-case letters, upper-case "
                        "letters, digits, symbols."
                    ),
                    code="password_too_simple",
                    params={"k": policy.min_character_classes},
                )
            )
        if problems:
            raise ValidationError(problems)

    def get_help_text(self) -> str:
        return _(
            "At least 8 characters mixing at least three of: lower-case letters, upper-case "
            "letters, digits, symbols."
        )
