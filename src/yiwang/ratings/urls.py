"""Pages of 好差评, mounted at /ratings/."""

from django.urls import path

from yiwang.ratings import views

app_name = "ratings"

urlpatterns = [
    path("stats/", views.stats_page, name="stats"),
    path("mine/", views.mine, name="mine"),
    path("events/<int:pk>/", views.rate, name="rate"),
    path("worklist/", views.worklist, name="worklist"),
    path("appeals/", views.appeals, name="appeals"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/<str:action>/", views.act, name="act"),
]
