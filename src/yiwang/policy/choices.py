"""Enumerations of the policy app (documents, items, their kinds and states)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DocumentStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ItemStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ItemKind(models.TextChoices):
    """The four kinds a policy is split into (domain.md §6)."""

    RELIEF = "relief", _("Relief (减免)")
    SUBSIDY = "subsidy", _("Subsidy or reward (奖补)")
    ENTITLEMENT = "entitlement", _("Entitlement (权益)")
    QUALIFICATION = "qualification", _("Qualification (资质)")
