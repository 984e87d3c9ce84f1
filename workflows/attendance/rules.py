"""The county's rules read the roll and propose suspected dropouts to the homeroom teacher:
not back N school days after the term started; N school days in a row absent without a valid
reason; repeated absences (part days or unexcused days) within a window. An absence excused
afterwards withdraws a waiting proposal, or, once a case is open and what is left no longer
meets the rule, suggests its dismissal.

Runs stay inside one term. A day the class did not report neither breaks a run nor adds to it,
but a gap of more than MAX_GAP unreported school days ends it. Days already answered for (a
rejected proposal, a case) are not evidence again; a rejected run is proposed again once it has
grown by the rule's length."""

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

MAX_GAP = 2  # unreported school days a run may bridge
ANSWERED = (ProposalStatus.REJECTED, ProposalStatus.CONFIRMED, ProposalStatus.EXCUSED_AFTER_CASE)


@dataclasses.dataclass(frozen=True)
class Finding:
    rule: str
    days: tuple[datetime.date, ...]  # the evidence, oldest first


def rule_of(county) -> AttendanceRule:
    """The county's rule, or the defaults (unsaved) when it has none."""
    return AttendanceRule.objects.filter(county=county).first() or AttendanceRule(county=county)


def threshold(rule: AttendanceRule, kind: str) -> int:
    return {
        ProposalRule.CONSECUTIVE: rule.consecutive_days,
        ProposalRule.TERM_START: rule.term_start_days,
        ProposalRule.PARTIAL: rule.partial_count,
    }[kind]


def _lookback(rule: AttendanceRule) -> int:
    return max(rule.consecutive_days, rule.term_start_days, rule.partial_window) * 2


def findings(student: Student, rule: AttendanceRule, today: datetime.date, calendar=None):
    """What the rules find in the student's recent school days, the strongest first."""
    window = _lookback(rule)
    if calendar is None:
        start = today - datetime.timedelta(days=window * 2 + 60)
        calendar = SchoolCalendar(student.school, start, today)
    every = [day for day in calendar.school_days() if day <= today]
    days = every[-window:]
    term = calendar.in_term(days[-1]) if days else None
    term_first = None
    if term is not None:  # a run, a window, stays inside the term of the latest day
        days = [day for day in days if day >= term.starts_on]
        if calendar.start <= term.starts_on:
            term_first = next((day for day in every if day >= term.starts_on), None)
    if not days:
        return []
    marks = {
        absence.date: absence
        for absence in Absence.objects.filter(student=student, date__range=(days[0], today))
    }
    rolls = set(
        RollCall.objects.filter(
            klass_id=student.klass_id, date__range=(days[0], today)
        ).values_list("date", flat=True)
    )
    judged = {
        datetime.date.fromisoformat(day)
        for days_of in student.proposals.filter(status__in=ANSWERED).values_list("days", flat=True)
        for day in days_of
    }
    reported = {day for day in days if day in rolls or day in marks}
    return _judge(days, reported, marks, rule, term_first, judged)


def _unexcused(absence: Absence | None) -> bool:
    return absence is not None and absence.kind == AbsenceKind.UNEXCUSED and not absence.part_of_day


def _run(days, reported, marks) -> list[datetime.date]:
    """The unexcused whole days up to the latest reported school day, bridging at most MAX_GAP
    unreported days at a time."""
    run, gap = [], 0
    for day in reversed(days):
        if day not in reported:
            gap += 1
            if run and gap > MAX_GAP:
                break
            continue
        gap = 0
        if not _unexcused(marks.get(day)):
            break
        run.insert(0, day)
    return run


def _judge(days, reported, marks, rule, term_first, judged) -> list[Finding]:
    """`term_first`: the term's first school day, when the days reach back to it."""
    found = []
    run = _run(days, reported, marks)
    if run and run[0] == term_first and len(run) >= rule.term_start_days:
        found.append(Finding(ProposalRule.TERM_START, tuple(run)))
    elif len(run) >= rule.consecutive_days:
        found.append(Finding(ProposalRule.CONSECUTIVE, tuple(run)))
    window = [day for day in days if day in reported][-rule.partial_window :]
    partial = [
        day
        for day in window
        if marks.get(day) is not None and marks[day].kind not in EXCUSED and day not in judged
    ]
    if len(partial) >= rule.partial_count:
        found.append(Finding(ProposalRule.PARTIAL, tuple(partial)))
    return found


def _still_meets(proposal: Proposal, marks, rule: AttendanceRule) -> bool:
    """Whether the proposal still stands: none of its days excused since, or the student's
    days still unexcused since its first day (the run went on) still meet its rule."""

    def standing(day):
        return marks.get(day) is not None and marks[day].kind not in EXCUSED

    if all(standing(day) for day in proposal.day_list):
        return True
    left = [day for day in marks if day >= proposal.first_absent_on and standing(day)]
    return len(left) >= threshold(rule, proposal.rule)


@transaction.atomic
def review(students, *, today: datetime.date | None = None) -> list[Proposal]:
    """Look at each student's days again: propose, withdraw, or flag an opened case whose
    absences were excused. Each student is locked first, so that a roll and an upload about
    the same child queue up. Returns the new proposals."""
    today = today or clock.today()
    new = []
    rules: dict[int, AttendanceRule] = {}
    calendars: dict[int, SchoolCalendar] = {}
    for student in students:
        Student.objects.select_for_update(of=("self",)).filter(pk=student.pk).first()
        county = student.school.ancestor(UnitKind.COUNTY)
        rule = rules.get(county.pk) or rules.setdefault(county.pk, rule_of(county))
        calendar = calendars.get(student.school_id)
        if calendar is None:
            start = today - datetime.timedelta(days=_lookback(rule) * 2 + 60)
            calendar = calendars.setdefault(
                student.school_id, SchoolCalendar(student.school, start, today)
            )
        _settle_earlier(student, rule)
        proposal = _propose(student, rule, today, calendar)
        if proposal is not None:
            new.append(proposal)
    return new


def _settle_earlier(student: Student, rule: AttendanceRule) -> None:
    """Proposals (waiting, or confirmed into a case) whose days have been excused since."""
    for proposal in student.proposals.filter(
        status__in=(ProposalStatus.OPEN, ProposalStatus.CONFIRMED)
    ).select_related("case"):
        marks = {a.date: a for a in student.absences.filter(date__gte=proposal.first_absent_on)}
        if _still_meets(proposal, marks, rule):
            continue
        if proposal.status == ProposalStatus.OPEN:
            proposal.status = ProposalStatus.WITHDRAWN
        elif proposal.case is not None and proposal.case.stage != Stage.CLOSED:
            proposal.status = ProposalStatus.EXCUSED_AFTER_CASE
        else:
            continue
        proposal.decided_at = clock.now()
        proposal.save()


def _propose(student, rule, today, calendar) -> Proposal | None:
    found = findings(student, rule, today, calendar)
    if not found:
        return None
    if student.cases.exclude(stage=Stage.CLOSED).exists():
        return None  # the case is the place for it now
    if student.proposals.filter(status=ProposalStatus.OPEN).exists():
        return None  # waiting already
    finding = found[0]
    first = finding.days[0]
    for earlier in student.proposals.filter(first_absent_on=first, rule=finding.rule):
        if earlier.status == ProposalStatus.WITHDRAWN:
            continue
        grown = len(finding.days) - len(earlier.days)
        if earlier.status != ProposalStatus.REJECTED or grown < threshold(rule, finding.rule):
            return None  # answered already, and the run has not grown by the rule's length
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
    url = f"{reverse('work:roll:index')}?class={proposal.student.klass_id}"
    with in_message_language():
        for held in teachers:
            notify(
                recipient=held.user,
                template_key="attendance_proposal",
                context={
                    "class_name": proposal.student.klass.name,
                    "rule": str(proposal.get_rule_display()),
                    "url": url,
                },
                dedup_key=f"proposal:{proposal.pk}:{held.user_id}",
                fresh=True,
            )
