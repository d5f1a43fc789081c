from django.urls import path

from yiwang.hotline import views, views_stats, views_workbench

app_name = "hotline"

urlpatterns = [
    path("track/", views.track, name="track"),
    path("stats/", views_stats.stats_page, name="stats"),
    path("intake/", views_workbench.intake, name="intake"),
    path("intake/assist/", views_workbench.intake_assist, name="intake_assist"),
    path("orders/<int:pk>/", views_workbench.order_detail, name="order_detail"),
    path("orders/<int:pk>/act/", views_workbench.order_act, name="order_act"),
    path("inbox/", views_workbench.inbox, name="inbox"),
    path("board/", views_workbench.board, name="board"),
    path("new/", views_workbench.public_new, name="public_new"),
    path("mine/", views_workbench.mine, name="mine"),
    path("mine/<int:pk>/", views_workbench.mine_detail, name="mine_detail"),
]
