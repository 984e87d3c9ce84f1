from django.apps import AppConfig
from django.contrib.staticfiles.apps import StaticFilesConfig as DjangoStaticFilesConfig
from django.utils.translation import gettext_lazy as _


class ProjectConfig(AppConfig):
    """Holds the project-wide management commands (the demo loader)."""

    name = "project"
    verbose_name = _("Project")


class StaticFilesConfig(DjangoStaticFilesConfig):
    """Django's staticfiles, also leaving out any node_modules folder a package ships."""

    ignore_patterns = [*DjangoStaticFilesConfig.ignore_patterns, "node_modules"]
