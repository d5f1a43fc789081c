"""The public service guide (办事指南), mounted at /services/."""

from django.urls import path

from yiwang.catalog import views_guide as views

app_name = "guide"

urlpatterns = [
    path("", views.home, name="home"),
    path("items/", views.items, name="items"),
    path("items/<str:code>/", views.item, name="item"),
    path("items/<str:code>/checklist/", views.checklist, name="checklist"),
    path("bundles/", views.bundles, name="bundles"),
    path("bundles/<str:code>/", views.bundle, name="bundle"),
    path("search/", views.search, name="search"),
]
