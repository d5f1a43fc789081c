"""The public service guide (办事指南), mounted at /services/."""

app_name = "guide"

urlpatterns: list = []
