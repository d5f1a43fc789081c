from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from yiwang.api import api
from yiwang.core import views as core_views

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("metrics", core_views.metrics, name="metrics"),
    path("api/v1/", api.urls),
    path("open311/v2/", include("yiwang.hotline.open311")),
    # Password changes always go through the policy-checking, audited service.
    path(
        "admin/password_change/",
        RedirectView.as_view(pattern_name="portal:password_change", permanent=False),
    ),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("hotline/interop/v1/", include("yiwang.hotline.interop")),  # 跨市联动, HMAC-signed
    path("hotline/", include("yiwang.hotline.urls")),
    path("catalog/", include("yiwang.catalog.urls")),
    path("services/", include("yiwang.catalog.urls_guide")),  # the public service guide
    path("cases/", include("yiwang.cases.urls")),
    path("ratings/", include("yiwang.ratings.urls")),
    path("policy/", include("yiwang.policy.urls")),
    path("registry/", include("yiwang.registry.urls")),
    path("", include("yiwang.portal.urls")),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
