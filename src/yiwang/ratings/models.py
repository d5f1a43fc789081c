"""好差评: the service events people rate, their ratings, 差评 handling and appeals.

* :class:`ServiceEvent` (评价对象) is one service delivered to one person: an application's
  办结, a window service, a 12345 order's closure. Other apps record it through
  ``ratings.facade.service_event_record``; it is unique by its subject (app label + key).
* :class:`Rating` is the one rating of an event (a database-unique one-to-one), on the five
  levels with the channel's dimensions. A 差评 carries its handling (核实 → 整改 → 反馈 →
  办结) on the same row; an :class:`Appeal` (申诉复核) may exclude it from the statistics.
* :class:`RatingPolicy` (one row) holds the configurable numbers: the rating window in
  natural days and the verification and rectification limits in working days.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from yiwang.ratings.choices import AppealDecision, Channel, Handling, Level, Source


class RatingPolicy(models.Model):
    """The configurable rules of 好差评 (one row; edited in the admin, audited)."""

    rate_window_days = models.PositiveSmallIntegerField(
        _("rating window (natural days)"),
        default=7,
        help_text=_(
            "Without a rating within this many natural days the service counts as neutral."
        ),
    )
    verify_working_days = models.PositiveSmallIntegerField(
        _("verification callback limit (working days)"), default=1
    )
    rectify_working_days = models.PositiveSmallIntegerField(
        _("rectification limit (working days)"), default=15
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("rating policy")
        verbose_name_plural = _("rating policy")
        constraints = [
            models.CheckConstraint(
                condition=Q(rate_window_days__gte=1) & Q(rate_window_days__lte=90),
                name="ratings_policy_window_1_90",
            ),
            models.CheckConstraint(
                condition=Q(rectify_working_days__gte=1), name="ratings_policy_rectify_positive"
            ),
        ]

    def __str__(self) -> str:
        return str(_("Rating policy"))


class ServiceEvent(models.Model):
    """评价对象: one service delivered to one person, rateable until ``rate_deadline``."""

    subject_app = models.CharField(_("subject app"), max_length=20)
    subject_key = models.CharField(_("subject key"), max_length=64)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    item_code = models.CharField(_("item code"), max_length=64)
    item_name = models.CharField(_("item name"), max_length=200)
    organisation = models.ForeignKey(
        "core.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("serving organisation"),
    )
    district = models.ForeignKey(
        "core.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("district"),
        help_text=_("The district or functional area above the organisation; empty: city level."),
    )
    served_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("person served"),
    )
    served_phone_digest = models.CharField(max_length=64, blank=True, editable=False)
    served_phone_encrypted = models.TextField(blank=True, editable=False)
    served_phone_masked = models.CharField(_("phone"), max_length=20, blank=True, editable=False)
    served_at = models.DateTimeField(_("served at"))
    rate_deadline = models.DateTimeField(
        _("rate by"),
        null=True,
        blank=True,
        help_text=_("Empty while the service is reopened (no rating, no default)."),
    )
    rated = models.BooleanField(_("rated"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("service event")
        verbose_name_plural = _("service events")
        ordering = ["-served_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["subject_app", "subject_key"], name="ratings_event_subject_unique"
            ),
            models.CheckConstraint(
                condition=Q(served_user__isnull=False) | ~Q(served_phone_digest=""),
                name="ratings_event_has_rater",
            ),
        ]
        indexes = [
            # the default sweep reads only unrated events whose window has closed
            models.Index(
                fields=["rate_deadline"],
                condition=Q(rated=False),
                name="ratings_event_unrated_deadline",
            ),
            models.Index(fields=["served_user", "rated"], name="ratings_event_user"),
            models.Index(fields=["served_phone_digest"], name="ratings_event_phone"),
            models.Index(fields=["served_at"], name="ratings_event_served_at"),
        ]

    def __str__(self) -> str:
        return f"{self.subject_app}:{self.subject_key}"


class Rating(models.Model):
    """The rating of one service event; a 差评 also carries its handling."""

    event = models.OneToOneField(
        ServiceEvent, on_delete=models.CASCADE, related_name="rating", verbose_name=_("service")
    )
    level = models.CharField(_("rating"), max_length=20, choices=Level.choices)
    dimensions = models.JSONField(_("dimension scores"), default=dict, blank=True)
    comment = models.TextField(_("comment"), max_length=500, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    rater = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("rated by"),
    )
    rated_at = models.DateTimeField(_("rated at"))
    excluded = models.BooleanField(
        _("excluded from statistics"),
        default=False,
        help_text=_("An upheld appeal found the rating wrongful or malicious."),
    )
    # 差评 handling
    handling = models.CharField(
        _("handling"), max_length=12, choices=Handling.choices, blank=True, default=""
    )
    held_handling = models.CharField(
        _("handling before the appeal"), max_length=12, choices=Handling.choices, blank=True
    )
    verify_deadline = models.DateTimeField(_("verify by"), null=True, blank=True)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verification_note = models.TextField(_("verification result"), max_length=1000, blank=True)
    rectify_deadline = models.DateTimeField(_("rectify by"), null=True, blank=True)
    rectified_at = models.DateTimeField(_("rectified at"), null=True, blank=True)
    rectified_late = models.BooleanField(_("rectified after the deadline"), default=False)
    rectification_note = models.TextField(_("rectification"), max_length=1000, blank=True)
    feedback_at = models.DateTimeField(_("feedback given at"), null=True, blank=True)
    feedback_text = models.TextField(_("feedback to the rater"), max_length=1000, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        ordering = ["-rated_at", "-id"]
        constraints = [
            # every 差评 is handled; a 好评 never is
            models.CheckConstraint(
                condition=(Q(level__in=["dissatisfied", "very_dissatisfied"]) & ~Q(handling=""))
                | (~Q(level__in=["dissatisfied", "very_dissatisfied"]) & Q(handling="")),
                name="ratings_rating_negative_handled",
            ),
        ]
        indexes = [
            models.Index(fields=["handling"], name="ratings_rating_handling"),
        ]

    def __str__(self) -> str:
        return f"{self.event} · {self.get_level_display()}"


class Appeal(models.Model):
    """申诉复核: the department contests a wrongful or malicious rating; the service authority
    decides (upheld → the rating is excluded from statistics; rejected → it stands)."""

    rating = models.OneToOneField(
        Rating, on_delete=models.CASCADE, related_name="appeal", verbose_name=_("rating")
    )
    reason = models.TextField(_("reason"), max_length=1000)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("filed by"),
    )
    filed_at = models.DateTimeField(_("filed at"))
    decision = models.CharField(
        _("appeal decision"), max_length=10, choices=AppealDecision.choices, blank=True, default=""
    )
    decision_note = models.TextField(_("decision note"), max_length=1000, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("appeal decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        ordering = ["-filed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.rating.event} · {self.get_decision_display()}"
