"""Domain errors shared by every app; the API turns them into RFC 9457 problem details."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A rule of the domain refused the request. ``code`` is stable (``hotline.not_signable``)."""

    status = 400

    def __init__(
        self,
        code: str,
        message: str,
        *,
        status: int | None = None,
        errors: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = str(message)
        if status is not None:
            self.status = status
        self.errors = errors or []


class InvalidInput(DomainError):
    """Field-level validation failure (HTTP 422)."""

    status = 422


class NotFound(DomainError):
    """Missing or invisible to the actor; the two are deliberately indistinguishable."""

    status = 404

    def __init__(self, what: str = "object") -> None:
        super().__init__("not_found", f"{what} not found")


class Forbidden(DomainError):
    status = 403


class Conflict(DomainError):
    """Concurrent change or a state that no longer allows the action (HTTP 409)."""

    status = 409


def from_validation_error(exc, code: str = "invalid") -> InvalidInput:
    """Convert a Django ``ValidationError`` into :class:`InvalidInput` with per-field errors."""
    errors: list[dict[str, Any]] = []
    if hasattr(exc, "error_dict"):
        for field, field_errors in exc.error_dict.items():
            for err in field_errors:
                errors.append(
                    {"field": field, "code": err.code or code, "message": " ".join(err.messages)}
                )
    else:
        for err in exc.error_list:
            errors.append(
                {"field": None, "code": err.code or code, "message": " ".join(err.messages)}
            )
    message = "; ".join(e["message"] for e in errors) or "invalid input"
    first_code = errors[0]["code"] if errors else code
    return InvalidInput(first_code, message, errors=errors)
