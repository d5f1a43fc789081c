"""Forms of the 好差评 pages: they parse input only; the services decide and write."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from yiwang.core.errors import DomainError
from yiwang.portal.facade import BootstrapForm
from yiwang.ratings.choices import Channel, Dimension, Level, dimensions_for

SCORES = [("", "—")] + [(str(n), str(n)) for n in range(5, 0, -1)]


class RateForm(BootstrapForm):
    """The five levels, the channel's dimensions (1–5 each) and a comment."""

    level = forms.ChoiceField(
        label=_("Your rating"), choices=Level.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required for a negative rating: say what went wrong."),
    )

    def __init__(self, *args, channel: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["level"].widget.attrs["class"] = "btn-check"
        labels = dict(Dimension.choices)
        for code in dimensions_for(channel):
            self.fields[f"dim_{code}"] = forms.TypedChoiceField(
                label=labels[code],
                choices=SCORES,
                coerce=int,
                required=False,
                empty_value=None,
                widget=forms.Select(attrs={"class": "form-select"}),
            )
        self.dimension_codes = dimensions_for(channel)

    def dimension_fields(self):
        return [self[f"dim_{code}"] for code in self.dimension_codes]

    def dimensions(self) -> dict[str, int]:
        return {
            code: self.cleaned_data[f"dim_{code}"]
            for code in self.dimension_codes
            if self.cleaned_data.get(f"dim_{code}") is not None
        }

    def add_service_error(self, exc: DomainError) -> None:
        for err in exc.errors:
            field = str(err.get("field") or "")
            if field.startswith("dimensions."):
                err["field"] = f"dim_{field.removeprefix('dimensions.')}"
        super().add_service_error(exc)


class StatsFilterForm(BootstrapForm):
    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    channel = forms.ChoiceField(
        label=_("Channel"), required=False, choices=[("", _("All channels")), *Channel.choices]
    )
    district = forms.TypedChoiceField(
        label=_("District"), required=False, coerce=int, empty_value=None, choices=[]
    )

    def __init__(self, *args, districts: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].choices = [("", _("All districts")), *districts]


class VerifyForm(BootstrapForm):
    note = forms.CharField(
        label=_("Verification result"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    rectify = forms.TypedChoiceField(
        label=_("Outcome"),
        choices=[
            ("1", _("Needs rectification (tracked, with a deadline)")),
            ("0", _("Put right on the spot or explained")),
        ],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rectify"].widget.attrs["class"] = "form-check-input"


class RectifyForm(BootstrapForm):
    note = forms.CharField(
        label=_("What was rectified"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )


class FeedbackForm(BootstrapForm):
    text = forms.CharField(
        label=_("Feedback to the rater"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class AppealForm(BootstrapForm):
    reason = forms.CharField(
        label=_("Why the rating is wrongful or malicious"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class DecideForm(BootstrapForm):
    upheld = forms.TypedChoiceField(
        label=_("Decision"),
        choices=[
            ("1", _("Uphold: exclude the rating from the statistics")),
            ("0", _("Reject: the rating stands")),
        ],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Reasons"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["upheld"].widget.attrs["class"] = "form-check-input"
