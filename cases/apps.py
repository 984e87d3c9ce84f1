from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    """The records: jurisdiction tree, roster, staff roles, cases, contacts and case events."""

    name = "cases"
    verbose_name = _("Cases and roster")
