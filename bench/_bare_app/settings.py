"""Minimal settings: no apps beyond what a JSON view needs, no middleware.

``BARE_PEER=store`` adds the database of ``YIWANG_DATABASE_URL`` (the same PostgreSQL database
as ours) and the one unmanaged model the storing view writes; ``echo`` (the default) has none.
"""

import os

import dj_database_url

SECRET_KEY = "bench-only-not-secret"  # noqa: S105
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "bench._bare_app.urls"
MIDDLEWARE: list[str] = []
USE_TZ = True
STORE = os.environ.get("BARE_PEER", "echo") == "store"
INSTALLED_APPS: list[str] = ["bench._bare_app"] if STORE else []
DATABASES: dict = (
    {"default": dj_database_url.parse(os.environ["YIWANG_DATABASE_URL"], conn_max_age=600)}
    if STORE
    else {}
)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
