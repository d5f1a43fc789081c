"""Applications (办件) for published service items and everything that happens to them.

* :class:`Case` is one application for one implementation item, or — for a 一件事 bundle — the
  parent that the applicant sees, with one sub-case per item routed to its implementing body
  (联合办理). Clock fields hold the legal time limit (domain.md §3); the workflow is in
  ``services/workflow.py`` as an explicit transition table.
* :class:`Material` is one uploaded file for one material of the item's list (slot code), its
  type sniffed from the bytes; an upload during 补正 supersedes the earlier one.
* :class:`CaseEvent` is the append-only timeline; :class:`CorrectionNotice`,
  :class:`ClockPause` and :class:`Extension` record 补正, 特别程序 and 延期.
* :class:`FormDefinition` is the configurable application form of a basic item;
  :class:`ClockPolicy` the thresholds an administrator edits (yellow warning, 补正 windows,
  upload size).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from yiwang.cases.choices import (
    ApplicantKind,
    CaseAction,
    CaseStatus,
    Decision,
    DeliveryMethod,
    PauseReason,
    WarningLevel,
)
from yiwang.core import pii


class ClockPolicy(models.Model):
    """时限与预警规则: thresholds of the case clock. Versioned like the hotline's SLA policies:
    a change adds a row with the next ``version``; the latest active row applies."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    yellow_working_days = models.PositiveSmallIntegerField(
        _("yellow warning at working days left"), default=1
    )
    acceptance_days = models.PositiveSmallIntegerField(
        _("days to accept or ask for correction (working days)"),
        default=5,
        help_text=_("行政许可法 §32: otherwise the application counts as accepted on receipt."),
    )
    correction_days = models.PositiveSmallIntegerField(
        _("days the applicant has to correct (working days)"), default=20
    )
    delivery_days = models.PositiveSmallIntegerField(
        _("days to deliver after approval (working days)"), default=10
    )
    max_upload_mb = models.PositiveSmallIntegerField(_("largest material file (MB)"), default=20)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("case clock policy")
        verbose_name_plural = _("case clock policies")
        ordering = ["-version"]
        constraints = [
            models.CheckConstraint(
                condition=Q(acceptance_days__gte=1) & Q(delivery_days__gte=1),
                name="cases_policy_days_positive",
            ),
            models.CheckConstraint(
                condition=Q(max_upload_mb__gte=1) & Q(max_upload_mb__lte=200),
                name="cases_policy_upload_range",
            ),
        ]

    def __str__(self) -> str:
        return f"v{self.version}"


class FormDefinition(models.Model):
    """The application form of a basic item (申请表): configurable fields, validated at submit.

    ``fields``: ``[{"name", "label", "type", "required", "choices", "max_length", "help"}]``
    (types in :class:`~yiwang.cases.choices.FieldType`). ``material_conditions``:
    ``[{"material": <material name>, "field": <field name>, "equals": <value>}]`` — the
    conditional material is required when the field has that value.
    """

    basic_code = models.CharField(_("basic item code"), max_length=32, unique=True)
    title = models.CharField(_("form title"), max_length=200)
    fields = models.JSONField(_("fields"), default=list)
    material_conditions = models.JSONField(_("conditional materials"), default=list, blank=True)
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("application form")
        verbose_name_plural = _("application forms")
        ordering = ["basic_code"]

    def __str__(self) -> str:
        return f"{self.title} ({self.basic_code})"


class CaseCounter(models.Model):
    """Per day sequence for case numbers (row-locked by an UPDATE)."""

    day = models.DateField(unique=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("case number counter")
        verbose_name_plural = _("case number counters")

    def __str__(self) -> str:
        return f"{self.day}: {self.last}"


class Case(models.Model):
    """办件: one application (or the parent of a 一件事 bundle application)."""

    number = models.CharField(_("case number"), max_length=32, unique=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="sub_cases",
        verbose_name=_("bundle application"),
    )
    bundle_code = models.CharField(_("bundle (life event code)"), max_length=16, blank=True)
    # who
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("applicant account"),
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("agent (帮办代办)"),
    )
    applicant_kind = models.CharField(
        _("applicant kind"), max_length=16, choices=ApplicantKind.choices
    )
    applicant_name = models.CharField(_("applicant name"), max_length=200)
    id_number_encrypted = models.TextField(_("identity number (encrypted)"), blank=True)
    id_number_masked = models.CharField(_("identity number"), max_length=18, blank=True)
    uscc = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=100, blank=True)
    phone = models.CharField(_("contact phone"), max_length=20)
    # what
    item = models.ForeignKey(
        "catalog.ImplementationItem",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("implementation item"),
    )
    item_version = models.ForeignKey(
        "catalog.ImplementationVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("version applied for"),
    )
    item_name = models.CharField(_("item name"), max_length=200)
    basic_code = models.CharField(_("basic item code"), max_length=32, blank=True)
    organisation = models.ForeignKey(
        "core.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("handling organisation"),
    )
    district = models.ForeignKey(
        "core.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("district"),
    )
    form_data = models.JSONField(_("form"), default=dict, blank=True)
    declared_conditions = models.JSONField(
        _("conditional materials that apply"), default=list, blank=True
    )
    slots = models.JSONField(_("materials asked for"), default=list, blank=True)
    steps = models.JSONField(_("procedure steps"), default=list, blank=True)
    step_index = models.PositiveSmallIntegerField(_("steps done"), default=0)
    status = models.CharField(
        _("status"), max_length=16, choices=CaseStatus.choices, default=CaseStatus.SUBMITTED
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    # the clock
    limit_value = models.PositiveSmallIntegerField(_("promised time limit"))
    limit_unit = models.CharField(_("time limit unit"), max_length=12)
    legal_limit_value = models.PositiveSmallIntegerField(_("legal time limit"), default=0)
    joint = models.BooleanField(_("joint or centralised handling"), default=False)
    submitted_at = models.DateTimeField(_("submitted at"))
    received_at = models.DateTimeField(
        _("complete materials received at"),
        help_text=_("The clock counts from the day after (after 补正: the corrected materials)."),
    )
    acceptance_deadline = models.DateTimeField(_("accept or ask for correction by"), null=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True, db_index=True)
    paused_days = models.PositiveSmallIntegerField(
        _("days excluded (special procedures)"), default=0
    )
    extension_days = models.PositiveSmallIntegerField(_("days of extension"), default=0)
    warning_level = models.CharField(
        _("warning"), max_length=8, choices=WarningLevel.choices, default=WarningLevel.NORMAL
    )
    check_at = models.DateTimeField(
        _("next clock check"),
        null=True,
        blank=True,
        db_index=True,
        help_text=_("When the sweep next has something to do for this case."),
    )
    decision = models.CharField(_("decision"), max_length=8, choices=Decision.choices, blank=True)
    decision_reasons = models.TextField(_("reasons of the decision"), blank=True, max_length=2000)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    refusal_reason = models.TextField(_("reason for not accepting"), blank=True, max_length=2000)
    refer_to = models.CharField(_("competent authority to turn to"), max_length=200, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    delivery_deadline = models.DateTimeField(_("deliver by"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    delivery_method = models.CharField(
        _("delivery"), max_length=12, choices=DeliveryMethod.choices, blank=True
    )
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["applicant", "id"], name="cases_case_applicant"),
            models.Index(fields=["organisation", "status"], name="cases_case_org_status"),
            models.Index(fields=["status", "submitted_at"], name="cases_case_status_submitted"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(decision="") | Q(decided_at__isnull=False),
                name="cases_case_decision_dated",
            ),
            models.CheckConstraint(
                condition=~Q(decision="deny") | ~Q(decision_reasons=""),
                name="cases_case_denial_has_reasons",
            ),
            models.CheckConstraint(
                condition=~Q(status="refused") | ~Q(refusal_reason=""),
                name="cases_case_refusal_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(id_number_masked="") | ~Q(uscc=""),
                name="cases_case_applicant_identified",
            ),
            models.CheckConstraint(
                condition=Q(item__isnull=False) | Q(parent__isnull=True),
                name="cases_case_sub_case_has_item",
            ),
            models.CheckConstraint(
                condition=Q(received_at__gte=F("submitted_at")),
                name="cases_case_received_after_submitted",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def masked_phone(self) -> str:
        return pii.mask_phone(self.phone)

    @property
    def masked_identity(self) -> str:
        return self.id_number_masked or self.uscc

    def set_id_number(self, number: str) -> None:
        self.id_number_encrypted = pii.encrypt(number)
        self.id_number_masked = pii.mask_id_number(number)

    def reveal_id_number(self) -> str:
        return pii.decrypt(self.id_number_encrypted) if self.id_number_encrypted else ""


class Material(models.Model):
    """One uploaded file for one material (slot) of a case; superseded on 补正."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="materials")
    slot = models.CharField(_("material code"), max_length=16)
    material_name = models.CharField(_("material"), max_length=300)
    file = models.FileField(_("file"), upload_to="cases/%Y/%m/")
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"))
    superseded_by = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("superseded by"),
    )

    class Meta:
        verbose_name = _("material")
        verbose_name_plural = _("materials")
        ordering = ["slot", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "slot"],
                condition=Q(superseded_by__isnull=True),
                name="cases_material_one_current_per_slot",
            )
        ]

    def __str__(self) -> str:
        return f"{self.slot} {self.name}"


class CaseEvent(models.Model):
    """Append-only timeline entry of a case."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=20, choices=CaseAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    from_status = models.CharField(_("from status"), max_length=16, blank=True)
    to_status = models.CharField(_("to status"), max_length=16, blank=True)
    note = models.TextField(_("note"), blank=True)
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.action}"


class CorrectionNotice(models.Model):
    """一次性告知: ONE notice listing ALL corrections, with the applicant's deadline."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="corrections")
    items = models.JSONField(_("corrections"), default=list)
    note = models.TextField(_("note"), blank=True, max_length=2000)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("issued by"),
    )
    issued_at = models.DateTimeField(_("issued at"))
    deadline = models.DateTimeField(_("correct by"))
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("correction notice")
        verbose_name_plural = _("correction notices")
        ordering = ["issued_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(resolved_at__isnull=True),
                name="cases_correction_one_open",
            ),
            models.CheckConstraint(
                condition=Q(deadline__gt=F("issued_at")), name="cases_correction_deadline_after"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.issued_at:%Y-%m-%d}"


class ClockPause(models.Model):
    """特别程序: a period excluded from the time limit."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="pauses")
    reason = models.CharField(_("procedure"), max_length=16, choices=PauseReason.choices)
    note = models.TextField(_("note"), blank=True, max_length=2000)
    started_at = models.DateTimeField(_("started at"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    days = models.PositiveSmallIntegerField(_("days excluded"), default=0)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("started by"),
    )

    class Meta:
        verbose_name = _("special procedure")
        verbose_name_plural = _("special procedures")
        ordering = ["started_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=Q(ended_at__isnull=True), name="cases_pause_one_open"
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=F("started_at")),
                name="cases_pause_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.reason}"


class Extension(models.Model):
    """延期 (行政许可法 §42): once per case, approved and notified before expiry."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="extension")
    days = models.PositiveSmallIntegerField(_("days added"))
    reason = models.TextField(_("reason"), max_length=2000)
    approver = models.CharField(_("approved by (head of the authority)"), max_length=100)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    previous_deadline = models.DateTimeField(_("deadline before"))
    new_deadline = models.DateTimeField(_("deadline after"))
    notified_at = models.DateTimeField(_("applicant notified at"))

    class Meta:
        verbose_name = _("extension")
        verbose_name_plural = _("extensions")
        constraints = [
            models.CheckConstraint(
                condition=Q(notified_at__lt=F("previous_deadline")),
                name="cases_extension_before_expiry",
            ),
            models.CheckConstraint(
                condition=Q(new_deadline__gt=F("previous_deadline")),
                name="cases_extension_later",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} +{self.days}"
