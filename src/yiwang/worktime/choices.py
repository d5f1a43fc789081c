"""Enumerations of the working-time calendar: kinds of calendar days and sources of year data."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DayKind(models.TextChoices):
    """What a dated entry changes about the ordinary Monday–Friday week."""

    HOLIDAY = "holiday", _("Holiday (day off)")  # 法定节假日 / 休息日
    WORKDAY = "workday", _("Make-up working day")  # 调休上班日


class YearSource(models.TextChoices):
    """Where the holiday data of a covered year came from."""

    SEED = "seed", _("Seeded from chinese-calendar")
    IMPORT = "import", _("Imported from CSV")
    MANUAL = "manual", _("Declared by an administrator")
