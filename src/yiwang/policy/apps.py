from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PolicyConfig(AppConfig):
    name = "yiwang.policy"
    label = "policy"
    verbose_name = _("Enterprise policies")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from yiwang.policy import permissions as perms
        from yiwang.portal.facade import register_nav, register_programme_link

        register_nav(
            _("Enterprise policies"),
            "policy:documents",
            perms.VIEW,
            order=50,
            description=_(
                "Policy documents and their items with eligibility rules, the live count of "
                "qualifying enterprises and explanations."
            ),
        )
        # 政企直通 on the public home page → the published policy items
        register_programme_link("enterprise", "policy:public_items")
