"""易辍学生: a risk level per student from the roster's flags, the roll of the last four weeks and
the student's cases, always with its reasons (never a bare score); and the plans (一人一案) due
for their monthly review."""

import dataclasses
import datetime

from django.db.models import Case as SqlCase
from django.db.models import Count, Q, Value, When
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from cases.models import AbsenceKind, RiskFlag, Stage

from .overview import window

REVIEW_EVERY = datetime.timedelta(days=31)
UNEXCUSED_CONCERN = 2  # unexcused whole days in four weeks
PARTIAL_CONCERN = 3  # part-day absences in four weeks


class Level:
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


LEVEL_LABELS = {Level.HIGH: _("High"), Level.MEDIUM: _("Medium"), Level.LOW: _("Low")}
UNEXCUSED = ngettext_lazy(
    "%(count)s unexcused day in the last four weeks",
    "%(count)s unexcused days in the last four weeks",
    "count",
)
PARTIAL = ngettext_lazy(
    "%(count)s part-day absence (late, left early) in the last four weeks",
    "%(count)s part-day absences (late, left early) in the last four weeks",
    "count",
)
OPEN_CASE = _("A case is open")
PAST_CASE = _("Dropped out before (a closed case)")


@dataclasses.dataclass
class Risk:
    student: object
    level: str
    reasons: list[str]
    review_due: bool

    @property
    def level_label(self):
        return LEVEL_LABELS[self.level]


def annotated(students, today: datetime.date):
    """The students with what the register needs, in one query."""
    start, end = window(today)
    recent = Q(absences__date__range=(start, end))
    return students.select_related("klass", "school", "support_plan").annotate(
        unexcused=Count(
            "absences",
            filter=recent & Q(absences__kind=AbsenceKind.UNEXCUSED, absences__part_of_day=False),
            distinct=True,
        ),
        partial=Count(
            "absences",
            filter=recent & Q(absences__part_of_day=True) & ~Q(absences__kind="present"),
            distinct=True,
        ),
        open_cases=Count("cases", filter=~Q(cases__stage=Stage.CLOSED), distinct=True),
        past_cases=Count("cases", filter=Q(cases__stage=Stage.CLOSED), distinct=True),
        flags=_flag_count(),
    )


# The roster's flags as conditions on a student (Student.risk_flags says the same in Python).
FLAG_CONDITIONS = (
    Q(left_behind=True),
    Q(migrant=True),
    ~Q(disability=""),
    ~Q(poor_household=""),
    Q(struggling_learner=True),
)


def _flag_count():
    total = Value(0)
    for condition in FLAG_CONDITIONS:
        total = total + SqlCase(When(condition, then=Value(1)), default=Value(0))
    return total


def _may_qualify(levels) -> Q:
    """The students who can reach one of `levels` (risk_of decides), so that the register
    reads a few rows, not the whole county."""
    medium = (
        Q(unexcused__gte=UNEXCUSED_CONCERN)
        | Q(partial__gte=PARTIAL_CONCERN)
        | Q(open_cases__gt=0)
        | Q(past_cases__gt=0)
        | Q(flags__gte=2)
    )
    return medium | Q(flags__gte=1) if Level.LOW in levels else medium


def risk_of(student, today: datetime.date) -> Risk:
    """The level and its reasons, from an `annotated` student."""
    flags = [str(RiskFlag(flag).label) for flag in student.risk_flags]
    attendance = []
    if student.unexcused >= UNEXCUSED_CONCERN:
        attendance.append(str(UNEXCUSED % {"count": student.unexcused}))
    if student.partial >= PARTIAL_CONCERN:
        attendance.append(str(PARTIAL % {"count": student.partial}))
    history = []
    if student.open_cases:
        history.append(str(OPEN_CASE))
    if student.past_cases:
        history.append(str(PAST_CASE))
    if student.open_cases or (attendance and (flags or student.past_cases)):
        level = Level.HIGH
    elif attendance or student.past_cases or len(flags) >= 2:
        level = Level.MEDIUM
    else:
        level = Level.LOW
    plan = getattr(student, "support_plan", None)
    due = level != Level.LOW and (plan is None or today - plan.reviewed_on > REVIEW_EVERY)
    return Risk(student, level, history + attendance + flags, due)


def register(students, today: datetime.date, *, levels=(Level.HIGH, Level.MEDIUM)) -> list[Risk]:
    """The register's rows: students with a reason at the given levels, highest first."""
    order = {Level.HIGH: 0, Level.MEDIUM: 1, Level.LOW: 2}
    rows = []
    for student in annotated(students.on_roll(), today).filter(_may_qualify(levels)):
        risk = risk_of(student, today)
        if risk.reasons and risk.level in levels:
            rows.append(risk)
    rows.sort(key=lambda r: (order[r.level], r.student.klass.path, r.student.name))
    return rows
