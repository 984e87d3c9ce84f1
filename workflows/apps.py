from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowsConfig(AppConfig):
    """The engine that moves cases: service functions, stage policies, routing, timelines."""

    name = "workflows"
    verbose_name = _("Workflows")

    def ready(self) -> None:
        from .messages import register_case_messages

        register_case_messages()
