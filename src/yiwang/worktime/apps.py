"""App configuration of the working-time calendar (工作日历与时限计算)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorktimeConfig(AppConfig):
    name = "yiwang.worktime"
    label = "worktime"
    verbose_name = _("Working time")

    def ready(self) -> None:
        from yiwang.core.health import register_warning
        from yiwang.worktime.health import calendar_warnings

        register_warning(calendar_warnings)
