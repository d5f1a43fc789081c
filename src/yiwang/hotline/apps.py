from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HotlineConfig(AppConfig):
    name = "yiwang.hotline"
    label = "hotline"
    verbose_name = _("12345 hotline")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from yiwang.portal.facade import register_programme_link

        # The home page's 12345 card opens the public tracking page.
        register_programme_link("hotline", "hotline:track")
