"""Forms of the web shell: they parse input only; the services decide and write."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.core.errors import DomainError
from yiwang.core.services.security import LoginRefused, user_authenticate


class BootstrapForm(forms.Form):
    """Adds Bootstrap's classes to widgets and marks fields with errors as invalid."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")

    def full_clean(self):
        super().full_clean()
        self.mark_invalid()

    def mark_invalid(self) -> None:
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                classes = widget.attrs.get("class", "")
                if "is-invalid" not in classes.split():
                    widget.attrs["class"] = f"{classes} is-invalid".strip()

    def add_service_error(self, exc: DomainError) -> None:
        """Show a service's refusal next to the fields it names (else as a form error)."""
        if exc.errors:
            for err in exc.errors:
                field = err.get("field")
                self.add_error(field if field in self.fields else None, str(err["message"]))
        else:
            self.add_error(None, exc.message)
        self.mark_invalid()


class LoginForm(BootstrapForm):
    username = forms.CharField(
        label=_("User name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        max_length=256,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class AdminLoginForm(AdminAuthenticationForm):
    """The admin's sign-in through the same lockout and audit as the portal's."""

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            try:
                self.user_cache = user_authenticate(
                    request=self.request, username=username, password=password
                )
            except LoginRefused as exc:
                raise ValidationError(exc.message, code=exc.code) from None
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class PasswordChangeForm(BootstrapForm):
    old_password = forms.CharField(
        label=_("Current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )
    new_password1 = forms.CharField(
        label=_("New password"),
        strip=False,
        help_text=_(
            "At least 8 characters mixing at least three of: lower-case letters, upper-case "
            "letters, digits, symbols."
        ),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    new_password2 = forms.CharField(
        label=_("New password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    # Where a service error about a field lands on this form.
    FIELD_OF = {
        "old_password": "old_password",
        "password": "new_password1",
        "new_password": "new_password1",
        None: "new_password1",
    }
    FIELD_OF_CODE = {"core.wrong_password": "old_password", "core.password_reused": "new_password1"}

    def clean(self):
        data = super().clean()
        new1, new2 = data.get("new_password1"), data.get("new_password2")
        if new1 and new2 and new1 != new2:
            self.add_error("new_password2", _("The two new passwords differ."))
        return data

    def add_service_error(self, exc: DomainError) -> None:
        """Show a refusal of ``user_change_password`` next to the field it is about."""
        if exc.errors:
            for err in exc.errors:
                self.add_error(self.FIELD_OF.get(err.get("field"), None), err["message"])
        else:
            self.add_error(self.FIELD_OF_CODE.get(exc.code), exc.message)
        self.mark_invalid()


class AuditSearchForm(BootstrapForm):
    action = forms.CharField(
        label=_("Action starts with"),
        required=False,
        max_length=64,
        widget=forms.TextInput(attrs={"placeholder": "core.login"}),
    )
    actor = forms.CharField(label=_("Actor"), required=False, max_length=150)
    object_type = forms.CharField(
        label=_("Object type"),
        required=False,
        max_length=64,
        widget=forms.TextInput(attrs={"placeholder": "core.user"}),
    )
    object_id = forms.CharField(label=_("Object id"), required=False, max_length=64)
    request_id = forms.CharField(label=_("Request id"), required=False, max_length=64)
    date_from = forms.DateField(
        label=_("From (date)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To (date, inclusive)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return data

    def selector_kwargs(self) -> dict:
        """Arguments for ``yiwang.core.selectors.audit_list`` (dates are local calendar days)."""
        data = self.cleaned_data

        def day_start(day: dt.date) -> dt.datetime:
            return timezone.make_aware(dt.datetime.combine(day, dt.time.min))

        return {
            "action": data.get("action") or None,
            "actor_username": data.get("actor") or None,
            "object_type": data.get("object_type") or None,
            "object_id": data.get("object_id") or None,
            "request_id": data.get("request_id") or None,
            "since": day_start(data["date_from"]) if data.get("date_from") else None,
            "until": (
                day_start(data["date_to"] + dt.timedelta(days=1)) if data.get("date_to") else None
            ),
        }

    def active_filters(self) -> dict[str, str]:
        """The filters in use, as plain strings (recorded in the export's audit entry)."""
        return {k: str(v) for k, v in self.cleaned_data.items() if v not in (None, "")}
