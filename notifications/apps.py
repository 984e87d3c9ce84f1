from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    """Outbox, channels and inbox. Takes a recipient, a template key, a context and a
    de-duplication key; imports nothing of `cases` or `workflows`. (Built with the deadlines
    and notifications issue; empty until then.)"""

    name = "notifications"
    verbose_name = _("Notifications")
