"""Pages of cases, mounted at /cases/."""

from django.urls import path

from yiwang.cases import views

app_name = "cases"

urlpatterns = [
    path("apply/<int:item_id>/", views.apply, name="apply"),
    path("bundles/<str:code>/apply/", views.bundle_apply, name="bundle_apply"),
    path("mine/", views.mine, name="mine"),
    path("mine/<str:number>/", views.mine_detail, name="mine_detail"),
    path("mine/<str:number>/receipt/", views.receipt, name="receipt"),
    path("mine/<str:number>/resubmit/", views.resubmit, name="resubmit"),
    path("mine/<str:number>/withdraw/", views.withdraw, name="withdraw"),
    path(
        "mine/<str:number>/materials/<int:material_id>/",
        views.mine_material,
        name="mine_material",
    ),
    path("mine/<str:number>/documents/<str:kind>/", views.mine_document, name="mine_document"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<str:number>/", views.inbox_detail, name="inbox_detail"),
    path("inbox/<str:number>/act/", views.inbox_act, name="inbox_act"),
    path("inbox/<str:number>/reveal/", views.inbox_reveal, name="inbox_reveal"),
    path(
        "inbox/<str:number>/materials/<int:material_id>/",
        views.inbox_material,
        name="inbox_material",
    ),
    path("inbox/<str:number>/documents/<str:kind>/", views.inbox_document, name="inbox_document"),
    path("stats/", views.stats_page, name="stats"),
]
