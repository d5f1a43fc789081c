"""The catalogue API, mounted at /api/v1/catalog."""

from ninja import Router

router = Router(tags=["catalog"])
