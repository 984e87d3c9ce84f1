from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectConfig(AppConfig):
    """Holds the project-wide management commands (the demo loader)."""

    name = "project"
    verbose_name = _("Project")
