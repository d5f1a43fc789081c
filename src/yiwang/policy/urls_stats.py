"""Pages of the policy app: stats (included by policy.urls)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
