"""Contacts with a family: home visits, calls, meetings (家访记录, 动员记录, 跟踪记录)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from ..validators import LINE_MAX_LENGTH, NOTE_MAX_LENGTH, free_text


class ContactKind(models.TextChoices):
    HOME_VISIT = "home_visit", pgettext_lazy("contact kind", "Home visit")  # 家访
    JOINT_VISIT = "joint_visit", _("Joint visit with township or village")  # 联合家访
    PHONE = "phone", _("Phone call")  # 电话
    MEETING = "meeting", _("Meeting at school or office")  # 约谈
    WRITTEN_NOTICE = "written_notice", _("Written notice")  # 书面通知


VISIT_KINDS = (ContactKind.HOME_VISIT, ContactKind.JOINT_VISIT)


class GuardianAttitude(models.TextChoices):
    SUPPORTIVE = "supportive", _("Supportive")  # 支持返校
    HESITANT = "hesitant", _("Hesitant")  # 犹豫
    OPPOSED = "opposed", _("Opposed")  # 反对
    UNREACHABLE = "unreachable", _("Could not be reached")  # 无法联系


class Contact(models.Model):
    """One contact with the student or family, recorded by the services, never edited away."""

    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.PROTECT, related_name="contacts"
    )
    # The stage the case was in: "a township persuasion attempt" is a contact in that stage.
    stage = models.CharField(_("stage at the time"), max_length=24)
    kind = models.CharField(_("kind"), max_length=20, choices=ContactKind.choices)
    occurred_on = models.DateField(_("date"))
    place = models.CharField(
        _("place"), max_length=LINE_MAX_LENGTH, blank=True, validators=free_text(LINE_MAX_LENGTH)
    )
    participants = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff taking part"),
        related_name="contacts",
    )
    other_participants = models.CharField(
        _("other participants"),
        max_length=LINE_MAX_LENGTH,
        blank=True,
        validators=free_text(LINE_MAX_LENGTH),
    )
    guardian_attitude = models.CharField(
        _("guardian's attitude"), max_length=20, choices=GuardianAttitude.choices
    )
    result = models.TextField(_("result"), validators=free_text(NOTE_MAX_LENGTH))
    next_step = models.TextField(_("next step"), blank=True, validators=free_text(NOTE_MAX_LENGTH))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="recorded_contacts",
    )
    recorded_at = models.DateTimeField(_("recorded at"))
    # Each case's contacts form a hash chain of their own, like its events (cases/chain.py).
    previous_hash = models.CharField(_("previous hash"), max_length=64, blank=True)
    hash = models.CharField(_("hash"), max_length=64, blank=True)
    history = HistoricalRecords(m2m_fields=[participants])

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["occurred_on", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.occurred_on:%Y-%m-%d}"
