"""The JSON API at /api/v1/: one NinjaAPI, one router per resource, problem+json errors."""

from __future__ import annotations

from ninja import NinjaAPI

from yiwang.cases.api import router as cases_router
from yiwang.catalog.api import router as catalog_router
from yiwang.core.api import router as core_router
from yiwang.core.api_base import auth_any, install_error_handlers
from yiwang.hotline.api import router as hotline_router
from yiwang.notify.api import router as notify_router
from yiwang.policy.api import router as policy_router
from yiwang.policy.api_consult import router as policy_consult_router
from yiwang.policy.api_desk import router as policy_desk_router
from yiwang.policy.api_push import router as policy_push_router
from yiwang.policy.api_stats import router as policy_stats_router
from yiwang.ratings.api import router as ratings_router
from yiwang.registry.api import router as registry_router
from yiwang.worktime.api import router as worktime_router

api = NinjaAPI(
    title="yiwang API",
    version="1.0.0",
    description=(
        "Digital-government platform API. Authenticate with the web session or "
        "`Authorization: Bearer <token>` of an API client. Errors are RFC 9457 problem details."
    ),
    urls_namespace="api-v1",
    auth=auth_any,
)
install_error_handlers(api)
api.add_router("/", core_router)
api.add_router("/worktime", worktime_router)
api.add_router("/notify", notify_router)
api.add_router("/hotline", hotline_router)
api.add_router("/catalog", catalog_router)
api.add_router("/cases", cases_router)
api.add_router("/ratings", ratings_router)
api.add_router("/policy", policy_router)
for _router in (policy_push_router, policy_desk_router, policy_consult_router, policy_stats_router):
    api.add_router("/policy", _router)
api.add_router("/registry", registry_router)
