"""Attendance: the terms and a school's own days off, each class's daily roll (到校日报告), the
absences it records, the county's rules for suspecting a dropout, the proposals those rules make
to the homeroom teacher, and each student's support plan (一人一案)."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ..validators import free_text
from .roster import Student
from .units import Unit, UnitKind


class Term(models.Model):
    """A county's term (学期): school days fall inside a term; the first days after its start are
    when students who do not come back are looked for (开学返校)."""

    county = models.ForeignKey(
        Unit,
        verbose_name=_("county"),
        on_delete=models.PROTECT,
        related_name="terms",
        limit_choices_to={"kind": UnitKind.COUNTY},
    )
    name = models.CharField(_("name"), max_length=50)
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("term")
        verbose_name_plural = _("terms")
        ordering = ["county", "-starts_on"]

    def __str__(self) -> str:
        return f"{self.county} · {self.name}"

    def clean(self) -> None:
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("The term ends before it starts.")})


class SchoolDayOff(models.Model):
    """A day a school does not teach although the county's calendar says it is a school day
    (a sports day, a school's own holiday)."""

    school = models.ForeignKey(
        Unit,
        verbose_name=_("school"),
        on_delete=models.PROTECT,
        related_name="days_off",
        limit_choices_to={"kind": UnitKind.SCHOOL},
    )
    date = models.DateField(_("date"))
    note = models.CharField(_("note"), max_length=100, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("school day off")
        verbose_name_plural = _("school days off")
        ordering = ["school", "date"]
        constraints = [
            models.UniqueConstraint(fields=["school", "date"], name="school_day_off_unique")
        ]

    def __str__(self) -> str:
        return f"{self.school} · {self.date:%Y-%m-%d}"


class RollCall(models.Model):
    """One class's roll for one day: who took it and when. Taken again the same day, the new
    marks are recorded as changes (history), never in place of the first."""

    # no index of its own: the (class, date) unique index starts with it, and a bulk upload
    # writes thousands of roll calls
    klass = models.ForeignKey(
        Unit,
        verbose_name=_("class"),
        on_delete=models.PROTECT,
        related_name="roll_calls",
        db_index=False,
    )
    date = models.DateField(_("date"))
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("taken by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    taken_at = models.DateTimeField(_("taken at"))
    absent = models.PositiveIntegerField(_("absent"), default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("daily roll")
        verbose_name_plural = _("daily rolls")
        ordering = ["-date", "klass"]
        constraints = [models.UniqueConstraint(fields=["klass", "date"], name="roll_call_unique")]

    def __str__(self) -> str:
        return f"{self.klass} · {self.date:%Y-%m-%d}"


class AbsenceKind(models.TextChoices):
    SICK = "sick", _("Sick leave (病假)")
    PERSONAL = "personal", _("Personal leave (事假)")
    UNEXCUSED = "unexcused", _("Unexcused or unknown (无故/不明)")
    PRESENT = "present", _("Present after all (corrected)")


EXCUSED = frozenset({AbsenceKind.SICK, AbsenceKind.PERSONAL, AbsenceKind.PRESENT})


class AttendanceSource(models.TextChoices):
    ROLL = "roll", _("Daily roll")
    UPLOAD = "upload", _("File upload")
    API = "api", _("Interface")


class Absence(models.Model):
    """A student away on a school day, whole or part of it, with the reason and who was asked.
    One per student and day; a later correction (an excuse, a mistake) is a change with its
    history, and a student marked present after all keeps the row as `present`."""

    # no index of its own: the (student, date) unique index starts with it
    student = models.ForeignKey(
        Student,
        verbose_name=_("student"),
        on_delete=models.PROTECT,
        related_name="absences",
        db_index=False,
    )
    date = models.DateField(_("date"))
    kind = models.CharField(_("reason"), max_length=12, choices=AbsenceKind.choices)
    part_of_day = models.BooleanField(_("part of the day only"), default=False)
    contacted = models.CharField(
        _("who was contacted"), max_length=100, blank=True, validators=free_text(100)
    )
    note = models.CharField(_("note"), max_length=200, blank=True, validators=free_text(200))
    source = models.CharField(
        _("source"), max_length=8, choices=AttendanceSource.choices, default=AttendanceSource.ROLL
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("absence")
        verbose_name_plural = _("absences")
        ordering = ["-date", "student"]
        constraints = [models.UniqueConstraint(fields=["student", "date"], name="absence_unique")]
        indexes = [models.Index(fields=["date", "kind"], name="absence_day_kind")]

    def __str__(self) -> str:
        return f"{self.student} · {self.date:%Y-%m-%d} · {self.get_kind_display()}"

    @property
    def unexcused(self) -> bool:
        return self.kind == AbsenceKind.UNEXCUSED


class AttendanceRule(models.Model):
    """A county's thresholds for suspecting a dropout from the roll (they differ by place:
    FORMATS.md), versioned by their history; a proposal names the version it was made under."""

    county = models.OneToOneField(
        Unit,
        verbose_name=_("county"),
        on_delete=models.PROTECT,
        related_name="attendance_rule",
        limit_choices_to={"kind": UnitKind.COUNTY},
    )
    consecutive_days = models.PositiveSmallIntegerField(
        _("school days absent in a row without a valid reason"), default=3
    )
    term_start_days = models.PositiveSmallIntegerField(
        _("school days not back after the term starts"), default=3
    )
    partial_count = models.PositiveSmallIntegerField(
        _("absences of part of a day (or unexcused days) within the window"), default=4
    )
    partial_window = models.PositiveSmallIntegerField(
        _("window for partial absences, in school days"), default=10
    )
    report_by = models.TimeField(_("daily roll due by"), default=datetime.time(9, 0))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("attendance rule")
        verbose_name_plural = _("attendance rules")

    def __str__(self) -> str:
        return str(self.county)

    def clean(self) -> None:
        for field in ("consecutive_days", "term_start_days", "partial_count", "partial_window"):
            if not getattr(self, field):
                raise ValidationError({field: _("At least 1.")})
        if self.partial_count > self.partial_window:
            raise ValidationError({"partial_count": _("More than the window has days.")})


class ProposalRule(models.TextChoices):
    CONSECUTIVE = "consecutive", _("Absent school days in a row without a valid reason")
    TERM_START = "term_start", _("Not back after the term started")
    PARTIAL = "partial", _("Repeated absences within a few weeks")


class ProposalStatus(models.TextChoices):
    OPEN = "open", _("Waiting for the homeroom teacher")
    CONFIRMED = "confirmed", _("Confirmed: a case is open")
    REJECTED = "rejected", _("Not a suspected dropout (teacher)")
    WITHDRAWN = "withdrawn", _("Withdrawn: the absences were excused")
    EXCUSED_AFTER_CASE = "excused", _("Absences excused after the case opened: consider dismissal")


class Proposal(models.Model):
    """A rule's suggestion that a student is a suspected dropout, with its evidence (the days),
    put to the homeroom teacher. One waiting per student at most."""

    student = models.ForeignKey(
        Student, verbose_name=_("student"), on_delete=models.PROTECT, related_name="proposals"
    )
    rule = models.CharField(_("rule"), max_length=12, choices=ProposalRule.choices)
    rule_version = models.PositiveIntegerField(_("rule version (history id)"), null=True)
    days = models.JSONField(_("days of the evidence"), default=list)
    first_absent_on = models.DateField(_("first day absent"))
    status = models.CharField(
        _("status"), max_length=12, choices=ProposalStatus.choices, default=ProposalStatus.OPEN
    )
    proposed_at = models.DateTimeField(_("proposed at"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="proposals",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("proposed case")
        verbose_name_plural = _("proposed cases")
        ordering = ["-proposed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["student"],
                condition=models.Q(status="open"),
                name="one_open_proposal_per_student",
            )
        ]

    def __str__(self) -> str:
        return f"{self.student} · {self.get_rule_display()}"

    @property
    def day_list(self) -> list[datetime.date]:
        return [datetime.date.fromisoformat(day) for day in self.days]


class Subsidy(models.TextChoices):
    TWO_EXEMPTIONS = "two_exemptions", _("两免一补 (fees waived, boarding subsidy)")
    NUTRITION = "nutrition", _("营养午餐 (nutrition lunch)")
    BOARDING = "boarding", _("Boarding place")
    OTHER = "other", _("Other support")


class SupportPlan(models.Model):
    """一人一案: what the school does to keep one student at risk in school, and who does it."""

    student = models.OneToOneField(
        Student, verbose_name=_("student"), on_delete=models.PROTECT, related_name="support_plan"
    )
    measures = models.TextField(_("measures"), max_length=2000, validators=free_text(2000))
    responsible = models.CharField(
        _("responsible people"), max_length=200, validators=free_text(200)
    )
    mentor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("mentor (一帮一)"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="mentored_plans",
    )
    subsidies = models.JSONField(_("subsidies"), default=list, blank=True)
    reviewed_on = models.DateField(_("last reviewed"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("updated by"), on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("support plan")
        verbose_name_plural = _("support plans")

    def __str__(self) -> str:
        return str(self.student)
