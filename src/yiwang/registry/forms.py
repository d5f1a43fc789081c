"""Forms of the registry pages: they parse input only; the services check and write."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from yiwang.portal.facade import BootstrapForm
from yiwang.registry.choices import (
    IMPORT_SOURCES,
    CreditRating,
    OperatingStatus,
    QualificationKind,
    Scale,
    Source,
)
from yiwang.registry.importing import QUALIFICATION_SHORT, qualification_parse
from yiwang.registry.industries import industry_normalise
from yiwang.registry.services.imports import MAX_UPLOAD_BYTES
from yiwang.registry.services.profiles import COUNT_FIELDS, MONEY_FIELDS, Places


def _blank(label) -> list[tuple[str, str]]:
    return [("", label)]


class EnterpriseFilterForm(BootstrapForm):
    q = forms.CharField(label=_("Name or credit code"), max_length=100, required=False)
    district = forms.TypedChoiceField(label=_("District"), required=False, coerce=int,
                                      empty_value=None)  # fmt: skip
    industry = forms.CharField(
        label=_("Industry code"),
        max_length=5,
        required=False,
        help_text=_("A GB/T 4754 code at any level: C, C39, C3911."),
    )
    scale = forms.ChoiceField(label=_("Scale"), required=False)
    qualification = forms.ChoiceField(label=_("Qualification held"), required=False)
    status = forms.ChoiceField(label=_("Operating status"), required=False)

    def __init__(self, *args, places: Places, **kwargs):
        super().__init__(*args, **kwargs)
        everything = _("All")
        self.fields["district"].choices = _blank(everything) + [
            (pk, name) for name, pk in places.districts.items()
        ]
        self.fields["scale"].choices = _blank(everything) + list(Scale.choices)
        self.fields["qualification"].choices = _blank(everything) + list(QualificationKind.choices)
        self.fields["status"].choices = _blank(everything) + list(OperatingStatus.choices)

    def clean_industry(self) -> str:
        value = self.cleaned_data.get("industry", "").strip()
        if not value:
            return ""
        try:
            return industry_normalise(value)
        except ValidationError as exc:
            raise ValidationError(exc.messages[0]) from None

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "search": data.get("q") or "",
            "district_id": data.get("district"),
            "industry": data.get("industry") or "",
            "scale": data.get("scale") or "",
            "qualification": data.get("qualification") or "",
            "status": data.get("status") or "",
        }


class EnterpriseForm(BootstrapForm):
    """One file as an officer edits it. Text inputs for numbers and dates, so the service's
    messages (the same as the API's and the import's) show on each field."""

    uscc = forms.CharField(label=_("Unified social credit code"), max_length=18)
    name = forms.CharField(label=_("Enterprise name"), max_length=200)
    legal_representative = forms.CharField(
        label=_("Legal representative"), max_length=50, required=False
    )
    address = forms.CharField(label=_("Registered address"), max_length=300, required=False)
    district = forms.ChoiceField(label=_("District"), required=False)
    street = forms.ChoiceField(label=_("Street / town"), required=False)
    park = forms.CharField(label=_("Industrial park"), max_length=100, required=False)
    industry = forms.CharField(
        label=_("Industry code"),
        max_length=5,
        help_text=_("A GB/T 4754 code at any level: C, C39, C3911."),
    )
    scale = forms.ChoiceField(
        label=_("Scale"),
        required=False,
        help_text=_("Leave empty to derive it from employees, revenue and assets (2017 rule)."),
    )
    founded_on = forms.CharField(
        label=_("Founding date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    registered_capital = forms.CharField(label=_("Registered capital (10,000 yuan)"),
                                         required=False)  # fmt: skip
    employees = forms.CharField(label=_("Employees"), required=False)
    revenue = forms.CharField(label=_("Operating revenue (10,000 yuan)"), required=False)
    total_assets = forms.CharField(label=_("Total assets (10,000 yuan)"), required=False)
    tax_paid = forms.CharField(label=_("Tax paid (10,000 yuan)"), required=False)
    rd_spend = forms.CharField(label=_("R&D spend (10,000 yuan)"), required=False)
    credit_rating = forms.ChoiceField(label=_("Tax credit rating"), required=False)
    invention_patents = forms.CharField(label=_("Invention patents"), required=False)
    utility_patents = forms.CharField(label=_("Utility model patents"), required=False)
    software_copyrights = forms.CharField(label=_("Software copyrights"), required=False)
    trademarks = forms.CharField(label=_("Registered trademarks"), required=False)
    status = forms.ChoiceField(label=_("Operating status"))
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=500,
        help_text=_("Separated by ; or ,"),
    )
    qualifications = forms.CharField(
        label=_("Qualifications"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line: 高新技术企业:2024-01-01~2026-12-31"),
    )
    source = forms.ChoiceField(
        label=_("Source of these values"),
        help_text=_("The department the values come from, or yourself."),
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    FIELDS = ("name", "legal_representative", "address", "district", "street", "park",
              "industry", "scale", "founded_on", *MONEY_FIELDS, *COUNT_FIELDS,
              "credit_rating", "status", "tags")  # fmt: skip

    def __init__(self, *args, places: Places, creating: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not creating:
            self.fields["uscc"].disabled = True
            self.fields["uscc"].required = False
        self.fields["district"].choices = _blank("—") + [(n, n) for n in places.districts]
        self.fields["street"].choices = _blank("—") + [(n, n) for n in places.streets]
        self.fields["scale"].choices = _blank(_("Derived")) + list(Scale.choices)
        self.fields["credit_rating"].choices = _blank("—") + list(CreditRating.choices)
        self.fields["status"].choices = list(OperatingStatus.choices)
        self.fields["source"].choices = [
            (s.value, s.label) for s in (Source.OFFICER, *IMPORT_SOURCES)
        ]

    def clean_qualifications(self) -> list[dict]:
        text = self.cleaned_data.get("qualifications", "")
        held, problem = qualification_parse(text or "")
        if problem:
            raise ValidationError(problem)
        return held

    def data_for_service(self) -> dict:
        data = {name: self.cleaned_data.get(name) for name in self.FIELDS}
        data["qualifications"] = self.cleaned_data.get("qualifications") or []
        return data

    @staticmethod
    def initial_of(enterprise, places: Places, qualifications, tags) -> dict:
        initial = {name: getattr(enterprise, name) for name in EnterpriseForm.FIELDS
                   if name not in ("district", "street", "tags")}  # fmt: skip
        initial["uscc"] = enterprise.uscc
        initial["district"] = places.names.get(enterprise.district_id, "")
        initial["street"] = places.names.get(enterprise.street_id, "")
        initial["scale"] = enterprise.scale if enterprise.scale_stated else ""
        initial["founded_on"] = enterprise.founded_on.isoformat() if enterprise.founded_on else ""
        for name in (*MONEY_FIELDS, *COUNT_FIELDS):
            value = getattr(enterprise, name)
            initial[name] = "" if value is None else str(value)
        initial["tags"] = "; ".join(tags)
        initial["qualifications"] = "\n".join(
            f"{QUALIFICATION_SHORT.get(q.kind, q.kind)}:{q.valid_from}~{q.valid_to}"
            + (f":{q.certificate_no}" if q.certificate_no else "")
            for q in qualifications
        )
        initial["version"] = enterprise.version
        initial["source"] = Source.OFFICER
        return initial


class ImportForm(BootstrapForm):
    file = forms.FileField(
        label=_("File to import"),
        help_text=_("CSV (UTF-8 or GBK) or Excel .xlsx; the first row names the columns."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.xlsx"}),
    )
    source = forms.ChoiceField(label=_("Department the file comes from"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].choices = [(s.value, s.label) for s in IMPORT_SOURCES]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise ValidationError(_("The file is larger than 1 GB; split it."))
        return upload
