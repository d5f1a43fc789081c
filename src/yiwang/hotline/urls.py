from django.urls import path

from yiwang.hotline import views

app_name = "hotline"

urlpatterns = [
    path("track/", views.track, name="track"),
]
