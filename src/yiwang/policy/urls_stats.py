"""Pages of the policy app: stats (included by policy.urls)."""

from django.urls import path

from yiwang.policy.views import stats

urlpatterns = [
    path("stats/", stats.stats_page, name="stats"),
]
