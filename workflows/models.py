"""The engine's own records: the working-day calendar's overrides, stage policies per county,
and the deadline alerts that make the sweep idempotent."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cases.ladder import NEXT_RUNG, TUTOR
from cases.models import Case, Role, Stage, UnitKind

OWNER_ROLE_CHOICES = [*Role.choices, (TUTOR, _("Tutor (一帮一)"))]


class CalendarDay(models.Model):
    """An administrator's correction to the working-day calendar.

    National rows (no county) carry the State Council's schedule for a year the package does
    not know yet (the notice comes late in the year before); county rows carry term dates and
    local holidays. A county row wins over a national row, which wins over the package.
    """

    date = models.DateField(_("date"))
    county = models.ForeignKey(
        "cases.Unit",
        verbose_name=_("county (empty: all counties)"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        limit_choices_to={"kind": UnitKind.COUNTY},
    )
    is_working_day = models.BooleanField(_("working day"))
    note = models.CharField(_("note"), max_length=100, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["date", "county"], name="calendar_day_per_county"),
            models.UniqueConstraint(
                fields=["date"],
                condition=models.Q(county__isnull=True),
                name="calendar_day_national",
            ),
        ]

    def __str__(self) -> str:
        kind = _("working day") if self.is_working_day else _("day off")
        return f"{self.date:%Y-%m-%d} {kind}"


POLICY_ROLE_WRONG = _("This owner role cannot own a case in this stage.")
POLICY_NO_AUTO_ESCALATION = _(
    "A case cannot escalate by itself from this stage: legal enforcement starts only with the "
    "township's order, and later stages have no higher rung. The overdue alert goes to the "
    "role told when the deadline passes."
)


class StagePolicy(models.Model):
    """For one county and one stage: who owns the case, how many working days they have, when
    to remind them, whom to tell when the deadline passes, and whether to escalate by itself.

    Versioned by its history: a case records the history row under which its stage started, so
    a later change applies to stages that start later and never moves a running deadline.
    """

    county = models.ForeignKey(
        "cases.Unit",
        verbose_name=_("county"),
        on_delete=models.PROTECT,
        related_name="stage_policies",
        limit_choices_to={"kind": UnitKind.COUNTY},
    )
    stage = models.CharField(_("stage"), max_length=24, choices=Stage.choices)
    owner_role = models.CharField(_("owner role"), max_length=24, choices=OWNER_ROLE_CHOICES)
    working_days = models.PositiveSmallIntegerField(
        _("working days"), help_text=_("0: the same working day.")
    )
    reminder_days = models.PositiveSmallIntegerField(
        _("reminder lead (working days)"),
        default=1,
        help_text=_("Remind the owner this many working days before the deadline; 0: no reminder."),
    )
    escalate_to_role = models.CharField(
        _("tell when overdue"), max_length=24, choices=Role.choices, blank=True
    )
    auto_escalate = models.BooleanField(_("escalate automatically when overdue"), default=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("stage policy")
        verbose_name_plural = _("stage policies")
        ordering = ["county", "stage"]
        constraints = [
            models.UniqueConstraint(fields=["county", "stage"], name="stage_policy_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.county} · {self.get_stage_display()}"

    def clean(self) -> None:
        if self.owner_role == TUTOR and self.stage != Stage.TUTORING_FOLLOWUP:
            raise ValidationError({"owner_role": POLICY_ROLE_WRONG})
        if self.auto_escalate and self.stage not in NEXT_RUNG:
            raise ValidationError({"auto_escalate": POLICY_NO_AUTO_ESCALATION})


class AlertKind(models.TextChoices):
    REMINDER = "reminder", _("Reminder before the deadline")
    OVERDUE = "overdue", _("Deadline passed")
    ESCALATED = "escalated", _("Escalated automatically")
    NOT_ESCALATED = "not_escalated", _("Automatic escalation refused by the ladder")


class DeadlineAlert(models.Model):
    """One thing the sweep did for one stage of one case. The unique constraint is what makes
    the sweep idempotent: a second run, or a concurrent one, cannot insert the same row."""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="deadline_alerts"
    )
    stage_started_at = models.DateTimeField(_("stage started at"))
    stage = models.CharField(_("stage"), max_length=24, choices=Stage.choices)
    kind = models.CharField(_("kind"), max_length=16, choices=AlertKind.choices)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("deadline alert")
        verbose_name_plural = _("deadline alerts")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "stage_started_at", "kind"], name="deadline_alert_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case} · {self.get_kind_display()}"
