"""Pages of the policy app: the enterprise service desk (inbox, 免申即享 grants, 快申快享
applications) and the officers' grants and application queue (included by policy.urls)."""

from django.urls import path

from yiwang.policy.views import desk, disbursement

urlpatterns: list = [
    # enterprise users
    path("desk/", desk.desk, name="desk"),
    path("desk/pushes/<int:pk>/", desk.desk_push, name="desk_push"),
    path("desk/grants/", desk.desk_grants, name="desk_grants"),
    path("desk/applications/", desk.desk_applications, name="desk_applications"),
    path("desk/apply/<int:item_id>/", desk.desk_apply, name="desk_apply"),
    # officers
    path("manage/items/<int:pk>/grants/", disbursement.item_grants, name="item_grants"),
    path("manage/items/<int:pk>/grants/pay/", disbursement.grants_pay, name="grants_pay"),
    path("manage/grants/<int:pk>/pay/", disbursement.grant_pay, name="grant_pay"),
    path("manage/grants/<int:pk>/revoke/", disbursement.grant_revoke, name="grant_revoke"),
    path("manage/applications/", disbursement.applications, name="applications"),
    path(
        "manage/applications/<int:pk>/decide/",
        disbursement.application_decide,
        name="application_decide",
    ),
    path(
        "manage/applications/<int:pk>/pay/",
        disbursement.application_pay,
        name="application_pay",
    ),
]
