"""Pages of policy consultation (政策咨询) and enterprise requests (企业诉求), included by
policy.urls: the question form of a public item, the officers' queue, and the enterprise
desk's questions and requests tabs."""

from django.urls import path

from yiwang.policy.views import consult, requests

urlpatterns: list = [
    path("items/<int:pk>/ask/", consult.ask, name="ask"),
    path("manage/questions/", consult.questions, name="questions"),
    path("manage/questions/<int:pk>/answer/", consult.question_answer, name="question_answer"),
    path("manage/questions/<int:pk>/publish/", consult.question_publish, name="question_publish"),
    path("desk/questions/", consult.desk_questions, name="desk_questions"),
    path("desk/requests/", requests.desk_requests, name="desk_requests"),
    path("desk/requests/<str:number>/", requests.desk_request, name="desk_request"),
]
