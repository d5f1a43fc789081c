"""API of the policy app: stats (mounted under /api/v1/policy/ by yiwang.api)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["policy"])
