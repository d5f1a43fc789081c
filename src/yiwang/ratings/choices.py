"""Enumerations of 好差评 (domain.md §4: 国办发〔2019〕51号, GB/T 39734-2020)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    """The five levels; codes are the hotline's so a callback's rating carries over as is."""

    VERY_SATISFIED = "very_satisfied", _("Very satisfied")  # 非常满意
    SATISFIED = "satisfied", _("Satisfied")  # 满意
    NEUTRAL = "neutral", _("Neutral")  # 基本满意
    DISSATISFIED = "dissatisfied", _("Dissatisfied")  # 不满意
    VERY_DISSATISFIED = "very_dissatisfied", _("Very dissatisfied")  # 非常不满意


#: 差评: the last two levels. Everything else is 好评.
NEGATIVE_LEVELS = frozenset({Level.DISSATISFIED, Level.VERY_DISSATISFIED})
GOOD_LEVELS = frozenset(set(Level.values) - NEGATIVE_LEVELS)
#: No rating within the window counts as 基本满意 (Guangdong).
DEFAULT_LEVEL = Level.NEUTRAL


class Channel(models.TextChoices):
    """Where the service was delivered (评价渠道)."""

    ONLINE = "online", _("Online")  # 网上办事
    WINDOW = "window", _("Service window")  # 窗口
    HOTLINE = "hotline", _("12345 hotline")
    APP = "app", _("Mobile app")


#: Channels rated on the online dimensions; the others are on-site (现场) services.
ONLINE_CHANNELS = frozenset({Channel.ONLINE, Channel.APP})


class Dimension(models.TextChoices):
    """Rating dimensions (GB/T 39734-2020), each scored 1–5."""

    OVERALL = "overall", _("Overall satisfaction")  # 整体满意度
    EFFICIENCY = "efficiency", _("Efficiency")  # 办事效率 / 服务效率
    GUIDE_ACCURACY = "guide_accuracy", _("Accuracy of the service guide")  # 办事指南精确度
    CONVENIENCE = "convenience", _("Convenience")  # 办事便捷度
    USABILITY = "usability", _("Ease of use of the platform")  # 平台操作性
    SERVICE_LEVEL = "service_level", _("Service quality")  # 服务水平
    ATTITUDE = "attitude", _("Service attitude")  # 服务态度


ONLINE_DIMENSIONS = (
    Dimension.OVERALL,
    Dimension.EFFICIENCY,
    Dimension.GUIDE_ACCURACY,
    Dimension.CONVENIENCE,
    Dimension.USABILITY,
)
ONSITE_DIMENSIONS = (
    Dimension.OVERALL,
    Dimension.EFFICIENCY,
    Dimension.SERVICE_LEVEL,
    Dimension.ATTITUDE,
)


def dimensions_for(channel: str) -> tuple[str, ...]:
    return ONLINE_DIMENSIONS if channel in ONLINE_CHANNELS else ONSITE_DIMENSIONS


class Source(models.TextChoices):
    RATER = "rater", _("Rated by the person served")
    CALLBACK = "callback", _("Given on the 12345 callback")
    DEFAULT = "default", _("Default (no rating within the window)")


class Handling(models.TextChoices):
    """差评 handling: 核实回访 → 整改 → 反馈 → 办结; 申诉复核 pauses it."""

    NONE = "", _("Not a negative rating")
    VERIFYING = "verifying", _("Awaiting verification callback")  # 待核实
    RECTIFYING = "rectifying", _("Rectification")  # 整改中
    FEEDBACK = "feedback", _("Awaiting feedback to the rater")  # 待反馈
    APPEALED = "appealed", _("Appeal under review")  # 申诉复核中
    CLOSED = "closed", _("Closed")  # 已办结


OPEN_HANDLING = frozenset(
    {Handling.VERIFYING, Handling.RECTIFYING, Handling.FEEDBACK, Handling.APPEALED}
)


class Action(models.TextChoices):
    VERIFY = "verify", _("Verification callback")
    RECTIFY = "rectify", _("Rectification done")
    FEEDBACK = "feedback", _("Feedback to the rater")
    APPEAL = "appeal", _("Appeal")
    APPEAL_DECIDE = "appeal_decide", _("Appeal decision")


class AppealDecision(models.TextChoices):
    PENDING = "", _("Pending")
    UPHELD = "upheld", _("Upheld: excluded from statistics")
    REJECTED = "rejected", _("Rejected: the rating stands")
