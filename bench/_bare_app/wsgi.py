"""granian --interface wsgi bench._bare_app.wsgi:application"""

import os

from django.core.wsgi import get_wsgi_application

os.environ["DJANGO_SETTINGS_MODULE"] = "bench._bare_app.settings"
application = get_wsgi_application()
