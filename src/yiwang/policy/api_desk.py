"""API of the policy app: desk (mounted under /api/v1/policy/ by yiwang.api)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["policy"])
