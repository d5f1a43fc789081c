"""一企一档: one file per enterprise.

* :class:`Enterprise` holds the typed profile the policies' eligibility rules read (see
  :mod:`yiwang.registry.fields` for the catalogue of matchable fields); ``field_sources``
  says which department each value came from.
* :class:`Qualification` — 高新技术企业, 专精特新 … with their validity dates.
* :class:`ProfileChange` is the history of every value (old, new, source) and, by its
  increasing id, the change feed the policy matching engine follows.
* :class:`ImportJob` — a streamed CSV/Excel import with progress and a row-level error report.

Money is in 10,000 yuan (万元), as the statistical and tax returns state it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.core.validators import validate_uscc
from yiwang.registry.choices import (
    CreditRating,
    ImportFormat,
    JobStatus,
    OperatingStatus,
    QualificationKind,
    Scale,
    Source,
)

MONEY = {"max_digits": 16, "decimal_places": 2, "null": True, "blank": True}


class Enterprise(models.Model):
    uscc = models.CharField(
        _("unified social credit code"), max_length=18, unique=True, validators=[validate_uscc]
    )
    name = models.CharField(_("enterprise name"), max_length=200)
    legal_representative = models.CharField(_("legal representative"), max_length=50, blank=True)
    address = models.CharField(_("registered address"), max_length=300, blank=True)
    city = models.ForeignKey(
        "core.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("city"),
    )
    district = models.ForeignKey(
        "core.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("district"),
    )
    street = models.ForeignKey(
        "core.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("street"),
    )
    park = models.CharField(_("industrial park"), max_length=100, blank=True)
    industry = models.CharField(
        _("industry (GB/T 4754)"),
        max_length=5,
        db_index=True,
        help_text=_("Section letter and 2–4 digits, e.g. C3911."),
    )
    scale = models.CharField(_("scale"), max_length=10, choices=Scale.choices)
    scale_stated = models.BooleanField(
        _("scale stated"),
        default=False,
        help_text=_("Stated by a source rather than derived by the statistical rule."),
    )
    founded_on = models.DateField(_("founding date"), null=True, blank=True)
    registered_capital = models.DecimalField(_("registered capital (10,000 yuan)"), **MONEY)
    employees = models.PositiveIntegerField(_("employees"), null=True, blank=True)
    revenue = models.DecimalField(_("operating revenue (10,000 yuan)"), **MONEY)
    total_assets = models.DecimalField(_("total assets (10,000 yuan)"), **MONEY)
    tax_paid = models.DecimalField(_("tax paid (10,000 yuan)"), **MONEY)
    rd_spend = models.DecimalField(_("R&D spend (10,000 yuan)"), **MONEY)
    credit_rating = models.CharField(
        _("tax credit rating"), max_length=1, choices=CreditRating.choices, blank=True
    )
    invention_patents = models.PositiveIntegerField(_("invention patents"), default=0)
    utility_patents = models.PositiveIntegerField(_("utility model patents"), default=0)
    software_copyrights = models.PositiveIntegerField(_("software copyrights"), default=0)
    trademarks = models.PositiveIntegerField(_("registered trademarks"), default=0)
    status = models.CharField(
        _("operating status"),
        max_length=10,
        choices=OperatingStatus.choices,
        default=OperatingStatus.OPERATING,
        db_index=True,
    )
    field_sources = models.JSONField(_("source of each field"), default=dict, blank=True)
    version = models.PositiveIntegerField(_("profile version"), default=1)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        ordering = ["pk"]
        indexes = [
            models.Index(fields=["city", "district"], name="registry_ent_city_district"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(revenue__isnull=True) | Q(revenue__gte=0),
                name="registry_ent_revenue_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(rd_spend__isnull=True) | Q(rd_spend__gte=0),
                name="registry_ent_rd_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.uscc})"


class Qualification(models.Model):
    enterprise = models.ForeignKey(
        Enterprise,
        on_delete=models.CASCADE,
        related_name="qualifications",
        verbose_name=_("enterprise"),
    )
    kind = models.CharField(_("qualification"), max_length=20, choices=QualificationKind.choices)
    certificate_no = models.CharField(_("certificate number"), max_length=50, blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"))
    source = models.CharField(_("source"), max_length=12, choices=Source.choices)

    class Meta:
        verbose_name = _("qualification")
        verbose_name_plural = _("qualifications")
        ordering = ["enterprise", "kind", "valid_from"]
        indexes = [models.Index(fields=["kind", "valid_to"], name="registry_qual_kind_to")]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "kind", "valid_from"], name="registry_qual_unique"
            ),
            models.CheckConstraint(
                condition=Q(valid_to__gte=F("valid_from")), name="registry_qual_dates_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.valid_from}–{self.valid_to}"


class EnterpriseTag(models.Model):
    """A free tag of an enterprise (外贸, 老字号 …): rows rather than a JSON list, so that "has
    any of these tags" is an indexed lookup on every database."""

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, related_name="tags", verbose_name=_("enterprise")
    )
    tag = models.CharField(_("tag"), max_length=20, db_index=True)

    class Meta:
        verbose_name = _("enterprise tag")
        verbose_name_plural = _("enterprise tags")
        ordering = ["enterprise", "tag"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "tag"], name="registry_tag_unique")
        ]

    def __str__(self) -> str:
        return self.tag


def _import_upload_to(job: ImportJob, filename: str) -> str:
    return f"registry/imports/{timezone.now():%Y/%m}/{filename}"


class ImportJob(models.Model):
    """One file imported into the registry (统一社会信用代码 keyed CSV or .xlsx): its status,
    progress (rows read, bytes read of ``size``) for the page, counts, the first 1,000 row
    errors and the full error report (``error_file``, CSV)."""

    file_name = models.CharField(_("file"), max_length=255)
    file = models.FileField(
        _("uploaded file"), upload_to=_import_upload_to, max_length=300, blank=True
    )
    format = models.CharField(
        _("format"), max_length=4, choices=ImportFormat.choices, default=ImportFormat.CSV
    )
    encoding = models.CharField(_("detected encoding"), max_length=20, blank=True)
    city = models.ForeignKey(
        "core.Organisation",
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("city"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    source = models.CharField(_("source"), max_length=12, choices=Source.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("started by"),
    )
    size = models.PositiveBigIntegerField(_("file size (bytes)"), default=0)
    bytes_read = models.PositiveBigIntegerField(_("bytes read"), default=0)
    rows = models.PositiveIntegerField(_("rows read"), default=0)
    created = models.PositiveIntegerField(_("enterprises created"), default=0)
    updated = models.PositiveIntegerField(_("enterprises updated"), default=0)
    unchanged = models.PositiveIntegerField(_("rows without change"), default=0)
    failed = models.PositiveIntegerField(_("rows refused"), default=0)
    unknown_columns = models.JSONField(_("unknown columns"), default=list, blank=True)
    errors = models.JSONField(_("row errors (first 1,000)"), default=list, blank=True)
    error_file = models.FileField(
        _("error report"), upload_to=_import_upload_to, max_length=300, blank=True
    )
    message = models.TextField(_("message"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last progress at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("enterprise import")
        verbose_name_plural = _("enterprise imports")
        ordering = ["-pk"]
        indexes = [models.Index(fields=["status", "heartbeat_at"], name="registry_job_status")]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"

    @property
    def percent(self) -> int:
        """Progress for the page: bytes read of the file (100 once finished)."""
        if self.status in (JobStatus.DONE, JobStatus.FAILED):
            return 100
        if not self.size:
            return 0
        return min(99, int(100 * self.bytes_read / self.size))

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)


class ProfileChange(models.Model):
    """One value of one enterprise changed (or set at creation: ``old`` is null)."""

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, related_name="changes", verbose_name=_("enterprise")
    )
    field = models.CharField(_("field"), max_length=40)
    old = models.JSONField(_("old value"), null=True, blank=True)
    new = models.JSONField(_("new value"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=12, choices=Source.choices)
    job = models.ForeignKey(
        ImportJob,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("import"),
    )
    at = models.DateTimeField(_("changed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("profile change")
        verbose_name_plural = _("profile changes")
        ordering = ["pk"]
        indexes = [models.Index(fields=["enterprise", "field"], name="registry_change_ent_field")]

    def __str__(self) -> str:
        return f"{self.enterprise_id}.{self.field}"
