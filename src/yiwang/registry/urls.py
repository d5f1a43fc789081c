"""Pages of the enterprise registry, mounted at /registry/."""

from django.urls import path

from yiwang.registry import views

app_name = "registry"

urlpatterns = [
    path("", views.home, name="list"),
    path("new/", views.enterprise_new, name="new"),
    path("enterprises/<str:uscc>/", views.enterprise_detail, name="detail"),
    path("enterprises/<str:uscc>/edit/", views.enterprise_update, name="edit"),
    path("mine/", views.mine, name="mine"),
    path("mine/<str:uscc>/", views.mine, name="mine_one"),
    path("imports/", views.imports, name="imports"),
    path("imports/<int:job_id>/", views.import_detail, name="import_detail"),
    path("imports/<int:job_id>/progress/", views.import_progress, name="import_progress"),
    path("imports/<int:job_id>/errors.csv", views.import_errors, name="import_errors"),
]
