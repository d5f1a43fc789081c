"""Staff pages of the service-item catalogue, mounted at /catalog/."""

from django.urls import path

from yiwang.catalog import views, views_stats

app_name = "catalog"

urlpatterns = [
    path("items/", views.items, name="items"),
    path("items/adopt/", views.adopt, name="adopt"),
    path("items/<int:pk>/", views.item_detail, name="item"),
    path("items/<int:pk>/diff/", views.item_diff, name="diff"),
    path("items/<int:pk>/draft/", views.item_draft, name="draft"),
    path("items/<int:pk>/withdraw/", views.item_withdraw, name="withdraw"),
    path("versions/<int:pk>/edit/", views.version_edit, name="version_edit"),
    path("versions/<int:pk>/publish/", views.version_publish, name="publish"),
    path("versions/<int:pk>/send-back/", views.version_send_back, name="send_back"),
    path("review/", views.review, name="review"),
    path("consistency/", views.consistency, name="consistency"),
    path("stats/", views_stats.stats_page, name="stats"),
]
