"""Permission codes of the working-time calendar, merged by :mod:`yiwang.core.permissions`.

Reading calendars and computing deadlines is public; changing a calendar is not.
"""

from yiwang.core.choices import Role

ROLE_PERMISSIONS = {
    # edit holidays, make-up days, office hours; import a year from CSV
    Role.PLATFORM_ADMIN: {"worktime.manage_calendar"},
}

MANAGE_CALENDAR = "worktime.manage_calendar"
