"""The services' "now" (one function, so the demo seed can replay a timeline)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def now() -> dt.datetime:
    return timezone.now()
