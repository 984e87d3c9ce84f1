"""The access log: who looked at which case, who unmasked a number and why, who exported what.

Children's data is sensitive personal information (PIPL art. 28, 31): every access is recorded,
and the log itself holds no identity or phone number. Append-only: the admin can read it,
nobody can change it.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AccessAction(models.TextChoices):
    VIEW_CASE = "view_case", _("Viewed a case")
    UNMASK = "unmask", _("Unmasked identity and phone numbers")
    EXPORT = "export", _("Exported a register")
    DOWNLOAD = "download", _("Downloaded a document or a receipt")


class AccessLog(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        related_name="access_log",
    )
    # The roles through which the user reached the case, as held at that moment.
    roles = models.CharField(_("roles"), max_length=200, blank=True)
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case"),
        on_delete=models.PROTECT,
        related_name="access_log",
        null=True,
        blank=True,
    )
    action = models.CharField(_("action"), max_length=16, choices=AccessAction.choices)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    at = models.DateTimeField(_("at"), db_index=True)

    class Meta:
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        ordering = ["-at", "-id"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{timezone.localtime(self.at):%Y-%m-%d %H:%M} {self.get_action_display()}"
