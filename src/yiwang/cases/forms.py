"""Forms of the application pages: the applicant's form built from the item's form definition,
and the filters of the department inbox. They parse input only; the services validate and
decide (every error of a submission comes back at once, per field)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yiwang.cases.choices import CaseStatus, FieldType, WarningLevel
from yiwang.portal.facade import BootstrapForm

#: Identity fields the applicant's verified account fills (shown, not typed).
LOCKED_IDENTITY = ("applicant_name", "id_number", "uscc")


def _widget(spec: dict[str, Any]) -> forms.Widget:
    kind = spec.get("type")
    attrs: dict[str, Any] = {}
    if spec.get("max_length"):
        attrs["maxlength"] = spec["max_length"]
    if kind == FieldType.TEXTAREA:
        return forms.Textarea(attrs={**attrs, "rows": 3})
    if kind == FieldType.DATE:
        return forms.DateInput(attrs={"type": "date"})
    if kind == FieldType.CHOICE:
        return forms.Select()
    if kind == FieldType.EMAIL:
        return forms.EmailInput(attrs=attrs)
    if kind == FieldType.NUMBER:
        return forms.TextInput(attrs={"inputmode": "decimal"})
    if kind == FieldType.PHONE:
        return forms.TextInput(attrs={**attrs, "inputmode": "tel", "autocomplete": "tel"})
    if kind in (FieldType.ID_NUMBER, FieldType.USCC):
        return forms.TextInput(attrs={"maxlength": 18, "class": "form-control yw-mono"})
    return forms.TextInput(attrs=attrs)


class ApplicationForm(BootstrapForm):
    """申请表 of one item (or the union of a bundle's items): one field per definition field
    that applies to the applicant's kind, except the identity the account already proves.

    Every field is optional here: the service checks required fields, formats and materials
    together and reports them all at once (``form.<name>`` → the field)."""

    prefix = "form"

    def __init__(self, *args, specs: list[dict], locked: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.specs = {s["name"]: s for s in specs}
        self.locked = locked
        for spec in specs:
            name = spec["name"]
            if name in locked:
                continue
            label = spec.get("label") or name
            if spec.get("type") == FieldType.CHOICE:
                field: forms.Field = forms.ChoiceField(
                    label=label,
                    required=False,
                    choices=[("", _("— choose —"))] + [(c, c) for c in spec.get("choices", [])],
                )
            else:
                field = forms.CharField(label=label, required=False, widget=_widget(spec))
            field.help_text = spec.get("help") or ""
            field.widget.attrs.setdefault("class", "form-control")
            if spec.get("required"):
                field.widget.attrs["aria-required"] = "true"
            field.yw_required = bool(spec.get("required"))
            field.yw_type = spec.get("type", "")
            self.fields[name] = field
        # BootstrapForm set the classes before the fields existed
        for field in self.fields.values():
            if isinstance(field.widget, forms.Select):
                field.widget.attrs["class"] = "form-select"

    def values(self) -> dict[str, str]:
        """What the applicant typed, without the empty fields (the account's identity fills
        those it can; the service reports the required ones still missing)."""
        self.is_valid()
        data = self.cleaned_data
        return {name: str(value).strip() for name, value in data.items() if str(value).strip()}

    def add_service_errors(self, errors: list[dict]) -> list[dict]:
        """Put ``form.<name>`` errors on their fields; return the others."""
        rest = []
        for err in errors:
            field = str(err.get("field") or "")
            name = field.removeprefix("form.")
            if field.startswith("form.") and name in self.fields:
                self.add_error(name, str(err["message"]))
            elif field.startswith("form.") and name in self.locked:
                rest.append(
                    {**err, "message": f"{self.specs[name].get('label', name)}：{err['message']}"}
                )
            else:
                rest.append(err)
        self.mark_invalid()
        return rest


class InboxFilterForm(BootstrapForm):
    """The inbox's filters; an unknown value is ignored, never a 500."""

    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False)
    item = forms.ChoiceField(label=gettext_lazy("Item"), required=False)
    warning = forms.ChoiceField(label=gettext_lazy("Warning"), required=False)

    def __init__(self, *args, items: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        everything = [("", _("All"))]
        final = {"refused", "completed", "delivered", "withdrawn"}
        self.fields["status"].choices = everything + [
            c for c in CaseStatus.choices if c[0] not in final
        ]
        self.fields["item"].choices = everything + [(code, name) for code, name in items]
        self.fields["warning"].choices = everything + list(WarningLevel.choices)
        for name, field in self.fields.items():
            field.widget.attrs.update({"class": "form-select", "data-testid": f"filter-{name}"})

    def filters(self) -> dict[str, str]:
        self.is_valid()
        return {k: v for k, v in self.cleaned_data.items() if v}


class StatsPeriodForm(BootstrapForm):
    """The period of the 一网通办 statistics page (the rules are ``stats.period_clean``'s)."""

    start = forms.DateField(
        label=gettext_lazy("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    end = forms.DateField(
        label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
