"""The service-item catalogue (domain.md §2): the basic catalogue (基本目录) and each implementing
body's implementation list (实施清单), versioned through an editorial workflow.

* :class:`BasicItem` holds the six elements unified province-wide (name, code, kind, competent
  department, implementing level, legal basis) plus the **standard** of the other elements
  (conditions, materials, limits, fees, visits …) that every implementation starts from and is
  compared against (同要素管理、同标准办理).
* :class:`ImplementationItem` is one basic item (or one of its 业务办理项) adopted by one
  implementing organisation; it has an implementation code embedding the basic code, the
  body's division and its USCC.
* :class:`ImplementationVersion` holds the implementation's own elements. Each publication is a
  new version; scalar elements are columns (filtered, counted, compared), list elements
  (materials, steps, fees, FAQ …) are validated JSON.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from yiwang.catalog.choices import (
    Audience,
    HandlingType,
    ItemKind,
    LimitUnit,
    Operation,
    Tongban,
    VersionStatus,
)


class BasicItem(models.Model):
    """基本目录事项 (主项 or 子项)."""

    code = models.CharField(_("basic code"), max_length=32, unique=True)
    name = models.CharField(_("item name"), max_length=200)
    kind = models.CharField(_("item kind"), max_length=4, choices=ItemKind.choices)
    department = models.CharField(_("competent department"), max_length=100)
    implementing_levels = models.JSONField(_("implementing levels"), default=list)
    basis = models.JSONField(_("legal basis"), default=list)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("main item"),
    )
    operations = models.JSONField(_("business operations"), default=list, blank=True)
    audience = models.JSONField(_("audience"), default=list, blank=True)
    themes = models.JSONField(_("themes and life events"), default=list, blank=True)
    synonyms = models.JSONField(_("colloquial terms"), default=list, blank=True)
    standard = models.JSONField(
        _("standard elements"),
        default=dict,
        blank=True,
        help_text=_("The reference every implementation starts from and is compared against."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("basic catalogue item")
        verbose_name_plural = _("basic catalogue items")
        ordering = ["code"]
        indexes = [models.Index(fields=["kind", "department"], name="catalog_basic_kind_dept")]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class ImplementationItem(models.Model):
    """实施清单事项: a basic item (and 业务办理项) as one organisation implements it."""

    basic = models.ForeignKey(
        BasicItem,
        on_delete=models.PROTECT,
        related_name="implementations",
        verbose_name=_("basic item"),
    )
    organisation = models.ForeignKey(
        "core.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("implementing organisation"),
    )
    operation = models.CharField(
        _("business operation"), max_length=10, choices=Operation.choices, blank=True
    )
    code = models.CharField(_("implementation code"), max_length=64, unique=True)
    current = models.ForeignKey(
        "ImplementationVersion",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published version"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("implementation item")
        verbose_name_plural = _("implementation items")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(
                fields=["basic", "organisation", "operation"],
                name="catalog_impl_unique_per_body",
            )
        ]

    def __str__(self) -> str:
        return self.code


class ImplementationVersion(models.Model):
    """One version of an implementation item's own elements (draft → review → published)."""

    item = models.ForeignKey(
        ImplementationItem,
        on_delete=models.CASCADE,
        related_name="versions",
        verbose_name=_("implementation item"),
    )
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(
        _("status"), max_length=12, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    # scalar elements
    legal_limit = models.PositiveSmallIntegerField(_("legal time limit"))
    legal_limit_unit = models.CharField(
        _("legal limit unit"), max_length=12, choices=LimitUnit.choices
    )
    promised_limit = models.PositiveSmallIntegerField(_("promised time limit"))
    promised_limit_unit = models.CharField(
        _("promised limit unit"), max_length=12, choices=LimitUnit.choices
    )
    handling_type = models.CharField(
        _("handling type"), max_length=10, choices=HandlingType.choices
    )
    visits = models.PositiveSmallIntegerField(_("visits required"))
    online = models.BooleanField(_("can be handled online"))
    online_depth = models.PositiveSmallIntegerField(_("online depth"), default=1)
    tongban = models.CharField(_("handled across"), max_length=16, choices=Tongban.choices)
    fee_free = models.BooleanField(_("free of charge"), default=True)
    # list elements (validated JSON; docs/modules/catalog-format.md)
    conditions = models.JSONField(_("acceptance conditions"), default=list, blank=True)
    materials = models.JSONField(_("materials"), default=list, blank=True)
    steps = models.JSONField(_("procedure steps"), default=list, blank=True)
    fees = models.JSONField(_("fees"), default=list, blank=True)
    places = models.JSONField(_("where and when"), default=list, blank=True)
    phones = models.JSONField(_("consultation and complaint phones"), default=dict, blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)
    faq = models.JSONField(_("frequently asked questions"), default=list, blank=True)
    deviation_reason = models.TextField(
        _("reason for deviating from the standard"), blank=True, max_length=2000
    )
    # workflow
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_note = models.CharField(_("review note"), max_length=500, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    class Meta:
        verbose_name = _("implementation item version")
        verbose_name_plural = _("implementation item versions")
        ordering = ["item", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["item", "number"], name="catalog_version_unique"),
            # 承诺 ≤ 法定 when both count the same kind of day (the service converts otherwise)
            models.CheckConstraint(
                condition=~Q(legal_limit_unit=F("promised_limit_unit"))
                | Q(promised_limit__lte=F("legal_limit")),
                name="catalog_promised_within_legal",
            ),
            models.CheckConstraint(condition=Q(visits__lte=2), name="catalog_visits_at_most_two"),
            models.CheckConstraint(
                condition=Q(online_depth__gte=1) & Q(online_depth__lte=4),
                name="catalog_online_depth_range",
            ),
            # one draft-or-review version per item at a time
            models.UniqueConstraint(
                fields=["item"],
                condition=Q(status__in=["draft", "review"]),
                name="catalog_one_open_version",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "item"], name="catalog_version_status"),
        ]

    def __str__(self) -> str:
        return f"{self.item.code} v{self.number}"


class LifeEvent(models.Model):
    """A life event or enterprise theme (出生, 入学, 开办企业 …): the portal's way in for people
    who know their situation rather than the item's name. Loaded from the catalogue file's
    ``life_events`` (docs/modules/catalog-format.md)."""

    code = models.CharField(_("code"), max_length=16, unique=True)
    name = models.CharField(_("life event"), max_length=100, unique=True)
    audience = models.CharField(_("audience"), max_length=16, choices=Audience.choices)
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    items = models.ManyToManyField(BasicItem, related_name="life_events", verbose_name=_("items"))

    class Meta:
        ordering = ("position", "code")
        verbose_name = _("life event")
        verbose_name_plural = _("life events")

    def __str__(self) -> str:
        return self.name


class Bundle(models.Model):
    """一件事一次办: one application for a life event that combines several items, handled
    jointly by their departments under a lead department, with materials submitted once."""

    life_event = models.OneToOneField(
        LifeEvent, on_delete=models.CASCADE, related_name="bundle", verbose_name=_("life event")
    )
    name = models.CharField(_("bundle"), max_length=100, unique=True)
    #: Basic item codes in the order the bundle presents them.
    item_codes = models.JSONField(_("items"), default=list)
    shared_materials = models.JSONField(_("materials submitted once"), default=list)
    lead_department = models.CharField(_("lead department"), max_length=100)
    promised_limit = models.PositiveSmallIntegerField(_("promised time limit"), null=True)
    promised_limit_unit = models.CharField(
        _("unit"), max_length=16, choices=LimitUnit.choices, blank=True
    )
    visits = models.PositiveSmallIntegerField(_("visits required"), null=True)

    class Meta:
        ordering = ("life_event__position", "life_event__code")
        verbose_name = _("bundle (一件事)")
        verbose_name_plural = _("bundles (一件事)")

    def __str__(self) -> str:
        return self.name


class SearchDocument(models.Model):
    """The search index entry of one active basic item (docs/modules/catalog-search.md).

    Derived data, rebuilt from the item, its life events and its published implementations by
    ``catalog.services.search_index`` (on import, publication, withdrawal; ``yiwang catalog
    reindex``). Each ``*_tokens`` column is jieba search-mode tokens joined by spaces. Two
    full-text indexes (migration 0003): the head (name, keyword, pinyin columns, weighted) and
    the body (conditions, materials, FAQ), consulted only when the head finds too little —
    SQLite FTS5 tables ``catalog_search_fts`` and ``catalog_search_body_fts`` kept in step by
    triggers; PostgreSQL generated ``tsvector`` columns ``search_vector`` and ``body_vector``
    (not declared here) with GIN indexes.
    """

    basic = models.OneToOneField(
        BasicItem,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="search_document",
        verbose_name=_("basic item"),
    )
    # copied from the item so that one query ranks and reads the candidates
    code = models.CharField(_("basic code"), max_length=32)
    name = models.CharField(_("item name"), max_length=200)
    kind = models.CharField(_("item kind"), max_length=4)
    #: the item's colloquial terms, one per line
    terms = models.TextField(_("colloquial terms"), blank=True)
    name_tokens = models.TextField(_("name and colloquial-term tokens"), blank=True)
    keyword_tokens = models.TextField(_("theme and department tokens"), blank=True)
    pinyin_tokens = models.TextField(_("pinyin tokens"), blank=True)
    body_tokens = models.TextField(_("condition, material and FAQ tokens"), blank=True)
    #: " person legal_person " (spaces around each code) for an exact ``LIKE`` filter.
    audience = models.CharField(_("audience"), max_length=64, blank=True)
    department = models.CharField(_("competent department"), max_length=100, db_index=True)
    faq_count = models.PositiveIntegerField(_("FAQ entries indexed"), default=0)
    indexed_at = models.DateTimeField(_("indexed at"), auto_now=True)

    class Meta:
        verbose_name = _("search document")
        verbose_name_plural = _("search documents")

    def __str__(self) -> str:
        return f"search document of {self.basic_id}"


class SearchTerm(models.Model):
    """Document frequency of one index token (docs/modules/catalog-search.md): in how many
    search documents it occurs — in the head (name, keyword, pinyin columns) and in the body
    (conditions, materials, FAQ). Kept in step with the documents by
    ``catalog.services.search_index`` (rebuilt whole by ``yiwang catalog reindex``); the query
    side reads the counts of a query's tokens to leave its common words (许可, 登记, 办理 …)
    out of the ranked query when rarer ones exist. A statistic, not a constraint: a stale count
    only shifts that choice, it never hides a document."""

    #: a token as stored in the ``*_tokens`` columns (longer ones are not counted)
    term = models.CharField(_("index term"), max_length=200, primary_key=True)
    head_docs = models.IntegerField(_("documents with the term in name, themes or pinyin"))
    body_docs = models.IntegerField(_("documents with the term in conditions, materials or FAQ"))

    class Meta:
        verbose_name = _("search term")
        verbose_name_plural = _("search terms")

    def __str__(self) -> str:
        return self.term
