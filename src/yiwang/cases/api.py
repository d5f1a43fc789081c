"""The cases API, mounted at /api/v1/cases."""

from ninja import Router

router = Router(tags=["cases"])
