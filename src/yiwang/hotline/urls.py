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
    path("catalogue/", views_workbench.catalogue, name="catalogue"),
    path("catalogue/new/", views_workbench.catalogue_new, name="catalogue_new"),
    path("catalogue/<int:pk>/", views_workbench.catalogue_history, name="catalogue_history"),
    path("catalogue/<int:pk>/edit/", views_workbench.catalogue_revise, name="catalogue_revise"),
    path(
        "catalogue/<int:pk>/deactivate/",
        views_workbench.catalogue_deactivate,
        name="catalogue_deactivate",
    ),
    path("sla-policies/", views_workbench.sla_policies, name="sla_policies"),
    path("sla-policies/<str:lane>/<str:category>/", views_workbench.sla_policy, name="sla_policy"),
    path("transfers/", views_workbench.transfers, name="transfers"),
    path("transfers/<int:pk>/retry/", views_workbench.transfer_retry, name="transfer_retry"),
]
