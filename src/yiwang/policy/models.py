"""Policy documents and the items they are split into (政企直通).

* :class:`PolicyDocument` — one policy as issued (title, issuing organisation, 文号, dates,
  validity, full text, 解读) with its :class:`PolicyAttachment` files. ``listed_at`` records
  when it was first published here, and ``listed_on_time`` whether that was within 7 working
  days of its issue date (domain.md §6, the 直达快享 rule), computed by ``worktime``.
* :class:`PolicyItem` — one benefit of a document (减免 / 奖补 / 权益 / 资质) with its
  eligibility rule (the AST of :mod:`yiwang.policy.rules` and its canonical text), the
  免申即享 flag, the application window, materials and contact. ``version`` counts
  publications; a published item is what the matching engine and the push act on.
* :class:`PolicyFAQ` — questions and answers of an item; the public ones are shown with it.
* :class:`PushJob` / :class:`Push` — the precise push: a job fans an item out to the
  enterprises its rule matches, one :class:`Push` per item and enterprise (unique: an enterprise
  is told about an item once), with its delivery and read status.
* :class:`Grant` — 免申即享: the benefit granted to a qualifying enterprise without an
  application (unique per item and enterprise), approved → paid by the department.
* :class:`QuickApplication` — 快申快享: a prefilled application the enterprise confirmed, to be
  honoured within 60 working days.
* :class:`Question` — an enterprise's question on an item, answered by the issuing department
  within a working-time limit; a good answer becomes a public FAQ.

States move only through ``policy.services`` (explicit transition tables); ``revision``
counts saves so that two concurrent edits resolve to one winner (409 for the other).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from yiwang.policy.choices import (
    ApplicationStatus,
    DocumentStatus,
    GrantStatus,
    ItemKind,
    ItemStatus,
    PushJobStatus,
    PushStatus,
    PushTrigger,
    QuestionStatus,
)


class PolicyDocument(models.Model):
    title = models.CharField(_("policy title"), max_length=200)
    organisation = models.ForeignKey(
        "core.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("issuing organisation"),
    )
    document_number = models.CharField(
        _("document number (文号)"),
        max_length=40,
        help_text=_("Issuer, year in 〔〕 and serial number, e.g. 珠府〔2026〕12号."),
    )
    issue_date = models.DateField(_("issue date"))
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective until"), null=True, blank=True)
    full_text = models.TextField(_("full text"), blank=True)
    interpretation = models.TextField(_("policy interpretation (解读)"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=DocumentStatus.choices, default=DocumentStatus.DRAFT
    )
    listed_at = models.DateTimeField(_("listed at"), null=True, blank=True)
    listed_on_time = models.BooleanField(
        _("listed within 7 working days"),
        null=True,
        blank=True,
        help_text=_("Whether the document was listed within 7 working days of its issue date."),
    )
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdraw_reason = models.CharField(_("reason for withdrawal"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    revision = models.PositiveIntegerField(_("revision"), default=1)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("policy document")
        verbose_name_plural = _("policy documents")
        ordering = ["-issue_date", "-pk"]
        indexes = [models.Index(fields=["status", "issue_date"], name="policy_doc_status_date")]
        constraints = [
            models.UniqueConstraint(fields=["document_number"], name="policy_doc_number_unique"),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gte=F("effective_from")),
                name="policy_doc_validity_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title}（{self.document_number}）"


class PolicyAttachment(models.Model):
    """A file of a document (the signed original, forms, tables); its type is sniffed from the
    bytes (``core.files``), the user's file name is only metadata."""

    document = models.ForeignKey(
        PolicyDocument,
        on_delete=models.CASCADE,
        related_name="attachments",
        verbose_name=_("policy document"),
    )
    file = models.FileField(_("file"), upload_to="policy/%Y/%m/")
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
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("policy attachment")
        verbose_name_plural = _("policy attachments")
        ordering = ["document", "pk"]

    def __str__(self) -> str:
        return self.name


class PolicyItem(models.Model):
    document = models.ForeignKey(
        PolicyDocument,
        on_delete=models.PROTECT,
        related_name="items",
        verbose_name=_("policy document"),
    )
    title = models.CharField(_("item title"), max_length=200)
    kind = models.CharField(_("item kind"), max_length=14, choices=ItemKind.choices)
    benefit = models.TextField(_("benefit"), help_text=_("What a qualifying enterprise gets."))
    amount_cap = models.DecimalField(
        _("amount cap (10,000 yuan)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    window_start = models.DateField(_("applications from"), null=True, blank=True)
    window_end = models.DateField(_("applications until"), null=True, blank=True)
    materials = models.JSONField(_("materials"), default=list, blank=True)
    contact_department = models.CharField(_("contact department"), max_length=100, blank=True)
    contact_phone = models.CharField(_("contact telephone"), max_length=24, blank=True)
    rule = models.JSONField(_("eligibility rule"), null=True, blank=True)
    rule_text = models.TextField(_("eligibility rule (text)"), blank=True)
    exempt_application = models.BooleanField(
        _("granted without application (免申即享)"),
        default=False,
        help_text=_("Only when every condition is verifiable from registry data."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ItemStatus.choices, default=ItemStatus.DRAFT
    )
    version = models.PositiveIntegerField(
        _("published version"), default=0, help_text=_("Incremented on each publication.")
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdraw_reason = models.CharField(_("reason for withdrawal"), max_length=500, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    revision = models.PositiveIntegerField(_("revision"), default=1)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("policy item")
        verbose_name_plural = _("policy items")
        ordering = ["document", "sort_order", "pk"]
        indexes = [models.Index(fields=["status", "document"], name="policy_item_status_doc")]
        constraints = [
            models.CheckConstraint(
                condition=Q(window_start__isnull=True)
                | Q(window_end__isnull=True)
                | Q(window_end__gte=F("window_start")),
                name="policy_item_window_ordered",
            ),
            models.CheckConstraint(
                condition=Q(amount_cap__isnull=True) | Q(amount_cap__gte=0),
                name="policy_item_cap_not_negative",
            ),
            models.CheckConstraint(
                condition=~Q(status=ItemStatus.PUBLISHED) | Q(version__gte=1),
                name="policy_item_published_has_version",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class PolicyFAQ(models.Model):
    item = models.ForeignKey(
        PolicyItem, on_delete=models.CASCADE, related_name="faqs", verbose_name=_("policy item")
    )
    question = models.CharField(_("question"), max_length=500)
    answer = models.TextField(_("answer"))
    public = models.BooleanField(_("public"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("policy FAQ")
        verbose_name_plural = _("policy FAQs")
        ordering = ["item", "sort_order", "pk"]

    def __str__(self) -> str:
        return self.question


class PushJob(models.Model):
    """One fan-out of an item to the enterprises it matches, with its progress."""

    item = models.ForeignKey(
        PolicyItem,
        on_delete=models.CASCADE,
        related_name="push_jobs",
        verbose_name=_("policy item"),
    )
    version = models.PositiveIntegerField(_("item version"))
    trigger = models.CharField(_("trigger"), max_length=12, choices=PushTrigger.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=PushJobStatus.choices, default=PushJobStatus.QUEUED
    )
    run_at = models.DateTimeField(_("run at"), null=True, blank=True)
    matched = models.PositiveIntegerField(_("enterprises matched"), default=0)
    created_pushes = models.PositiveIntegerField(_("new pushes"), default=0)
    skipped = models.PositiveIntegerField(_("already pushed"), default=0)
    sent = models.PositiveIntegerField(_("notices sent"), default=0)
    grants = models.PositiveIntegerField(_("grants created"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("started by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last progress at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    message = models.TextField(_("message"), blank=True)

    class Meta:
        verbose_name = _("push job")
        verbose_name_plural = _("push jobs")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "run_at"], name="policy_pushjob_status_run")]
        constraints = [
            # at most one job fans an item out at a time
            models.UniqueConstraint(
                fields=["item"],
                condition=Q(status__in=[PushJobStatus.QUEUED, PushJobStatus.RUNNING]),
                name="policy_pushjob_one_active",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item} #{self.pk}"


class Push(models.Model):
    """An item's notice to one enterprise: its in-app inbox entry and delivery status."""

    item = models.ForeignKey(
        PolicyItem, on_delete=models.CASCADE, related_name="pushes", verbose_name=_("policy item")
    )
    enterprise = models.ForeignKey(
        "registry.Enterprise",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("enterprise"),
    )
    job = models.ForeignKey(
        PushJob,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="pushes",
        verbose_name=_("push job"),
    )
    version = models.PositiveIntegerField(_("item version"))
    status = models.CharField(
        _("status"), max_length=12, choices=PushStatus.choices, default=PushStatus.PENDING
    )
    message_ids = models.JSONField(_("notification messages"), default=list, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    read_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("read by"),
    )

    class Meta:
        verbose_name = _("policy push")
        verbose_name_plural = _("policy pushes")
        ordering = ["-pk"]
        constraints = [
            models.UniqueConstraint(fields=["item", "enterprise"], name="policy_push_unique"),
        ]
        indexes = [
            models.Index(fields=["enterprise", "-id"], name="policy_push_enterprise"),
            models.Index(fields=["item", "status"], name="policy_push_item_status"),
            models.Index(
                fields=["status", "id"],
                condition=Q(status__in=[PushStatus.PENDING, PushStatus.SENT]),
                name="policy_push_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item_id} → {self.enterprise_id}"


class Grant(models.Model):
    """免申即享: a benefit granted to one enterprise without an application."""

    item = models.ForeignKey(
        PolicyItem, on_delete=models.PROTECT, related_name="grants", verbose_name=_("policy item")
    )
    enterprise = models.ForeignKey(
        "registry.Enterprise",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("enterprise"),
    )
    version = models.PositiveIntegerField(_("item version"))
    amount = models.DecimalField(
        _("amount (10,000 yuan)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    status = models.CharField(
        _("disbursement status"),
        max_length=10,
        choices=GrantStatus.choices,
        default=GrantStatus.APPROVED,
    )
    approved_at = models.DateTimeField(_("approved at"))
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    payment_reference = models.CharField(_("payment reference"), max_length=60, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("updated by"),
    )
    revision = models.PositiveIntegerField(_("revision"), default=1)

    class Meta:
        verbose_name = _("grant (免申即享)")
        verbose_name_plural = _("grants (免申即享)")
        ordering = ["-approved_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["item", "enterprise"], name="policy_grant_unique"),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0),
                name="policy_grant_amount_not_negative",
            ),
            models.CheckConstraint(
                condition=~Q(status=GrantStatus.PAID) | Q(paid_at__isnull=False),
                name="policy_grant_paid_has_date",
            ),
        ]
        indexes = [
            models.Index(fields=["enterprise", "-approved_at"], name="policy_grant_enterprise"),
            models.Index(fields=["item", "status"], name="policy_grant_item_status"),
        ]

    def __str__(self) -> str:
        return f"{self.item_id} → {self.enterprise_id}"


class QuickApplication(models.Model):
    """快申快享: the enterprise confirmed a prefilled application; honoured within a limit."""

    item = models.ForeignKey(
        PolicyItem,
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("policy item"),
    )
    enterprise = models.ForeignKey(
        "registry.Enterprise",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("enterprise"),
    )
    version = models.PositiveIntegerField(_("item version"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.SUBMITTED,
    )
    prefill = models.JSONField(_("prefilled data"), default=dict, blank=True)
    note = models.TextField(_("applicant's note"), blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("confirmed by"),
    )
    submitted_at = models.DateTimeField(_("submitted at"))
    due_at = models.DateTimeField(_("to be honoured by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    amount = models.DecimalField(
        _("amount (10,000 yuan)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    revision = models.PositiveIntegerField(_("revision"), default=1)

    class Meta:
        verbose_name = _("quick application (快申快享)")
        verbose_name_plural = _("quick applications (快申快享)")
        ordering = ["-submitted_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "enterprise"], name="policy_application_unique"
            ),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0),
                name="policy_application_amount_not_negative",
            ),
        ]
        indexes = [
            models.Index(fields=["enterprise", "-submitted_at"], name="policy_app_enterprise"),
            models.Index(fields=["status", "due_at"], name="policy_app_status_due"),
        ]

    def __str__(self) -> str:
        return f"{self.item_id} ← {self.enterprise_id}"


class Question(models.Model):
    """An enterprise's question on an item (政策咨询), answered by the issuing department."""

    item = models.ForeignKey(
        PolicyItem,
        on_delete=models.CASCADE,
        related_name="questions",
        verbose_name=_("policy item"),
    )
    enterprise = models.ForeignKey(
        "registry.Enterprise",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("enterprise"),
    )
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("asked by"),
    )
    question = models.TextField(_("question"))
    status = models.CharField(
        _("status"), max_length=10, choices=QuestionStatus.choices, default=QuestionStatus.OPEN
    )
    asked_at = models.DateTimeField(_("asked at"))
    due_at = models.DateTimeField(_("answer due by"))
    answer = models.TextField(_("answer"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answered by"),
    )
    faq = models.ForeignKey(
        PolicyFAQ,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published as FAQ"),
    )

    class Meta:
        verbose_name = _("policy question")
        verbose_name_plural = _("policy questions")
        ordering = ["-asked_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "due_at"], name="policy_question_status_due"),
            models.Index(fields=["item", "-asked_at"], name="policy_question_item"),
            models.Index(fields=["enterprise", "-asked_at"], name="policy_question_enterprise"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=QuestionStatus.ANSWERED) | Q(answered_at__isnull=False),
                name="policy_question_answered_has_date",
            ),
        ]

    def __str__(self) -> str:
        return self.question[:40]
