"""Pages of the policy app: the precise push (included by policy.urls)."""

from django.urls import path

from yiwang.policy.views import push

urlpatterns: list = [
    path("manage/items/<int:pk>/push/", push.push_now, name="push_now"),
    path("manage/items/<int:pk>/push/schedule/", push.push_schedule, name="push_schedule"),
    path("manage/push-jobs/<int:pk>/", push.push_job_detail, name="push_job"),
    path("manage/push-jobs/<int:pk>/progress/", push.push_job_progress, name="push_job_progress"),
    path("manage/push-jobs/<int:pk>/cancel/", push.push_job_cancel, name="push_job_cancel"),
]
