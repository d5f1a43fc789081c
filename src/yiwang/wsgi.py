"""WSGI entry point (granian --interface wsgi yiwang.wsgi:application).

Imported only by a server process, so this is where the process loads what its first requests
would otherwise wait for: the Chinese search kernel (jieba's dictionary, the pinyin table;
``yiwang.core.search.warm_up``, ≈ 1 s, before the server accepts connections)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.settings")
application = get_wsgi_application()

from yiwang.core.search import warm_up  # noqa: E402 — needs the settings loaded above

warm_up()
