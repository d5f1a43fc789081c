"""Pages of cases, mounted at /cases/."""

app_name = "cases"

urlpatterns: list = []
