"""The ratings API, mounted at /api/v1/ratings."""

from ninja import Router

router = Router(tags=["ratings"])
