from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowsConfig(AppConfig):
    """The engine that moves cases: service functions, stage policies, routing, timelines."""

    name = "workflows"
    verbose_name = _("Workflows")

    def ready(self) -> None:
        from cases.signals import staff_role_ended

        from .handlers import reassign_cases_of_departed_owner

        staff_role_ended.connect(reassign_cases_of_departed_owner, dispatch_uid="departed-owner")
