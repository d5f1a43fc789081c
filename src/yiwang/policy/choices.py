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


class PushTrigger(models.TextChoices):
    """Why a push job ran."""

    PUBLICATION = "publication", _("On publication")
    SCHEDULE = "schedule", _("Scheduled")
    REMATCH = "rematch", _("Daily re-match")
    MANUAL = "manual", _("Started by an officer")


class PushJobStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")
    FAILED = "failed", _("Failed")


class PushStatus(models.TextChoices):
    """One item's notice to one enterprise (送达 = delivered on at least one channel)."""

    PENDING = "pending", _("Waiting to be sent")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    READ = "read", _("Read")
    UNREACHABLE = "unreachable", _("No account to reach")
    FAILED = "failed", _("Delivery failed")
    CANCELLED = "cancelled", _("Cancelled")


class GrantStatus(models.TextChoices):
    """免申即享: granted without an application, then paid by the department."""

    APPROVED = "approved", _("Approved")
    PAID = "paid", _("Paid")
    REVOKED = "revoked", _("Revoked")


class ApplicationStatus(models.TextChoices):
    """快申快享: a prefilled application the enterprise confirmed."""

    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    PAID = "paid", _("Paid")


class QuestionStatus(models.TextChoices):
    OPEN = "open", _("Awaiting answer")
    ANSWERED = "answered", _("Answered")
