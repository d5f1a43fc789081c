"""Enumerations of the 12345 hotline (labels in English; zh-hans in the catalogue)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Channel(models.TextChoices):
    """受理渠道: where the request came in."""

    PHONE = "phone", _("Phone")
    WEB = "web", _("Web portal")
    API = "api", _("Mobile / API")
    ENTERPRISE = "enterprise", _("Enterprise workbench")
    OPEN311 = "open311", _("Open311")
    EMAIL = "email", _("Email")
    CROSS_CITY = "cross_city", _("Transferred from another city")


class Category(models.TextChoices):
    """诉求类型: 咨询, 求助, 投诉, 举报, 意见建议, 表扬."""

    CONSULT = "consult", _("Consultation")
    HELP = "help", _("Request for help")
    COMPLAINT = "complaint", _("Complaint")
    REPORT = "report", _("Report")
    SUGGESTION = "suggestion", _("Suggestion")
    PRAISE = "praise", _("Praise")


class Lane(models.TextChoices):
    """涉企专席 (enterprise) or general lane."""

    ENTERPRISE = "enterprise", _("Enterprise lane")
    GENERAL = "general", _("General lane")


class RequesterKind(models.TextChoices):
    CITIZEN = "citizen", _("Citizen")
    ENTERPRISE = "enterprise", _("Enterprise")


class Status(models.TextChoices):
    """Work-order states: 受理 → 派单 → 签收 → 办理 → 回复 → 审核/办结 → 回访."""

    RECEIVED = "received", _("Received, awaiting dispatch")
    REFUSED = "refused", _("Not accepted")
    TRANSFERRED = "transferred", _("Transferred to emergency services")
    DISPATCHED = "dispatched", _("Dispatched")
    SIGNED = "signed", _("Signed for")
    IN_PROGRESS = "in_progress", _("In progress")
    PAUSED = "paused", _("Paused, waiting for the requester")
    REPLIED = "replied", _("Replied, awaiting review")
    RETURN_REQUESTED = "return_requested", _("Returned, awaiting review")
    CLOSED = "closed", _("Closed, awaiting callback")
    CALLED_BACK = "called_back", _("Called back and rated")
    MERGED = "merged", _("Merged into another order")
    TRANSFERRED_CITY = "transferred_city", _("Transferred to another city")


OPEN_STATUSES = frozenset(
    {
        Status.RECEIVED,
        Status.DISPATCHED,
        Status.SIGNED,
        Status.IN_PROGRESS,
        Status.PAUSED,
        Status.REPLIED,
        Status.RETURN_REQUESTED,
        Status.CLOSED,
        Status.TRANSFERRED_CITY,
    }
)


class Action(models.TextChoices):
    """Workflow actions recorded on the timeline."""

    CREATE = "create", _("Received")
    REFUSE = "refuse", _("Not accepted")
    TRANSFER = "transfer", _("Transferred to emergency services")
    DISPATCH = "dispatch", _("Dispatched")
    SIGN = "sign", _("Signed for")
    START = "start", _("Started")
    PAUSE = "pause", _("Paused")
    RESUME = "resume", _("Resumed")
    REPLY = "reply", _("Replied")
    APPROVE = "approve", _("Reply approved")
    SEND_BACK = "send_back", _("Reply sent back")
    CLOSE = "close", _("Closed directly")
    CALLBACK = "callback", _("Called back")
    REOPEN = "reopen", _("Reopened")
    RETURN = "return", _("Returned by the unit")
    RETURN_ACCEPT = "return_accept", _("Return accepted")
    RETURN_REJECT = "return_reject", _("Return rejected")
    REASSIGN = "reassign", _("Reassigned")
    EXTENSION_REQUEST = "extension_request", _("Extension requested")
    EXTENSION_APPROVE = "extension_approve", _("Extension approved")
    EXTENSION_REJECT = "extension_reject", _("Extension rejected")
    URGE = "urge", _("Urged")
    MERGE = "merge", _("Merged")
    SLA_WARNING = "sla_warning", _("SLA warning")
    TRANSFER_CITY = "transfer_city", _("Transferred to another city")
    TRANSFER_OUTCOME = "transfer_outcome", _("Outcome received from the other city")
    ATTACH = "attach", _("Attachment added")


class TransferDirection(models.TextChoices):
    OUTBOUND = "out", _("To another city")
    INBOUND = "in", _("From another city")


class TransferState(models.TextChoices):
    """跨市联动 message state on this side."""

    PENDING = "pending", _("Waiting to be sent")
    SENT = "sent", _("Sent, being handled there")
    RECEIVED = "received", _("Received from the other city")
    OUTCOME_PENDING = "outcome_pending", _("Outcome waiting to be sent back")
    DONE = "done", _("Outcome delivered")
    FAILED = "failed", _("Failed")


class ExclusionReason(models.TextChoices):
    """不予受理 reasons of domain.md §5."""

    COURT = "court", _("Matter of a court or procuratorate")
    PARTY_CONGRESS = "party_congress", _("Matter of party or people's congress organs")
    MILITARY = "military", _("Military matter")
    LEGAL_PROCEDURE = "legal_procedure", _("In litigation, arbitration or petition procedures")
    REPEATED = "repeated", _("Repeated request already closed with no new facts")


class EmergencyService(models.TextChoices):
    POLICE = "110", _("110 police")
    FIRE = "119", _("119 fire")
    AMBULANCE = "120", _("120 ambulance")
    TRAFFIC = "122", _("122 traffic police")


class Rating(models.TextChoices):
    """好差评 five levels."""

    VERY_SATISFIED = "very_satisfied", _("Very satisfied")
    SATISFIED = "satisfied", _("Satisfied")
    NEUTRAL = "neutral", _("Neutral")
    DISSATISFIED = "dissatisfied", _("Dissatisfied")
    VERY_DISSATISFIED = "very_dissatisfied", _("Very dissatisfied")


UNSATISFIED_RATINGS = frozenset({Rating.DISSATISFIED, Rating.VERY_DISSATISFIED})


class Clock(models.TextChoices):
    SIGN = "sign", _("Sign-for")
    REPLY = "reply", _("Handling")
    CALLBACK = "callback", _("Callback")


class SlaLevel(models.TextChoices):
    NORMAL = "normal", _("Normal")
    YELLOW = "yellow", _("Yellow warning")
    RED = "red", _("Red warning")
    OVERDUE = "overdue", _("Overdue")


SLA_LEVEL_ORDER = [SlaLevel.NORMAL, SlaLevel.YELLOW, SlaLevel.RED, SlaLevel.OVERDUE]


class ExtensionState(models.TextChoices):
    NONE = "", _("None")
    PENDING = "pending", _("Pending approval")


# The public progress stepper (citizen tracking, the enterprise desk): its steps and the
# one an order in each status has reached.
STEPS = (
    pgettext_lazy("hotline tracking step", "Receive"),
    pgettext_lazy("hotline tracking step", "Dispatch"),
    pgettext_lazy("hotline tracking step", "Sign for"),
    pgettext_lazy("hotline tracking step", "Handle"),
    pgettext_lazy("hotline tracking step", "Reply"),
    pgettext_lazy("hotline tracking step", "Close"),
    pgettext_lazy("hotline tracking step", "Call back"),
)
# Index into STEPS of the step an order in each status has reached; refused, transferred and
# merged orders left the normal flow and show no stepper.
STEP_OF_STATUS = {
    Status.RECEIVED: 0,
    Status.DISPATCHED: 1,
    Status.RETURN_REQUESTED: 1,
    Status.SIGNED: 2,
    Status.IN_PROGRESS: 3,
    Status.PAUSED: 3,
    Status.REPLIED: 4,
    Status.CLOSED: 5,
    Status.CALLED_BACK: 6,
}
