"""Forms of the centre's configuration pages (dispatch catalogue, SLA policies).

They parse input only; ``dispatch_rule_create/revise`` and ``sla_policy_revise`` validate
(units of the city, conditions, limits) and their per-field errors land on the fields of the
same name. Unit fields are integers shown as selects, so an id that is not a unit of the city
reaches the service and gets the service's own message.
"""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from yiwang.hotline.choices import Category
from yiwang.portal.facade import BootstrapForm

KEYWORD_SPLIT = re.compile(r"[,，、;；\n\r]+")


def split_keywords(text: str) -> list[str]:
    """Keywords typed as one text: separated by commas (also full-width), 、, ; or new lines."""
    return [w.strip() for w in KEYWORD_SPLIT.split(text or "") if w.strip()]


class IdListField(forms.Field):
    """Several organisation ids from a multiple select (order kept, duplicates dropped)."""

    widget = forms.SelectMultiple

    def to_python(self, value):
        if not value:
            return []
        if isinstance(value, str):
            value = [value]
        try:
            return list(dict.fromkeys(int(v) for v in value if str(v).strip()))
        except (TypeError, ValueError):
            raise ValidationError(_("Choose units from the list."), code="invalid") from None


class UnitField(forms.IntegerField):
    """An organisation id picked from a select (the service checks it belongs to the city)."""

    widget = forms.Select
    default_error_messages = {"invalid": _("Choose a unit from the list.")}


class DispatchRuleForm(BootstrapForm):
    """A rule of the 派单目录: conditions (category, district, keywords) → lead and co-units."""

    name = forms.CharField(label=_("Rule name"), max_length=100)
    category = forms.ChoiceField(
        label=_("Category"),
        choices=[("", _("— any category —")), *list(Category.choices)],
        required=False,
    )
    district_id = UnitField(label=_("District"), required=False)
    keywords = forms.CharField(
        label=_("Keywords"),
        required=False,
        max_length=6000,
        help_text=_(
            "Any one of them in the title or content matches. Separate them with commas, 、 or "
            "new lines."
        ),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    lead_unit_id = UnitField(label=_("Lead unit"))
    co_unit_ids = IdListField(label=_("Co-units"), required=False)
    priority = forms.IntegerField(
        label=_("Priority (lower first)"),
        initial=100,
        error_messages={"invalid": _("Enter a whole number.")},
    )

    def __init__(self, *args, units=(), districts=(), **kwargs):
        super().__init__(*args, **kwargs)
        unit_choices = [(u.pk, u.name) for u in units]
        self.fields["lead_unit_id"].widget.choices = [("", _("— choose —")), *unit_choices]
        self.fields["co_unit_ids"].widget.choices = unit_choices
        self.fields["co_unit_ids"].widget.attrs["size"] = 6
        self.fields["district_id"].widget.choices = [("", _("— whole city —"))] + [
            (d.pk, d.name) for d in districts
        ]

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "category": data.get("category") or "",
            "district_id": data.get("district_id"),
            "keywords": split_keywords(data.get("keywords") or ""),
            "lead_unit_id": data["lead_unit_id"],
            "co_unit_ids": data.get("co_unit_ids") or [],
            "priority": data["priority"],
        }


class CatalogueFilterForm(BootstrapForm):
    """Filters of the catalogue list (GET); bad values are ignored, not errors."""

    q = forms.CharField(label=_("Name or keyword"), required=False, max_length=100)
    category = forms.ChoiceField(
        label=_("Category"),
        choices=[("", _("All")), *list(Category.choices)],
        required=False,
    )
    district = forms.TypedChoiceField(label=_("District"), required=False, coerce=int)
    unit = forms.TypedChoiceField(label=_("Lead unit"), required=False, coerce=int)

    def __init__(self, *args, units=(), districts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].choices = [("", _("All"))] + [(d.pk, d.name) for d in districts]
        self.fields["unit"].choices = [("", _("All"))] + [(u.pk, u.name) for u in units]

    def filters(self) -> dict:
        if not self.is_valid():
            return {k: v for k, v in self.cleaned_data.items() if k not in self.errors and v != ""}
        return {k: v for k, v in self.cleaned_data.items() if v not in ("", None)}


class SlaPolicyForm(BootstrapForm):
    """A new version of the SLA policy of one lane × category."""

    sign_hours = forms.DecimalField(
        label=_("Sign-for limit (working hours)"),
        error_messages={"invalid": _("Enter a number.")},
        widget=forms.NumberInput(attrs={"step": "0.25"}),
    )
    handle_days = forms.IntegerField(
        label=_("Handling limit (working days)"),
        error_messages={"invalid": _("Enter a whole number.")},
    )
    callback_days = forms.IntegerField(
        label=_("Callback limit (working days)"),
        error_messages={"invalid": _("Enter a whole number.")},
    )
    yellow_ratio = forms.DecimalField(
        label=_("Yellow warning at (share of the time used)"),
        help_text=_(
            "For example 0.75: warn when three quarters of the allowed office time have passed."
        ),
        error_messages={"invalid": _("Enter a number.")},
        widget=forms.NumberInput(attrs={"step": "0.01"}),
    )
    red_ratio = forms.DecimalField(
        label=_("Red warning at (share of the time used)"),
        error_messages={"invalid": _("Enter a number.")},
        widget=forms.NumberInput(attrs={"step": "0.01"}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)
