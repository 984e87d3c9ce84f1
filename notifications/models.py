"""The outbox (`Message`), the in-app inbox (`InboxItem`) and a user's channel settings.

The outbox row is the truth: it is written in the caller's transaction, so a step that rolls
back leaves no notification behind, and a message whose delivery failed is still there to be
retried or read in the admin. Celery, or the in-process fallback, only carries it.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

# The one thing this app takes from `cases`: the project's encryption at rest for secrets.
from cases.fields import EncryptedCharField


class Channel(models.TextChoices):
    INBOX = "inbox", _("In-app inbox")  # 站内消息: always there, needs nothing outside
    EMAIL = "email", _("Email")  # to the user's e-mail address, when there is one
    SMS = "sms", _("SMS")  # template-only text message to the number in RecipientSettings
    WECOM = "wecom", _("WeCom group robot")  # 企业微信群机器人: a group, no recipient user
    DINGTALK = "dingtalk", _("DingTalk group robot")  # 钉钉群机器人: signed, as WeCom's


class Status(models.TextChoices):
    PENDING = "pending", _("Pending")  # written, not tried yet
    RETRYING = "retrying", _("Retrying")  # failed at least once; tried again at next_attempt_at
    SENT = "sent", _("Sent")  # handed to the channel: done
    SKIPPED = "skipped", _("Skipped")  # nothing to send to (no address, no webhook): done
    DEAD = "dead", _("Dead")  # gave up after the last attempt; kept for the admin to retry


#: Statuses that delivery still has to act on.
OPEN_STATUSES = (Status.PENDING, Status.RETRYING)


class Receipt(models.TextChoices):
    """What an SMS vendor's delivery report (回执) says about a sent text message."""

    WAITING = "waiting", _("Waiting for the report")  # handed to the vendor, no report yet
    DELIVERED = "delivered", _("Delivered")  # the carrier says the phone received it
    FAILED = "failed", _("Not delivered")  # the carrier says it did not; its code says why


#: The kinds of jurisdiction unit (cases.UnitKind, by value) that may have a group robot.
ROBOT_UNIT_KINDS = ("county", "township")
ROBOT_UNIT_WRONG = _("A DingTalk robot belongs to a county or a township.")


class DingTalkRobot(models.Model):
    """The DingTalk custom robot (钉钉自定义机器人) of a county's or a township's group.

    A message about a case goes to its township's robot, else its county's, else the one in
    the settings. The address holds the robot's access token and the secret signs: both are
    kept encrypted and never shown back in full (the admin shows their last characters)."""

    unit = models.OneToOneField(
        "cases.Unit",
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        related_name="dingtalk_robot",
        limit_choices_to={"kind__in": ROBOT_UNIT_KINDS},
    )
    name = models.CharField(_("group name"), max_length=100)
    webhook_url = EncryptedCharField(_("robot address"))
    secret = EncryptedCharField(_("signing secret"))
    # Switched off rather than deleted: the messages sent through it still name it.
    active = models.BooleanField(_("active"), default=True)
    # who changed the robot and when (its address and secret stay encrypted in the copies)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("DingTalk group robot")
        verbose_name_plural = _("DingTalk group robots")
        ordering = ["unit__path"]

    def __str__(self) -> str:
        return f"{self.unit} · {self.name}"

    def clean(self) -> None:
        if self.unit_id and self.unit.kind not in ROBOT_UNIT_KINDS:
            raise ValidationError({"unit": ROBOT_UNIT_WRONG})


class Message(models.Model):
    """One notification for one recipient on one channel (an outbox row).

    (dedup_key, channel, recipient) is unique, so the same event notified twice (a retried
    request, a sweep that runs again) writes nothing new. Group messages have no recipient; two
    partial unique constraints cover both cases because NULLs are distinct in a plain unique
    constraint on SQLite and on PostgreSQL before 15.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="notification_messages",
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    template_key = models.CharField(_("template"), max_length=64)
    # JSON-safe values only (datetimes as ISO strings); the keys are the template's own.
    context = models.JSONField(_("context"), default=dict)
    dedup_key = models.CharField(_("de-duplication key"), max_length=200)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    # The exception class and a short, scrubbed message: never a phone number or a webhook key.
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    # DingTalk rows: the unit's robot chosen when the row was written; none: the settings' one.
    robot = models.ForeignKey(
        DingTalkRobot,
        verbose_name=_("DingTalk robot"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="messages",
    )
    # SMS rows: the vendor's id of the message (Alibaba's BizId, Tencent's SerialNo) and what
    # its delivery report said; the number as the vendor reported it, masked.
    sms_vendor = models.CharField(_("SMS vendor"), max_length=16, blank=True)
    vendor_message_id = models.CharField(_("vendor's message id"), max_length=64, blank=True)
    receipt = models.CharField(
        _("delivery report"), max_length=10, choices=Receipt.choices, blank=True
    )
    receipt_code = models.CharField(_("carrier's code"), max_length=64, blank=True)
    receipt_at = models.DateTimeField(_("received at"), null=True, blank=True)
    receipt_phone = models.CharField(_("number (masked)"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outgoing messages")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["dedup_key", "channel", "recipient"],
                condition=Q(recipient__isnull=False),
                name="notifications_message_once_per_user",
            ),
            models.UniqueConstraint(
                fields=["dedup_key", "channel"],
                condition=Q(recipient__isnull=True),
                name="notifications_message_once_per_group",
            ),
        ]
        indexes = [
            # What deliver_due looks for: open rows whose time has come.
            models.Index(fields=["status", "next_attempt_at"], name="notif_msg_due_idx"),
            # What the receipt job looks for: text messages still waiting for their report.
            models.Index(
                fields=["sent_at"],
                condition=Q(receipt="waiting"),
                name="notif_msg_receipt_wait_idx",
            ),
            # A vendor's report names its message by the vendor's id.
            models.Index(
                fields=["sms_vendor", "vendor_message_id"],
                condition=~Q(vendor_message_id=""),
                name="notif_msg_vendor_id_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.template_key} → {self.get_channel_display()} #{self.pk}"


class InboxItem(models.Model):
    """A message in a user's in-app inbox (站内消息), made by the inbox channel on delivery.

    One per outbox row (the one-to-one makes a repeated delivery a no-op). Title and body are
    rendered once, so the inbox reads the same later even if a template changes.
    """

    message = models.OneToOneField(
        Message,
        verbose_name=_("outgoing message"),
        on_delete=models.PROTECT,
        related_name="inbox_item",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        related_name="inbox_items",
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    # A path on this site ("/work/cases/15/"), never an outside address.
    url = models.CharField(_("link"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("inbox item")
        verbose_name_plural = _("inbox items")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "read_at"], name="notif_inbox_unread_idx"),
            models.Index(fields=["user", "-created_at"], name="notif_inbox_newest_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class RecipientSettings(models.Model):
    """Which channels besides the inbox a user wants.

    No phone number is kept here: the SMS channel asks NOTIFICATIONS_PHONE_LOOKUP for it at
    delivery time, so the number stays where it is stored encrypted and never enters the outbox.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notification_settings",
    )
    email_on = models.BooleanField(_("send e-mail"), default=False)
    sms_on = models.BooleanField(_("send SMS"), default=False)

    class Meta:
        verbose_name = _("notification settings")
        verbose_name_plural = _("notification settings")

    def __str__(self) -> str:
        return str(self.user)
