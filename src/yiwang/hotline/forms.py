"""Forms of the hotline's pages: they parse input only; the services validate and write.

Field names are those of the service arguments, so a service's per-field errors
(``InvalidInput.errors[].field``) land next to the right input without a mapping table.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from yiwang.hotline.choices import Category, EmergencyService, ExclusionReason, RequesterKind
from yiwang.hotline.models import CONTENT_MAX_LENGTH
from yiwang.portal.facade import BootstrapForm


def _blank(label):
    return [("", label)]


class IntakeForm(BootstrapForm):
    """受理 by a centre operator; the DOM order of the fields is the Tab order."""

    contact_phone = forms.CharField(
        label=_("Caller phone"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autofocus": True, "autocomplete": "off", "inputmode": "tel"}
        ),
    )
    requester_name = forms.CharField(label=_("Requester name"), max_length=100)
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    content = forms.CharField(
        label=_("Content"),
        max_length=CONTENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    requester_kind = forms.ChoiceField(
        label=_("Requester"), choices=RequesterKind.choices, initial=RequesterKind.CITIZEN
    )
    enterprise_name = forms.CharField(label=_("Enterprise name"), max_length=200, required=False)
    enterprise_uscc = forms.CharField(
        label=_("Unified social credit code"), max_length=18, required=False
    )
    confidential = forms.BooleanField(label=_("Confidential"), required=False)
    emergency = forms.BooleanField(label=_("Emergency: transfer at once"), required=False)
    transferred_to = forms.ChoiceField(
        label=_("Transfer to"),
        choices=_blank(_("—")) + list(EmergencyService.choices),
        required=False,
    )
    exclusion_reason = forms.ChoiceField(
        label=_("Not accepted because"),
        choices=_blank(_("— accepted —")) + list(ExclusionReason.choices),
        required=False,
    )
    # The unit the operator confirmed among the dispatch suggestions (empty: the catalogue).
    dispatch_unit_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    # 直接答复 from a knowledge-base article (the button's value).
    article_id = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        enterprise = data.get("requester_kind") == RequesterKind.ENTERPRISE
        if enterprise and not (data.get("enterprise_name") or "").strip():
            self.add_error("enterprise_name", _("Give the enterprise's name."))
        if data.get("emergency") and not data.get("transferred_to"):
            self.add_error(
                "transferred_to", _("An emergency is transferred to 110, 119, 120 or 122.")
            )
        return data


class PublicRequestForm(BootstrapForm):
    """诉求 filed online by a signed-in citizen or enterprise user."""

    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    title = forms.CharField(label=_("Subject"), max_length=200, required=False)
    content = forms.CharField(
        label=_("Your request"),
        max_length=CONTENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    address = forms.CharField(label=_("Address concerned"), max_length=300, required=False)
    requester_name = forms.CharField(label=_("Your name"), max_length=100)
    contact_phone = forms.CharField(
        label=_("Contact phone"),
        max_length=20,
        help_text=_("We call you back on this number; you also need it to track the request."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    confidential = forms.BooleanField(
        label=_("Keep my name and phone confidential from the handling unit"), required=False
    )


class RatingForm(BootstrapForm):
    rating = forms.ChoiceField(label=_("How satisfied are you?"), widget=forms.RadioSelect)
    solved = forms.TypedChoiceField(
        label=_("Was your problem solved?"),
        choices=[("1", _("Solved")), ("0", _("Not solved"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("Comment"), max_length=500, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        from yiwang.hotline.choices import Rating

        super().__init__(*args, **kwargs)
        self.fields["rating"].choices = Rating.choices
        for name in ("rating", "solved"):
            self.fields[name].widget.attrs["class"] = "form-check-input"
