from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "yiwang.catalog"
    label = "catalog"
    verbose_name = _("Service item catalogue")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from yiwang.catalog import permissions as perms
        from yiwang.portal.facade import register_nav, register_programme_link

        register_programme_link("services", "guide:home")  # 一网通办 → the service guide

        register_nav(
            _("Service items"),
            "catalog:items",
            perms.VIEW,
            order=30,
            description=_("Implementation list: adopt basic items, edit drafts, versions."),
        )
        register_nav(
            _("Service item review"),
            "catalog:review",
            perms.REVIEW,
            order=31,
            description=_("Versions waiting for review, with their changes; publish or send back."),
        )
        register_nav(
            _("Service item consistency"),
            "catalog:consistency",
            perms.VIEW,
            order=32,
            description=_("Standardisation scores and local differences between implementations."),
        )
        register_nav(
            _("Service item statistics"),
            "catalog:stats",
            perms.VIEW,
            order=33,
            description=_(
                "Items by kind, online-handling and zero-visit rates, limit compression."
            ),
        )
