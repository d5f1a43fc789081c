"""Forms of the catalogue's staff pages. They parse input only (materials and steps as one entry
per line, parsed strictly with the line number in the error); the services decide and write."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from yiwang.catalog import elements as el
from yiwang.catalog.choices import HandlingType, ItemKind, LimitUnit, Operation, Tongban
from yiwang.catalog.elements import LIMIT_MAX, LIST_MAX
from yiwang.portal.facade import BootstrapForm

SEP = "｜"  # full-width bar; the ASCII "|" is accepted too
REQUIRED_WORDS = {"必要": True, "非必要": False}

STATUS_FILTERS = (
    ("", _("any status")),
    ("published", _("Published")),
    ("unpublished", _("Not published")),
    ("draft", _("Draft open")),
    ("review", _("In review")),
)


def _lines(text: str) -> list[tuple[int, list[str]]]:
    """Non-blank lines with their (1-based) number, split on ｜ or |, cells stripped."""
    rows = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if line.strip():
            rows.append((number, [c.strip() for c in line.replace("|", SEP).split(SEP)]))
    if len(rows) > LIST_MAX:
        raise ValidationError(_("At most 200 lines."))
    return rows


def materials_text(materials: list[dict]) -> str:
    lines = []
    for m in materials:
        required = "必要" if m.get("required", True) else "非必要"
        cells = [str(m.get("name", "")), required]
        if m.get("condition"):
            cells.append(str(m["condition"]))
        lines.append(SEP.join(cells))
    return "\n".join(lines)


def steps_text(steps: list[dict]) -> str:
    return "\n".join(
        SEP.join([str(s.get("name", "")), str(s.get("role", "")), str(s.get("days", 0))])
        for s in steps
    )


def parse_materials(text: str, existing: list[dict]) -> list[dict]:
    """``名称｜必要/非必要｜条件`` per line; the other columns (kind, form, source …) of a
    material already listed under the same name are kept."""
    by_name = {str(m.get("name", "")).strip(): m for m in existing}
    errors, materials = [], []
    for number, cells in _lines(text):
        if len(cells) < 2 or len(cells) > 3 or not cells[0]:
            errors.append(_("Line %(n)d: write 名称｜必要/非必要｜条件.") % {"n": number})
            continue
        if cells[1] not in REQUIRED_WORDS:
            errors.append(_("Line %(n)d: the second column is 必要 or 非必要.") % {"n": number})
            continue
        material = {
            k: v for k, v in by_name.get(cells[0], {}).items() if k not in ("required", "condition")
        }
        material.setdefault("kind", "original")
        material.setdefault("form", "paper")
        material["name"] = cells[0]
        material["required"] = REQUIRED_WORDS[cells[1]]
        if len(cells) == 3 and cells[2]:
            material["condition"] = cells[2]
        materials.append(material)
    if errors:
        raise ValidationError(errors)
    if not materials:
        raise ValidationError(_("List at least one material."))
    return materials


def parse_steps(text: str) -> list[dict]:
    """``环节｜承办岗位｜天数`` per line."""
    errors, steps = [], []
    for number, cells in _lines(text):
        if len(cells) != 3 or not cells[0] or not cells[1]:
            errors.append(_("Line %(n)d: write 环节｜承办岗位｜天数.") % {"n": number})
            continue
        days = cells[2]
        if not (days.isascii() and days.isdigit() and len(days) <= 3) or int(days) > LIMIT_MAX:
            errors.append(
                _("Line %(n)d: the days are a whole number from 0 to 365.") % {"n": number}
            )
            continue
        steps.append({"name": cells[0], "role": cells[1], "days": int(cells[2])})
    if errors:
        raise ValidationError(errors)
    if not steps:
        raise ValidationError(_("List at least one step."))
    return steps


class ItemFilterForm(BootstrapForm):
    q = forms.CharField(label=_("Name or code"), required=False, max_length=100)
    department = forms.ChoiceField(label=_("Competent department"), required=False)
    kind = forms.ChoiceField(
        label=_("Item kind"),
        required=False,
        choices=[("", _("any kind")), *ItemKind.choices],
    )
    status = forms.ChoiceField(label=_("Status"), required=False, choices=STATUS_FILTERS)

    def __init__(self, *args, departments: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [
            ("", _("any department")),
            *((d, d) for d in departments),
        ]


class AdoptForm(BootstrapForm):
    """认领: a basic item (picked from a search), one of the user's organisations, operation."""

    basic_id = forms.TypedChoiceField(label=_("Basic catalogue item"), coerce=int)
    organisation_id = forms.TypedChoiceField(label=_("Implementing organisation"), coerce=int)
    operation = forms.ChoiceField(
        label=_("Business operation"), required=False, choices=Operation.choices
    )

    def __init__(self, *args, basics, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["basic_id"].choices = [("", "—"), *((b.pk, str(b)) for b in basics)]
        self.fields["organisation_id"].choices = [(o.pk, o.name) for o in organisations]


class VersionForm(BootstrapForm):
    """The implementation's own elements of a draft (unified elements are not on this form)."""

    legal_limit = forms.IntegerField(label=_("Legal time limit"), min_value=0, max_value=LIMIT_MAX)
    legal_limit_unit = forms.ChoiceField(label=_("Unit"), choices=LimitUnit.choices)
    promised_limit = forms.IntegerField(
        label=_("Promised time limit"), min_value=0, max_value=LIMIT_MAX
    )
    promised_limit_unit = forms.ChoiceField(label=_("Unit"), choices=LimitUnit.choices)
    handling_type = forms.ChoiceField(label=_("Handling type"), choices=HandlingType.choices)
    visits = forms.TypedChoiceField(
        label=_("Visits required"), coerce=int, choices=[(0, "0"), (1, "1"), (2, "2")]
    )
    online = forms.BooleanField(label=_("Can be handled online"), required=False)
    online_depth = forms.TypedChoiceField(
        label=_("Online depth"), coerce=int, choices=[(d, str(d)) for d in range(1, 5)]
    )
    tongban = forms.ChoiceField(label=_("Handled across"), choices=Tongban.choices)
    fee_free = forms.BooleanField(label=_("Free of charge"), required=False)
    conditions = forms.CharField(
        label=_("Acceptance conditions"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One condition per line."),
    )
    materials = forms.CharField(
        label=_("Materials"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "One material per line: 名称｜必要/非必要｜条件 (条件 when not always required)."
        ),
    )
    steps = forms.CharField(
        label=_("Procedure steps"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One step per line: 环节｜承办岗位｜天数."),
    )
    deviation_reason = forms.CharField(
        label=_("Reason for deviating from the standard"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, existing_materials: list[dict], **kwargs):
        super().__init__(*args, **kwargs)
        self.existing_materials = existing_materials

    @classmethod
    def initial_from(cls, version) -> dict:
        initial = {f: getattr(version, f) for f in (*el.SCALARS, "deviation_reason")}
        initial["conditions"] = "\n".join(str(c) for c in version.conditions)
        initial["materials"] = materials_text(version.materials)
        initial["steps"] = steps_text(version.steps)
        return initial

    def clean_conditions(self) -> list[str]:
        return [
            line.strip() for line in self.cleaned_data["conditions"].splitlines() if line.strip()
        ]

    def clean_materials(self) -> list[dict]:
        return parse_materials(self.cleaned_data["materials"], self.existing_materials)

    def clean_steps(self) -> list[dict]:
        return parse_steps(self.cleaned_data["steps"])


class NoteForm(BootstrapForm):
    note = forms.CharField(
        label=_("What must change"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReasonForm(BootstrapForm):
    reason = forms.CharField(
        label=_("Reason for withdrawal"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
