from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "yiwang.registry"
    label = "registry"
    verbose_name = _("Enterprise registry")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from yiwang.portal.facade import register_nav
        from yiwang.registry import permissions as perms

        register_nav(
            _("Enterprise files"),
            "registry:list",
            perms.VIEW,
            order=48,
            description=_(
                "一企一档: every enterprise of your jurisdiction with its profile, sources, "
                "qualifications and history."
            ),
        )
        register_nav(
            _("Enterprise imports"),
            "registry:imports",
            perms.MANAGE,
            order=49,
            description=_(
                "Import a department's enterprise file (CSV or Excel) and follow its progress "
                "and errors."
            ),
        )
