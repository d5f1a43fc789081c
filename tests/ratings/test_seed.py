"""The demo 好差评: events for the demo hotline's closed orders and window services, a
realistic distribution, 差评 in every handling state, one appeal; idempotent."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from rich.console import Console

from yiwang.core.seed import run_seed
from yiwang.hotline import facade as hotline
from yiwang.ratings import stats
from yiwang.ratings.models import Appeal, Rating, ServiceEvent


def test_seed_builds_a_realistic_demo_and_is_idempotent(db):
    counts = run_seed(scale="small", console=Console(quiet=True))
    assert counts["ratings: window and online service events"] >= 300
    closed = {ref.number for ref in hotline.closed_orders()}
    events = set(
        ServiceEvent.objects.filter(subject_app="hotline").values_list("subject_key", flat=True)
    )
    assert closed and closed <= events  # every closed 12345 order is rateable
    today = timezone.localdate()
    figures = stats.rating_stats(period=stats.Period(today - dt.timedelta(days=40), today))
    assert figures["total"] >= 250
    assert 97.5 <= figures["good_rate"] <= 99.5
    assert figures["defaults"] > 0 and figures["bad"] > 0
    handling = set(Rating.objects.exclude(handling="").values_list("handling", flat=True))
    assert {"verifying", "rectifying", "closed", "appealed"} <= handling
    assert Appeal.objects.filter(decision="").count() == 1
    assert ServiceEvent.objects.filter(served_user__username="citizen", rated=False).count() == 2
    again = run_seed(scale="small", console=Console(quiet=True))
    assert not [k for k in again if k.startswith("ratings") and "defaults" not in k]
    assert Appeal.objects.count() == 1
