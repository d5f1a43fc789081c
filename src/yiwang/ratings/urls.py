"""Pages of ratings, mounted at /ratings/."""

app_name = "ratings"

urlpatterns: list = []
