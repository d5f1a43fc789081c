"""Work orders of the 12345 hotline, their timeline, SLA policies and the dispatch catalogue."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.core import pii
from yiwang.hotline.choices import (
    Action,
    Category,
    Channel,
    Clock,
    EmergencyService,
    ExclusionReason,
    Lane,
    Rating,
    RequesterKind,
    SlaLevel,
    Status,
    TransferDirection,
    TransferState,
)

CONTENT_MAX_LENGTH = 5000


class SlaPolicy(models.Model):
    """时限规则: limits of one lane × category. Versioned: a change adds a row with the next
    ``version``; an order keeps the row it was dispatched under."""

    lane = models.CharField(_("lane"), max_length=20, choices=Lane.choices)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    version = models.PositiveIntegerField(_("version"), default=1)
    sign_hours = models.DecimalField(
        _("sign-for limit (working hours)"), max_digits=5, decimal_places=2
    )
    handle_days = models.PositiveSmallIntegerField(_("handling limit (working days)"))
    callback_days = models.PositiveSmallIntegerField(_("callback limit (working days)"), default=2)
    yellow_ratio = models.DecimalField(
        _("yellow warning at"), max_digits=3, decimal_places=2, default=Decimal("0.75")
    )
    red_ratio = models.DecimalField(
        _("red warning at"), max_digits=3, decimal_places=2, default=Decimal("0.90")
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["lane", "category", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["lane", "category", "version"], name="hotline_sla_policy_version_unique"
            ),
            models.CheckConstraint(
                condition=Q(yellow_ratio__gt=0) & Q(yellow_ratio__lt=models.F("red_ratio")),
                name="hotline_sla_policy_ratios_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_lane_display()} / {self.get_category_display()} v{self.version}"


class DispatchRule(models.Model):
    """派单目录 entry: category, keywords and district → lead unit (主办) and co-units (协办).

    Versioned: editing a rule retires the row (``active=False``) and adds a new one with
    ``version + 1`` and ``supersedes`` pointing back; orders keep the exact row that routed them.
    """

    city = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("city")
    )
    name = models.CharField(_("name"), max_length=100)
    category = models.CharField(
        _("category"), max_length=20, choices=Category.choices, blank=True, default=""
    )
    keywords = models.JSONField(_("keywords"), default=list, blank=True)
    district = models.ForeignKey(
        "core.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("district"),
    )
    lead_unit = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("lead unit")
    )
    co_units = models.ManyToManyField(
        "core.Organisation", blank=True, related_name="+", verbose_name=_("co-units")
    )
    priority = models.PositiveIntegerField(_("priority (lower first)"), default=100)
    active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    supersedes = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("dispatch rule")
        verbose_name_plural = _("dispatch rules")
        ordering = ["priority", "id"]
        indexes = [models.Index(fields=["city", "active", "priority"], name="hotline_rule_active")]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class DailyCounter(models.Model):
    """Per city and day sequence for order numbers (row-locked by an UPDATE)."""

    city = models.ForeignKey("core.Organisation", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("order number counter")
        verbose_name_plural = _("order number counters")
        constraints = [
            models.UniqueConstraint(fields=["city", "day"], name="hotline_counter_city_day_unique")
        ]

    def __str__(self) -> str:
        return f"{self.city_id} {self.day}: {self.last}"


class WorkOrder(models.Model):
    """工单: one citizen or enterprise request and its handling."""

    number = models.CharField(_("number"), max_length=32, unique=True)
    city = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("city")
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    lane = models.CharField(_("lane"), max_length=20, choices=Lane.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.RECEIVED
    )
    requester_kind = models.CharField(
        _("requester kind"), max_length=20, choices=RequesterKind.choices
    )
    requester_name = models.CharField(_("requester name"), max_length=100)
    contact_phone = models.CharField(_("contact phone"), max_length=20)
    enterprise_name = models.CharField(_("enterprise name"), max_length=200, blank=True)
    enterprise_uscc = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner (public account)"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    title = models.CharField(_("title"), max_length=200, blank=True)
    content = models.TextField(_("content"), max_length=CONTENT_MAX_LENGTH)
    address = models.CharField(_("address"), max_length=300, blank=True)
    lat = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    lng = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
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
    confidential = models.BooleanField(_("confidential (保密)"), default=False)
    emergency = models.BooleanField(_("emergency"), default=False)
    transferred_to = models.CharField(
        _("transferred to"), max_length=3, choices=EmergencyService.choices, blank=True
    )
    exclusion_reason = models.CharField(
        _("exclusion reason"), max_length=30, choices=ExclusionReason.choices, blank=True
    )
    lead_unit = models.ForeignKey(
        "core.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("lead unit"),
    )
    co_units = models.ManyToManyField(
        "core.Organisation", blank=True, related_name="+", verbose_name=_("co-units")
    )
    dispatch_rule = models.ForeignKey(
        DispatchRule,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("dispatch rule"),
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("merged into"),
    )
    idempotency_key = models.CharField(
        _("idempotency key"), max_length=100, null=True, blank=True, unique=True
    )
    knowledge_article = models.ForeignKey(
        "hotline.KnowledgeArticle",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="answered_orders",
        verbose_name=_("answered from article"),
    )
    repeat = models.BooleanField(
        _("repeat request"),
        default=False,
        help_text=_("The same phone filed an order of the same category within the window."),
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    sla_policy = models.ForeignKey(
        SlaPolicy,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("SLA policy"),
    )
    sign_deadline = models.DateTimeField(_("sign-for deadline"), null=True, blank=True)
    reply_deadline = models.DateTimeField(_("handling deadline"), null=True, blank=True)
    callback_deadline = models.DateTimeField(_("callback deadline"), null=True, blank=True)
    sla_check_at = models.DateTimeField(
        _("next SLA check"),
        null=True,
        blank=True,
        db_index=True,
        help_text=_(
            "When a running clock of this order next reaches a new warning level; the sweep "
            "only reads orders whose time has come."
        ),
    )
    deadline_warnings = models.JSONField(_("deadline warnings"), default=list, blank=True)
    paused_seconds = models.PositiveIntegerField(_("paused working seconds"), default=0)
    paused_at = models.DateTimeField(_("paused at"), null=True, blank=True)
    held_status = models.CharField(
        _("status before pause or return"), max_length=20, choices=Status.choices, blank=True
    )
    extension_count = models.PositiveSmallIntegerField(_("approved extensions"), default=0)
    extension_pending_days = models.PositiveSmallIntegerField(
        _("extension requested (working days)"), null=True, blank=True
    )
    extension_reason = models.CharField(_("extension reason"), max_length=500, blank=True)
    return_reason = models.CharField(_("return reason"), max_length=500, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("reopened"), default=0)
    urge_count = models.PositiveSmallIntegerField(_("urged"), default=0)
    reply_text = models.TextField(_("reply"), max_length=CONTENT_MAX_LENGTH, blank=True)
    rating = models.CharField(_("rating"), max_length=20, choices=Rating.choices, blank=True)
    solved = models.BooleanField(_("solved"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"))
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    called_back_at = models.DateTimeField(_("called back at"), null=True, blank=True)
    transferred_at = models.DateTimeField(_("transferred at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("work order")
        verbose_name_plural = _("work orders")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["status", "received_at"], name="hotline_order_status"),
            models.Index(fields=["city", "status"], name="hotline_order_city_status"),
            # the statistics roll-up finds the days whose orders changed
            models.Index(fields=["city", "updated_at"], name="hotline_order_city_updated"),
            # repeat flag and duplicate suggestions look up the caller's recent orders
            models.Index(
                fields=["city", "contact_phone", "received_at"], name="hotline_order_city_phone"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(content=""), name="hotline_order_content_not_empty"
            ),
            models.CheckConstraint(
                condition=Q(emergency=False) | ~Q(transferred_to=""),
                name="hotline_order_emergency_transferred",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def masked_phone(self) -> str:
        return pii.mask_phone(self.contact_phone)


class WorkOrderEvent(models.Model):
    """Append-only timeline entry (流转记录) of a work order."""

    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=30, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    from_status = models.CharField(_("from status"), max_length=20, blank=True)
    to_status = models.CharField(_("to status"), max_length=20, blank=True)
    unit = models.ForeignKey(
        "core.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("unit"),
    )
    note = models.TextField(_("note"), blank=True)
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("work order event")
        verbose_name_plural = _("work order events")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.order_id} {self.action}"


class SlaAlert(models.Model):
    """A warning level already notified for one clock of one order (the sweep's memory)."""

    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="sla_alerts")
    clock = models.CharField(_("clock"), max_length=20, choices=Clock.choices)
    level = models.CharField(_("level"), max_length=20, choices=SlaLevel.choices)
    deadline = models.DateTimeField(_("deadline"))
    notified = models.BooleanField(_("notified"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("SLA alert")
        verbose_name_plural = _("SLA alerts")
        constraints = [
            models.UniqueConstraint(
                fields=["order", "clock", "level", "deadline"], name="hotline_sla_alert_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.order_id} {self.clock} {self.level}"


class KnowledgeArticle(models.Model):
    """政府热线知识库 entry an operator can answer a consultation from (直接答复).

    ``search_tokens`` is the jieba segmentation of title, keywords and body joined by spaces;
    the full-text index (SQLite FTS5 / PostgreSQL GIN) is built over it.
    """

    city = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("city")
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("answer"), max_length=20000)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices, blank=True)
    keywords = models.JSONField(_("keywords"), default=list, blank=True)
    unit = models.ForeignKey(
        "core.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("responsible unit"),
    )
    source = models.CharField(_("source"), max_length=300, blank=True)
    active = models.BooleanField(_("active"), default=True)
    search_tokens = models.TextField(_("search tokens"), blank=True, editable=False)
    use_count = models.PositiveIntegerField(_("times used"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("knowledge article")
        verbose_name_plural = _("knowledge base")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class Attachment(models.Model):
    """A file attached to an order; its type is sniffed from the bytes, not trusted."""

    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to="hotline/%Y/%m/")
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
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.name


class CrossCityTransfer(models.Model):
    """跨市联动: an order sent to (or received from) another city's yiwang instance."""

    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="transfers")
    direction = models.CharField(_("direction"), max_length=3, choices=TransferDirection.choices)
    peer = models.CharField(_("other city"), max_length=40)
    remote_number = models.CharField(_("number there"), max_length=40, blank=True)
    message_id = models.CharField(_("message id"), max_length=64, unique=True)
    state = models.CharField(
        _("state"), max_length=20, choices=TransferState.choices, default=TransferState.PENDING
    )
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("cross-city transfer")
        verbose_name_plural = _("cross-city transfers")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["state", "updated_at"], name="hotline_transfer_state")]

    def __str__(self) -> str:
        return f"{self.order_id} {self.direction} {self.peer}"


class StatRow(models.Model):
    """The dimensions and counters of a statistics roll-up row (one cohort of received orders
    per city × lane × category × channel × district × lead unit); formulas of the counters:
    docs/modules/hotline-stats.md."""

    city = models.ForeignKey("core.Organisation", on_delete=models.CASCADE, related_name="+")
    lane = models.CharField(_("lane"), max_length=20, choices=Lane.choices)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    district = models.ForeignKey(
        "core.Organisation", on_delete=models.CASCADE, null=True, related_name="+"
    )
    lead_unit = models.ForeignKey(
        "core.Organisation", on_delete=models.CASCADE, null=True, related_name="+"
    )
    received = models.PositiveIntegerField(default=0)
    refused = models.PositiveIntegerField(default=0)
    dispatched = models.PositiveIntegerField(default=0)
    signed = models.PositiveIntegerField(default=0)
    signed_on_time = models.PositiveIntegerField(default=0)
    closed = models.PositiveIntegerField(default=0)
    closed_on_time = models.PositiveIntegerField(default=0)
    handle_seconds = models.BigIntegerField(default=0)
    handle_work_minutes = models.BigIntegerField(default=0)
    direct_answered = models.PositiveIntegerField(default=0)
    returned = models.PositiveIntegerField(default=0)
    reopened = models.PositiveIntegerField(default=0)
    repeated = models.PositiveIntegerField(default=0)
    called_back = models.PositiveIntegerField(default=0)
    satisfied = models.PositiveIntegerField(default=0)
    solved = models.PositiveIntegerField(default=0)
    # Set by the roll-up to its start time (not ``auto_now``, which would overwrite it).
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True


class DailyStat(StatRow):
    """Roll-up of the orders *received* on one local day, per city × lane × category × channel ×
    district × lead unit (a cohort: later events of those orders update the row when the day
    is rolled up again). The statistics page sums these rows; see docs/modules/hotline-stats.md."""

    day = models.DateField(_("day received"))

    class Meta:
        verbose_name = _("daily statistics row")
        verbose_name_plural = _("daily statistics")
        indexes = [models.Index(fields=["city", "day"], name="hotline_dailystat_city_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.lane}/{self.category}/{self.channel}"


class MonthlyStat(StatRow):
    """Second-level roll-up (月统计): the :class:`DailyStat` rows of one calendar month summed
    per city × lane × category × channel × district × lead unit, rebuilt by the roll-up in the
    same transaction as the days it rewrites, so a month row always equals the sum of its
    days' rows. Long ranges read whole months here instead of ~30× as many daily rows."""

    month = models.DateField(_("month received"))  # the first day of the month

    class Meta:
        verbose_name = _("monthly statistics row")
        verbose_name_plural = _("monthly statistics")
        indexes = [models.Index(fields=["city", "month"], name="hotline_monthlystat_city_month")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(month__day=1), name="hotline_monthlystat_first_of_month"
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.lane}/{self.category}/{self.channel}"
