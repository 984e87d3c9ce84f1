from axes.apps import AppConfig as AxesAppConfig
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
        admin.site.site_header = _("Keep every child in school · administration")
        admin.site.site_title = _("Keep every child in school")
        admin.site.index_title = _("Administration")


class StaticFilesConfig(DjangoStaticFilesConfig):
    """Django's staticfiles, also leaving out any node_modules folder a package ships."""

    default = False

    ignore_patterns = [*DjangoStaticFilesConfig.ignore_patterns, "node_modules"]


class AxesConfig(AxesAppConfig):
    """django-axes with a name in the admin's language (it ships none: its section read "Axes")."""

    default = False
    verbose_name = _("Sign-in attempts")
