"""Forms of the policy pages. They parse input only; the services decide and write (their
refusals are shown on the form with ``add_service_error``)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from yiwang.policy.choices import DocumentStatus, ItemKind
from yiwang.portal.facade import BootstrapForm

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class DocumentFilterForm(BootstrapForm):
    q = forms.CharField(label=_("Title or document number"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("any status")), *DocumentStatus.choices],
    )


class DocumentForm(BootstrapForm):
    title = forms.CharField(label=_("Policy title"), max_length=200)
    organisation_id = forms.TypedChoiceField(label=_("Issuing organisation"), coerce=int)
    document_number = forms.CharField(
        label=_("Document number (文号)"),
        max_length=40,
        help_text=_("Issuer, year in 〔〕 and serial number, e.g. 珠府〔2026〕12号."),
    )
    issue_date = forms.DateField(label=_("Issue date"), widget=DATE)
    effective_from = forms.DateField(label=_("Effective from"), widget=DATE)
    effective_to = forms.DateField(label=_("Effective until"), widget=DATE, required=False)
    full_text = forms.CharField(
        label=_("Full text"), required=False, widget=forms.Textarea(attrs={"rows": 10})
    )
    interpretation = forms.CharField(
        label=_("Policy interpretation (解读)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    revision = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation_id"].choices = [(o.pk, o.name) for o in organisations]


class ItemForm(BootstrapForm):
    """An item's fields; its rule comes from the rule editor next to it (builder or text)."""

    title = forms.CharField(label=_("Item title"), max_length=200)
    kind = forms.ChoiceField(label=_("Item kind"), choices=ItemKind.choices)
    benefit = forms.CharField(
        label=_("Benefit"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What a qualifying enterprise gets."),
    )
    amount_cap = forms.DecimalField(
        label=_("Amount cap (10,000 yuan)"),
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=2,
    )
    window_start = forms.DateField(label=_("Applications from"), widget=DATE, required=False)
    window_end = forms.DateField(label=_("Applications until"), widget=DATE, required=False)
    materials = forms.CharField(
        label=_("Materials"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One material per line."),
    )
    contact_department = forms.CharField(
        label=_("Contact department"), required=False, max_length=100
    )
    contact_phone = forms.CharField(label=_("Contact telephone"), required=False, max_length=24)
    exempt_application = forms.BooleanField(
        label=_("Granted without application (免申即享)"),
        required=False,
        help_text=_("Only when every condition is verifiable from registry data."),
    )
    revision = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def data_for_service(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if k != "revision"}
        data["materials"] = (data.get("materials") or "").splitlines()
        return data


class ReasonForm(BootstrapForm):
    reason = forms.CharField(
        label=_("Why it is withdrawn"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class FAQForm(BootstrapForm):
    question = forms.CharField(label=_("Question"), max_length=500)
    answer = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 3}))
    public = forms.BooleanField(label=_("Show on the public item page"), required=False)


class AttachmentForm(BootstrapForm):
    file = forms.FileField(
        label=_("Attachment"),
        help_text=_("PDF, Word (.docx), Excel (.xlsx), JPEG or PNG, at most 20 MB."),
    )


class ExplainForm(BootstrapForm):
    uscc = forms.CharField(
        label=_("Unified social credit code"),
        max_length=18,
        min_length=18,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
