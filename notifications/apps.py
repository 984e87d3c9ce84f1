from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    """Outbox, channels and inbox. Takes a recipient, a template key, a context and a
    de-duplication key (`services.notify`, `services.notify_group`), so the engine can tell
    people things without this app knowing what a case is. Of `cases` it knows only the
    jurisdiction units its DingTalk robots belong to and the encrypted field that keeps their
    secrets; nothing of `workflows`.
    """

    name = "notifications"
    verbose_name = _("Notifications")
