from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RatingsConfig(AppConfig):
    name = "yiwang.ratings"
    label = "ratings"
    verbose_name = _("Service ratings")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from yiwang.portal.facade import register_nav, register_task_provider
        from yiwang.ratings import permissions as perms
        from yiwang.ratings.views import ratings_tasks_for

        register_nav(
            _("Negative ratings"),
            "ratings:worklist",
            perms.VIEW,
            order=40,
            description=_("Negative ratings of your services: verify, rectify, give feedback."),
        )
        register_nav(
            _("Rating appeals"),
            "ratings:appeals",
            perms.DECIDE_APPEAL,
            order=41,
            description=_("Appeals of departments against wrongful ratings, for your decision."),
        )
        register_nav(
            _("Rating statistics"),
            "ratings:stats",
            perms.VIEW,
            order=42,
            description=_("Share of good and negative ratings by department, item and channel."),
        )
        register_task_provider(ratings_tasks_for)
