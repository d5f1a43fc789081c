"""Enumerations of applications (办件): states, actions, decisions, pause reasons, form fields."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseStatus(models.TextChoices):
    """States of the national exchange tables (domain.md §3)."""

    SUBMITTED = "submitted", _("Received, awaiting acceptance")  # 接件
    CORRECTION = "correction", _("Awaiting correction")  # 补正
    REFUSED = "refused", _("Not accepted")  # 不予受理
    ACCEPTED = "accepted", _("Accepted")  # 受理
    REVIEWING = "reviewing", _("Under review")  # 审查
    PAUSED = "paused", _("Special procedure")  # 特别程序 (clock paused)
    DECIDED = "decided", _("Decided")  # 决定 (准予 / 不予)
    COMPLETED = "completed", _("Completed")  # 办结
    DELIVERED = "delivered", _("Delivered")  # 送达 / 领取
    WITHDRAWN = "withdrawn", _("Application withdrawn")  # 撤回


#: States in which the decision clock runs.
RUNNING = frozenset({CaseStatus.ACCEPTED, CaseStatus.REVIEWING})
#: States after which nothing more happens to a case.
FINAL = frozenset(
    {CaseStatus.REFUSED, CaseStatus.COMPLETED, CaseStatus.DELIVERED, CaseStatus.WITHDRAWN}
)


class CaseAction(models.TextChoices):
    SUBMIT = "submit", _("Submitted")
    ACCEPT = "accept", _("Accepted")
    DEEM_ACCEPTED = "deem_accepted", _("Deemed accepted (no correction notice in time)")
    REFUSE = "refuse", _("Not accepted")
    CORRECT = "correct", _("Correction requested")
    RESUBMIT = "resubmit", _("Corrected materials submitted")
    CORRECTION_LAPSED = "correction_lapsed", _("Deemed withdrawn (no correction in time)")
    REVIEW = "review", _("Review step completed")
    PAUSE = "pause", _("Special procedure started")
    RESUME = "resume", _("Special procedure ended")
    EXTEND = "extend", _("Time limit extended")
    DECIDE = "decide", _("Decided")
    COMPLETE = "complete", _("Completed")
    DELIVER = "deliver", _("Delivered")
    WITHDRAW = "withdraw", _("Withdrawn by the applicant")
    WARN = "warn", _("Deadline warning")
    OVERDUE = "overdue", _("Overdue")


class Decision(models.TextChoices):
    APPROVE = "approve", _("Approved")  # 准予
    DENY = "deny", _("Denied")  # 不予


class WarningLevel(models.TextChoices):
    """电子监察: yellow when little time is left, red when overdue."""

    NORMAL = "normal", _("Normal")
    YELLOW = "yellow", _("Yellow warning")
    RED = "red", _("Red warning (overdue)")


WARNING_ORDER = [WarningLevel.NORMAL, WarningLevel.YELLOW, WarningLevel.RED]


class PauseReason(models.TextChoices):
    """特别程序 excluded from the time limit (行政许可法 §45)."""

    HEARING = "hearing", _("Hearing")  # 听证
    TENDER = "tender", _("Tender")  # 招标
    AUCTION = "auction", _("Auction")  # 拍卖
    INSPECTION = "inspection", _("Inspection")  # 检验
    TESTING = "testing", _("Testing")  # 检测
    QUARANTINE = "quarantine", _("Quarantine")  # 检疫
    APPRAISAL = "appraisal", _("Appraisal")  # 鉴定
    EXPERT_REVIEW = "expert_review", _("Expert review")  # 专家评审


class ApplicantKind(models.TextChoices):
    PERSON = "person", _("Individual")
    LEGAL_PERSON = "legal_person", _("Legal person")


class DeliveryMethod(models.TextChoices):
    PICKUP = "pickup", _("Collected at the window")  # 窗口领取
    MAIL = "mail", _("Sent by post")  # 邮寄
    ELECTRONIC = "electronic", _("Electronic licence")  # 电子证照


class FieldType(models.TextChoices):
    TEXT = "text", _("Text")
    TEXTAREA = "textarea", _("Long text")
    NUMBER = "number", _("Numeric value")
    DATE = "date", _("Date")
    CHOICE = "choice", _("Choice")
    ID_NUMBER = "id_number", _("Identity number")
    PHONE = "phone", _("Phone (mobile or landline)")
    USCC = "uscc", _("Unified social credit code")
    EMAIL = "email", _("Email")
