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
        register_nav(
            _("Quick applications (快申快享)"),
            "policy:applications",
            perms.VIEW,
            order=51,
            description=_(
                "Prefilled applications enterprises confirmed: decide and pay within 60 "
                "working days."
            ),
        )
        register_nav(
            _("Enterprise policy statistics"),
            "policy:stats",
            perms.VIEW,
            order=59,
            description=_(
                "Policies published, pushes delivered and read, questions and answer times, "
                "grants and applications by department, industry and district."
            ),
        )
        # 政企直通 on the public home page → the published policy items
        register_programme_link("enterprise", "policy:public_items")
        self._register_consult()

    def _register_consult(self) -> None:
        """Consultation (政策咨询): the officers' question queue, its workbench task and the
        hourly overdue sweep (``tasks_consult``: Huey discovers only ``tasks`` modules)."""
        from yiwang.policy import permissions as perms
        from yiwang.policy import tasks_consult  # noqa: F401 — registers the periodic task
        from yiwang.policy.views.consult import consult_tasks_for
        from yiwang.portal.facade import register_nav, register_task_provider

        register_nav(
            _("Policy questions"),
            "policy:questions",
            perms.VIEW,
            order=52,
            description=_(
                "Enterprises' questions on your policy items: answer within the limit, publish "
                "good answers as public FAQ."
            ),
        )
        register_task_provider(consult_tasks_for)
