"""Warnings for /healthz and the admin banner: calendars lacking the current or next year."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext

from yiwang.worktime import registry, selectors

# The State Council publishes next year's schedule in the autumn; from this day of the year on
# a missing next year is reported (earlier it cannot exist yet and would only be noise).
NEXT_YEAR_WARNING_FROM = (10, 1)


def calendar_warnings(now: dt.datetime | None = None) -> list[str]:
    """One message per calendar and year that computations will fall back to Monday–Friday."""
    now = now or timezone.now()
    messages: list[str] = []
    for code in selectors.calendar_versions():
        engine = registry.get_engine(code)
        today = now.astimezone(engine.tz).date()
        years = [today.year]
        if (today.month, today.day) >= NEXT_YEAR_WARNING_FROM:
            years.append(today.year + 1)
        for year in years:
            if year not in engine.covered_years:
                messages.append(
                    gettext(
                        "Working-time calendar %(code)s has no holiday data for %(year)s: "
                        "deadlines in %(year)s assume Monday–Friday. Import the official "
                        "schedule (yiwang worktime import --calendar %(code)s --file ...)."
                    )
                    % {"code": code, "year": year}
                )
    return messages
