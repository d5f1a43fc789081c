from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "yiwang.portal"
    label = "portal"
    verbose_name = _("Portal and workbench")

    def ready(self) -> None:
        from django.contrib import admin

        from yiwang.portal.forms import AdminLoginForm
        from yiwang.portal.registry import register_nav

        admin.site.site_header = _("yiwang 一网 administration")
        admin.site.site_title = _("yiwang 一网 administration")
        admin.site.index_title = _("Platform administration")
        admin.site.login_form = AdminLoginForm

        register_nav(
            _("Organisations"),
            "portal:organisations",
            "core.view_organisation",
            order=900,
            description=_("The organisation tree you are responsible for."),
        )
        register_nav(
            _("Audit log"),
            "portal:audit",
            "audit.view",
            order=910,
            description=_("Search and export the record of every action on the platform."),
        )
