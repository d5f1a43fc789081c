from django.urls import path

from yiwang.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("accounts/login/", views.login_view, name="login"),
    path("accounts/logout/", views.logout_view, name="logout"),
    path("accounts/password/", views.password_change, name="password_change"),
    path("me/", views.me, name="me"),
    path("inbox/", views.inbox, name="inbox"),
    path("workbench/", views.workbench, name="workbench"),
    path("workbench/audit/", views.audit, name="audit"),
    path("workbench/audit/export.csv", views.audit_export, name="audit_export"),
    path("workbench/organisations/", views.organisations, name="organisations"),
]
