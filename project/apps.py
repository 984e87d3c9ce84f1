from django.apps import AppConfig
from django.contrib.staticfiles.apps import StaticFilesConfig as DjangoStaticFilesConfig
from django.utils.translation import gettext_lazy as _


class ProjectConfig(AppConfig):
    """Holds the project-wide management commands (the demo loader)."""

    name = "project"
    verbose_name = _("Project")
    default = True  # the module holds the staticfiles config of production too

    def ready(self) -> None:
        from django.contrib import admin

        # The admin's front page says when next year's holidays are not confirmed yet.
        admin.site.index_template = "admin/kongchuo_index.html"


class StaticFilesConfig(DjangoStaticFilesConfig):
    """Django's staticfiles, also leaving out any node_modules folder a package ships."""

    default = False

    ignore_patterns = [*DjangoStaticFilesConfig.ignore_patterns, "node_modules"]
