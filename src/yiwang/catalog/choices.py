"""Enumerations of the service-item catalogue (domain.md §2). Codes are ours; the labels are
the national names. Vendors' code tables differ: an import maps theirs onto these."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ItemKind(models.TextChoices):
    """依申请六类 + 公共服务."""

    LICENSING = "xk", _("Administrative licensing")  # 行政许可
    CONFIRMATION = "qr", _("Administrative confirmation")  # 行政确认
    ADJUDICATION = "cj", _("Administrative adjudication")  # 行政裁决
    PAYMENT = "gf", _("Administrative payment")  # 行政给付
    REWARD = "jl", _("Administrative reward")  # 行政奖励
    OTHER_POWER = "qt", _("Other administrative power")  # 其他行政权力
    PUBLIC_SERVICE = "gg", _("Public service")  # 公共服务


class Level(models.TextChoices):
    """实施机关的层级 (the implementing body's kind, a unified element)."""

    CITY = "city", _("City")
    DISTRICT = "district", _("District")
    STREET = "street", _("Street / town")


class Audience(models.TextChoices):
    PERSON = "person", _("Individuals")  # 个人
    LEGAL_PERSON = "legal_person", _("Legal persons")  # 法人


class Operation(models.TextChoices):
    """业务办理项 of a 子项 (blank: the item has no split)."""

    NONE = "", _("—")
    NEW = "new", _("New")  # 新设
    CHANGE = "change", _("Change")  # 变更
    RENEW = "renew", _("Renewal")  # 延续
    CANCEL = "cancel", _("Cancellation")  # 注销


class LimitUnit(models.TextChoices):
    WORKING_DAY = "working_day", _("working days")
    NATURAL_DAY = "natural_day", _("natural days")


class HandlingType(models.TextChoices):
    IMMEDIATE = "immediate", _("Handled on the spot")  # 即办件
    PROMISED = "promised", _("Promised")  # 承诺件
    JOINT = "joint", _("Joint handling")  # 联办件
    REPORT = "report", _("Reported upward")  # 上报件


class Tongban(models.TextChoices):
    """通办范围."""

    CITY = "city", _("City-wide")
    PROVINCE = "province", _("Province-wide")
    CROSS_PROVINCE = "cross_province", _("Across provinces")
    CROSS_BORDER = "cross_border", _("Across the border (HK/Macao)")


class ResultType(models.TextChoices):
    CERTIFICATE = "certificate", _("Certificate or licence")
    APPROVAL = "approval", _("Approval document")
    RECORD = "record", _("Record or registration")
    OTHER = "other", _("Other")


class VersionStatus(models.TextChoices):
    """Editorial workflow of an implementation item's version."""

    DRAFT = "draft", _("Draft")
    REVIEW = "review", _("In review")
    PUBLISHED = "published", _("Published")
    SUPERSEDED = "superseded", _("Superseded")  # an older publication
    WITHDRAWN = "withdrawn", _("Withdrawn")


# 网上办理深度 from which an item takes applications online: 3 = online application and
# pre-check (网上预审), 4 = fully online (全程网办); 1–2 only publish the guide and forms.
ONLINE_APPLY_DEPTH = 3

# The six elements unified province-wide (domain.md §2): they live on the basic item and an
# implementation item inherits them; they cannot be edited at implementation level.
UNIFIED_ELEMENTS = ("name", "code", "kind", "department", "implementing_levels", "basis")
