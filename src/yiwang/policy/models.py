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

States move only through ``policy.services`` (explicit transition tables); ``revision``
counts saves so that two concurrent edits resolve to one winner (409 for the other).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from yiwang.policy.choices import DocumentStatus, ItemKind, ItemStatus


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
