"""The counts behind the figures a county is judged by (辍学率, 巩固率): enrolment at the start of
each school year, and the movements the cases do not show (transfers in, graduations, earlier
years), each with its source. What the cases show (transfers out, suspensions, deaths, dropouts)
is read from their events (workflows.figures). Both kept here have their history: a figure for
a past date reads them as they stood then, not today's rows."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .. import clock
from ..school_years import of_unit
from ..validators import LINE_MAX_LENGTH, free_text
from .case import CaseEvent
from .imports import RosterDeparture, Settlement

GRADE_LEVELS = [MinValueValidator(1), MaxValueValidator(9)]


class DatedHistory(models.Model):
    """History rows dated by the engine's clock (a demo replay or a test may set it), so that
    a figure for a past day reads the counts as they stood that day."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        self._history_date = clock.now()
        super().save(*args, **kwargs)


class CountSource(models.TextChoices):
    SNAPSHOT = "snapshot", _("Counted from the roll")  # the term-start job, or on demand
    HAND = "hand", _("Entered by hand")  # earlier years, figures from the 学籍 system
    IMPORT = "import", _("Imported")


class Enrolment(DatedHistory):
    """在校生数: the students of a school's grade at the start of a school year (from the
    county's autumn term, or 1 September, of `school_year`: cases.school_years)."""

    school = models.ForeignKey(
        "cases.Unit", verbose_name=_("school"), on_delete=models.PROTECT, related_name="+"
    )
    grade_level = models.PositiveSmallIntegerField(_("grade"), validators=GRADE_LEVELS)
    school_year = models.PositiveSmallIntegerField(_("school year (starting)"))
    count = models.PositiveIntegerField(_("students"))
    source = models.CharField(_("source"), max_length=10, choices=CountSource.choices)
    taken_on = models.DateField(_("counted on"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    # Counted from the roll: the students counted (their ids), so the count opens its list as
    # it stood on any day (the history keeps each version); empty for a count entered by hand,
    # which has no list.
    student_ids = models.JSONField(_("students counted"), default=list, blank=True, editable=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolment")
        ordering = ["-school_year", "school", "grade_level"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "grade_level", "school_year"], name="enrolment_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.school_id} {self.school_year} G{self.grade_level}: {self.count}"


class MovementKind(models.TextChoices):
    TRANSFERRED_IN = "transferred_in", _("Transferred in")  # 转入
    OTHER_IN = "other_in", _("Other increase")  # 其他增加 (复学 from elsewhere …)
    TRANSFERRED_OUT = "transferred_out", _("Transferred out")  # 转出
    LEFT_NOT_ENROLLED = "left_not_enrolled", _("Left, not enrolled elsewhere")  # 转出未入学
    SUSPENDED = "suspended", _("Suspended")  # 休学
    DROPPED_OUT = "dropped_out", _("Dropped out")  # 退学 / 辍学
    DECEASED = "deceased", _("Deceased")  # 死亡
    OTHER_OUT = "other_out", _("Other decrease")  # 其他减少
    GRADUATED = "graduated", _("Graduated")  # 毕业


# What the cases show in the years they cover: entered by hand only for earlier years.
FROM_CASES = (
    MovementKind.DROPPED_OUT,
    MovementKind.SUSPENDED,
    MovementKind.TRANSFERRED_OUT,
    MovementKind.DECEASED,
)


ROLL_COUNTS_TRANSFERS = _(
    "The roll of this school already counts the transfers out of the school year "
    "%(start)s—%(end)s (students no longer on it, settled as transfers); enter them by hand "
    "only for earlier years."
)


class Movement(DatedHistory):
    """Students joining or leaving a school's grade on a day, as a count: entered by hand or
    imported for what the cases cannot show."""

    school = models.ForeignKey(
        "cases.Unit", verbose_name=_("school"), on_delete=models.PROTECT, related_name="+"
    )
    grade_level = models.PositiveSmallIntegerField(_("grade"), validators=GRADE_LEVELS)
    kind = models.CharField(_("kind"), max_length=20, choices=MovementKind.choices)
    on = models.DateField(_("date"))
    count = models.PositiveIntegerField(_("students"), default=1)
    source = models.CharField(_("source"), max_length=10, choices=CountSource.choices)
    note = models.CharField(
        _("note"), max_length=LINE_MAX_LENGTH, blank=True, validators=free_text(LINE_MAX_LENGTH)
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("student movement")
        verbose_name_plural = _("student movements")
        ordering = ["-on", "school", "grade_level"]
        indexes = [models.Index(fields=["school", "on"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.on:%Y-%m-%d} × {self.count}"

    def clean(self) -> None:
        """A dropout, suspension, transfer out or death of a school year the school's cases
        cover is counted from the cases, and a transfer out of a year the roll shows transfers
        in (students no longer on it, settled as transfers) is counted from the roll: entering
        it too would count it twice."""
        if self.kind not in FROM_CASES or not (self.on and self.school_id):
            return
        school_years = of_unit(self.school)
        year = school_years.year_of(self.on)
        after = clock.end_of_day(school_years.first_day(year) - datetime.timedelta(days=1))
        until = clock.end_of_day(school_years.last_day(year))
        span = {"start": year, "end": year + 1}
        if self.kind == MovementKind.TRANSFERRED_OUT and (
            RosterDeparture.objects.filter(
                school_id=self.school_id,
                settlement=Settlement.TRANSFERRED,
                settled_at__gt=after,
                settled_at__lte=until,
            ).exists()
        ):
            raise ValidationError({"kind": ROLL_COUNTS_TRANSFERS % span})
        covered = CaseEvent.objects.filter(
            case__school_id=self.school_id, at__gt=after, at__lte=until
        )
        if covered.exists():
            raise ValidationError(
                {
                    "kind": _(
                        "The cases of this school already count this in the school year "
                        "%(start)s—%(end)s; enter it by hand only for earlier years."
                    )
                    % span
                }
            )


class Targets(DatedHistory):
    """A county's targets for its figures; the plans' where none is set (篇三: 辍学率 at most
    1 %, 2 % in primary and 3 % in junior middle school; 巩固率 100 %)."""

    county = models.OneToOneField(
        "cases.Unit",
        verbose_name=_("county"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": "county"},
    )
    dropout = models.DecimalField(
        _("dropout rate at most (%), grades 1-9"), max_digits=5, decimal_places=2, default=1
    )
    dropout_primary = models.DecimalField(
        _("dropout rate at most (%), primary"), max_digits=5, decimal_places=2, default=2
    )
    dropout_junior = models.DecimalField(
        _("dropout rate at most (%), junior middle"), max_digits=5, decimal_places=2, default=3
    )
    consolidation = models.DecimalField(
        _("consolidation rate at least (%)"), max_digits=5, decimal_places=2, default=100
    )
    # 四个一: the monthly report is due by this day of the month (the 28th in one county).
    report_day = models.PositiveSmallIntegerField(
        _("monthly report due by day"),
        default=28,
        validators=[MinValueValidator(1), MaxValueValidator(28)],
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("figure targets")
        verbose_name_plural = _("figure targets")

    def __str__(self) -> str:
        return str(self.county)

    def dropout_for(self, band: str):
        return {"primary": self.dropout_primary, "junior": self.dropout_junior}.get(
            band, self.dropout
        )


class MonthlyReport(models.Model):
    """月报: a unit's figures and register counts for a month, frozen when a supervisor signs it
    (`content` is what was signed). A correction is a new version, with the reason."""

    unit = models.ForeignKey(
        "cases.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    month = models.DateField(_("month"))  # its first day
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    content = models.JSONField(_("content"))
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("signed by"), on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    signed_at = models.DateTimeField(_("signed at"))
    correction_reason = models.CharField(
        _("reason for the correction"),
        max_length=LINE_MAX_LENGTH,
        blank=True,
        validators=free_text(LINE_MAX_LENGTH),
    )

    class Meta:
        verbose_name = _("monthly report")
        verbose_name_plural = _("monthly reports")
        ordering = ["-month", "unit", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "month", "version"], name="monthly_report_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.month:%Y-%m} v{self.version}"
