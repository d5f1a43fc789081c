from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "yiwang.cases"
    label = "cases"
    verbose_name = _("Applications")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from yiwang.cases import permissions as perms
        from yiwang.portal.facade import register_nav

        register_nav(
            _("Applications inbox"),
            "cases:inbox",
            perms.VIEW,
            order=35,
            description=_("Applications your department holds, by deadline, with warnings."),
        )
        register_nav(
            _("Applications filed for others"),
            "cases:mine",
            perms.ASSIST,
            order=36,
            description=_("Applications you filed on behalf of citizens and enterprises."),
        )
        register_nav(
            _("One-stop service statistics"),
            "cases:stats",
            perms.STATS,
            order=37,
            description=_(
                "Applications, on-time completion and service ratings by department and "
                "district, with the catalogue's online-handling figures."
            ),
        )
