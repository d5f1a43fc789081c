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
        self._register_pages()

    def _register_pages(self) -> None:
        from yiwang.hotline import permissions as perms
        from yiwang.hotline.views_workbench import hotline_tasks_for
        from yiwang.portal.facade import register_nav, register_task_provider

        register_nav(
            _("12345 intake"),
            "hotline:intake",
            perms.INTAKE,
            order=20,
            description=_("Take a call: knowledge base, dispatch suggestions, duplicates."),
        )
        register_nav(
            _("12345 supervision"),
            "hotline:board",
            perms.SUPERVISE,
            order=21,
            description=_("Overdue and warned orders and every queue waiting for the centre."),
        )
        register_nav(
            _("12345 inbox"),
            "hotline:inbox",
            perms.VIEW,
            order=22,
            description=_("Orders of your unit to sign for, handle and close, by deadline."),
        )
        register_nav(
            _("12345 statistics"),
            "hotline:stats",
            perms.STATS,
            order=23,
            description=_("Indicators, trends and the unit ranking; Excel export."),
        )
        register_nav(
            _("12345 dispatch catalogue"),
            "hotline:catalogue",
            perms.MANAGE_CATALOGUE,
            order=24,
            description=_("Dispatch rules: conditions, lead and co-units, versions."),
        )
        register_nav(
            _("12345 SLA policies"),
            "hotline:sla_policies",
            perms.MANAGE_CATALOGUE,
            order=25,
            description=_("Sign-for, handling and callback limits per lane and category."),
        )
        register_nav(
            _("12345 cross-city transfers"),
            "hotline:transfers",
            perms.VIEW_CITY,
            order=26,
            description=_("Requests sent to and received from other cities, with their state."),
        )
        register_task_provider(hotline_tasks_for)
