"""The county's rules read the roll and propose suspected dropouts to the homeroom teacher:
N school days in a row absent without a valid reason; not back N school days after the term
started; repeated absences (part days or unexcused days) within a window. An absence excused
afterwards withdraws a waiting proposal, or, once a case is open, suggests its dismissal."""

import dataclasses
import datetime

from django.db import transaction
from django.urls import reverse

from cases import clock
from cases.models import (
    EXCUSED,
    Absence,
    AbsenceKind,
    AttendanceRule,
    Proposal,
    ProposalRule,
    ProposalStatus,
    Role,
    RollCall,
    StaffRole,
    Stage,
    Student,
    UnitKind,
)
from notifications.services import notify

from ..messages import in_message_language
from .calendar import SchoolCalendar


@dataclasses.dataclass(frozen=True)
class Finding:
    rule: str
    days: tuple[datetime.date, ...]  # the evidence, oldest first


def rule_of(county) -> AttendanceRule:
    """The county's rule, or the defaults (unsaved) when it has none."""
    return AttendanceRule.objects.filter(county=county).first() or AttendanceRule(county=county)


def findings(student: Student, rule: AttendanceRule, today: datetime.date) -> list[Finding]:
    """What the rules find in the student's recent school days, the strongest first."""
    window = max(rule.consecutive_days, rule.term_start_days, rule.partial_window)
    start = today - datetime.timedelta(days=window * 3 + 60)
    calendar = SchoolCalendar(student.school, start, today)
    days = calendar.school_days()[-window * 2 :]
    if not days:
        return []
    marks = {
        absence.date: absence
        for absence in Absence.objects.filter(student=student, date__range=(days[0], today))
    }
    # Only the days someone said something of: a roll the class did not take (or not yet, this
    # morning) neither breaks a run nor adds to it.
    rolls = set(
        RollCall.objects.filter(
            klass_id=student.klass_id, date__range=(days[0], today)
        ).values_list("date", flat=True)
    )
    reported = [day for day in days if day in rolls or day in marks]
    # Days the teacher has already answered for (a rejected proposal) are not evidence again.
    judged = {
        datetime.date.fromisoformat(day)
        for days_of in student.proposals.filter(status=ProposalStatus.REJECTED).values_list(
            "days", flat=True
        )
        for day in days_of
    }
    return _judge(reported, marks, rule, calendar, judged)


def _unexcused(absence: Absence | None) -> bool:
    return absence is not None and absence.kind == AbsenceKind.UNEXCUSED and not absence.part_of_day


def _judge(days, marks, rule, calendar: SchoolCalendar, judged=frozenset()) -> list[Finding]:
    found = []
    run = []  # the unexcused whole days up to the latest school day
    for day in reversed(days):
        if not _unexcused(marks.get(day)):
            break
        run.insert(0, day)
    if len(run) >= rule.consecutive_days:
        found.append(Finding(ProposalRule.CONSECUTIVE, tuple(run)))
    elif run:
        term = calendar.in_term(run[0])
        term_days = [d for d in days if term is not None and d >= term.starts_on]
        if term_days and run[0] == term_days[0] and len(run) >= rule.term_start_days:
            found.append(Finding(ProposalRule.TERM_START, tuple(run)))
    window = days[-rule.partial_window :]
    partial = [
        day
        for day in window
        if marks.get(day) is not None and marks[day].kind not in EXCUSED and day not in judged
    ]
    if len(partial) >= rule.partial_count:
        found.append(Finding(ProposalRule.PARTIAL, tuple(partial)))
    return found


def _still_holds(proposal: Proposal, marks) -> bool:
    """Whether the proposal's evidence still stands: none of its days excused since."""
    return all(
        marks.get(day) is not None and marks[day].kind not in EXCUSED for day in proposal.day_list
    )


@transaction.atomic
def review(students, *, today: datetime.date | None = None) -> list[Proposal]:
    """Look at each student's days again: propose, withdraw, or flag an opened case whose
    absences were excused. Returns the new proposals."""
    today = today or clock.today()
    new = []
    rules: dict[int, AttendanceRule] = {}
    for student in students:
        county = student.school.ancestor(UnitKind.COUNTY)
        rule = rules.get(county.pk) or rules.setdefault(county.pk, rule_of(county))
        _settle_earlier(student)
        proposal = _propose(student, rule, today)
        if proposal is not None:
            new.append(proposal)
    return new


def _settle_earlier(student: Student) -> None:
    """Proposals (waiting, or confirmed into a case) whose days have been excused since."""
    for proposal in student.proposals.filter(
        status__in=(ProposalStatus.OPEN, ProposalStatus.CONFIRMED)
    ):
        marks = {a.date: a for a in student.absences.filter(date__in=proposal.day_list)}
        if _still_holds(proposal, marks):
            continue
        if proposal.status == ProposalStatus.OPEN:
            proposal.status = ProposalStatus.WITHDRAWN
        elif proposal.case is not None and proposal.case.stage != Stage.CLOSED:
            proposal.status = ProposalStatus.EXCUSED_AFTER_CASE
        else:
            continue
        proposal.decided_at = clock.now()
        proposal.save()


def _propose(student: Student, rule: AttendanceRule, today: datetime.date) -> Proposal | None:
    found = findings(student, rule, today)
    if not found:
        return None
    if student.cases.exclude(stage=Stage.CLOSED).exists():
        return None  # the case is the place for it now
    finding = found[0]
    first = finding.days[0]
    earlier = student.proposals.filter(first_absent_on=first, rule=finding.rule).exclude(
        status=ProposalStatus.WITHDRAWN
    )
    if student.proposals.filter(status=ProposalStatus.OPEN).exists() or earlier.exists():
        return None  # waiting already, or the teacher has already answered this run
    version = rule.history.values_list("history_id", flat=True).first() if rule.pk else None
    proposal = Proposal.objects.create(
        student=student,
        rule=finding.rule,
        rule_version=version,
        days=[day.isoformat() for day in finding.days],
        first_absent_on=first,
        proposed_at=clock.now(),
    )
    _tell_teacher(proposal)
    return proposal


def _tell_teacher(proposal: Proposal) -> None:
    teachers = StaffRole.objects.filter(
        role=Role.HOMEROOM_TEACHER, unit_id=proposal.student.klass_id, user__is_active=True
    ).select_related("user")
    with in_message_language():
        for held in teachers:
            notify(
                recipient=held.user,
                template_key="attendance_proposal",
                context={
                    "class_name": proposal.student.klass.name,
                    "rule": str(proposal.get_rule_display()),
                    "url": reverse("work:roll:index"),
                },
                dedup_key=f"proposal:{proposal.pk}:{held.user_id}",
                fresh=True,
            )
