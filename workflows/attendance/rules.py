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
import functools
from typing import NamedTuple

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from simple_history.utils import bulk_create_with_history

from cases import clock
from cases.models import (
    EXCUSED,
    Absence,
    AbsenceKind,
    AttendanceRule,
    Case,
    Proposal,
    ProposalRule,
    ProposalStatus,
    Role,
    RollCall,
    StaffRole,
    Stage,
    Student,
    Unit,
    UnitKind,
)
from notifications.services import Notice, notify_many

from ..messages import in_message_language
from .any_of import AnyOf
from .calendar import SchoolCalendar

MAX_GAP = 2  # unreported school days a run may bridge
ANSWERED = (ProposalStatus.REJECTED, ProposalStatus.CONFIRMED, ProposalStatus.EXCUSED_AFTER_CASE)


@dataclasses.dataclass(frozen=True)
class Finding:
    rule: str
    days: tuple[datetime.date, ...]  # the evidence, oldest first


def threshold(rule: AttendanceRule, kind: str) -> int:
    return {
        ProposalRule.CONSECUTIVE: rule.consecutive_days,
        ProposalRule.TERM_START: rule.term_start_days,
        ProposalRule.PARTIAL: rule.partial_count,
    }[kind]


def _lookback(rule: AttendanceRule) -> int:
    return max(rule.consecutive_days, rule.term_start_days, rule.partial_window) * 2


class Recorded(NamedTuple):
    """What the rules read of an absence (a row, not a model object: a batch reads thousands)."""

    kind: str
    part_of_day: bool


@dataclasses.dataclass
class Facts:
    """What the rules read of a group of students, each kind in one query: their absences from
    `since` (the first day of the rules' windows; back to its first day for a student with a
    waiting or confirmed proposal, which may be older), their classes' rolls from `since`,
    their proposals, and who has an open case."""

    absences: dict  # student id -> {date: Recorded}
    rolls: dict  # class id -> {date}
    proposals: dict  # student id -> [Proposal]
    open_cases: set

    @classmethod
    def of(cls, students, since: datetime.date) -> "Facts":
        ids = [student.pk for student in students]
        proposals: dict[int, list] = {pk: [] for pk in ids}
        for proposal in Proposal.objects.filter(AnyOf("student_id", ids)).select_related("case"):
            proposals[proposal.student_id].append(proposal)
        waiting: dict[int, datetime.date] = {}  # a student's earliest (not their last read)
        for found in proposals.values():
            for p in found:
                if p.status in (ProposalStatus.OPEN, ProposalStatus.CONFIRMED):
                    first = waiting.get(p.student_id, p.first_absent_on)
                    waiting[p.student_id] = min(first, p.first_absent_on)
        earliest = min([since, *waiting.values()])
        found = Absence.objects.filter(AnyOf("student_id", ids), date__gte=earliest)
        if earliest < since:
            found = found.filter(Q(date__gte=since) | Q(AnyOf("student_id", waiting)))
        absences: dict[int, dict] = {pk: {} for pk in ids}
        for student_id, day, kind, part_of_day in found.order_by().values_list(
            "student_id", "date", "kind", "part_of_day"
        ):
            absences[student_id][day] = Recorded(kind, part_of_day)
        # a class's rolls matter only to a student with an absence in the window
        classes = {
            student.klass_id
            for student in students
            if any(day >= since for day in absences[student.pk])
        }
        rolls: dict[int, set] = {}
        for klass_id, day in (
            RollCall.objects.filter(AnyOf("klass_id", classes), date__gte=since)
            .order_by()
            .values_list("klass_id", "date")
        ):
            rolls.setdefault(klass_id, set()).add(day)
        open_cases = set(
            Case.objects.filter(AnyOf("student_id", ids))
            .exclude(stage=Stage.CLOSED)
            .values_list("student_id", flat=True)
        )
        return cls(absences, rolls, proposals, open_cases)


@dataclasses.dataclass
class Window:
    """The school days one school's students are judged over, oldest first: the last
    `_lookback` up to today, inside the term of the latest; `term_first`, the term's first
    school day when the days reach back to it. The same for every student of the school."""

    days: tuple[datetime.date, ...]
    term_first: datetime.date | None

    @functools.cached_property
    def day_set(self) -> frozenset:
        return frozenset(self.days)

    @classmethod
    def of(cls, rule: AttendanceRule, today: datetime.date, calendar) -> "Window":
        every = [day for day in calendar.school_days() if day <= today]
        days = every[-_lookback(rule) :]
        term = calendar.in_term(days[-1]) if days else None
        term_first = None
        if term is not None:  # a run, a window, stays inside the term of the latest day
            days = [day for day in days if day >= term.starts_on]
            if calendar.start <= term.starts_on:
                term_first = next((day for day in every if day >= term.starts_on), None)
        return cls(tuple(days), term_first)


def findings(student: Student, rule: AttendanceRule, window: Window, facts: Facts):
    """What the rules find in the student's recent school days, the strongest first."""
    days, marks = window.days, facts.absences[student.pk]
    if window.day_set.isdisjoint(marks):
        return []  # no absence in the window: no run, nothing partial
    rolls = facts.rolls.get(student.klass_id, set())
    judged = {
        datetime.date.fromisoformat(day)
        for proposal in facts.proposals[student.pk]
        if proposal.status in ANSWERED
        for day in proposal.days
    }
    reported = {day for day in days if day in rolls or day in marks}
    return _judge(days, reported, marks, rule, window.term_first, judged)


def _unexcused(absence: Recorded | None) -> bool:
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
    absences were excused. The students are locked first (in one order), so that a roll and an
    upload about the same child queue up; what the rules read is read once for all of them, in
    a number of queries that does not grow with the students. Returns the new proposals."""
    today = today or clock.today()
    students = list(students)
    if not students:
        return []
    ids = [student.pk for student in students]
    kept = set(
        Student.objects.select_for_update(of=("self",))
        .filter(AnyOf("pk", ids))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    # a child transferred away is no longer this school's to find: nothing is proposed for them
    kept &= set(
        Student.objects.on_roll()
        .filter(AnyOf("pk", kept))
        .order_by()  # the default order joins the classes
        .values_list("pk", flat=True)
    )
    students = [student for student in students if student.pk in kept]
    if not students:
        return []
    schools = {}
    for student in students:
        if student.school_id not in schools:  # the school read once, if not read along
            schools[student.school_id] = student.school
    rules, windows = _rules_and_windows(schools, today)
    since = min((window.days[0] for window in windows.values() if window.days), default=today)
    facts = Facts.of(students, since)
    new = []
    for student in students:
        rule, window = rules[student.school_id], windows[student.school_id]
        _settle_earlier(student, rule, facts)
        proposal = _propose(student, rule, window, facts)
        if proposal is not None:
            new.append(proposal)
    if new:
        # made together, each with its history row (the user as a save would name them)
        new = bulk_create_with_history(new, Proposal)
        _tell_teachers(new)
    return new


def _rules_and_windows(schools: dict, today: datetime.date) -> tuple[dict, dict]:
    """By school id: its county's rule, and its Window."""
    prefixes = {pk: f"{school.path.split('/')[0]}/" for pk, school in schools.items()}
    counties = {
        county.path: county
        for county in Unit.objects.filter(kind=UnitKind.COUNTY, path__in=set(prefixes.values()))
    }
    saved = {
        rule.county_id: rule
        for rule in AttendanceRule.objects.filter(county__in=list(counties.values()))
    }
    rules, windows = {}, {}
    for pk, prefix in prefixes.items():
        county = counties[prefix]
        rules[pk] = saved.setdefault(county.pk, AttendanceRule(county=county))
    # one calendar read for the schools of a county (they share its rule, so its dates)
    for county_pk in {rule.county_id for rule in rules.values()}:
        rule = saved[county_pk]
        start = today - datetime.timedelta(days=_lookback(rule) * 2 + 60)
        members = [schools[pk] for pk, r in rules.items() if r is rule]
        for pk, calendar in SchoolCalendar.for_schools(members, start, today).items():
            windows[pk] = Window.of(rule, today, calendar)
    return rules, windows


def _settle_earlier(student: Student, rule: AttendanceRule, facts: Facts) -> None:
    """Proposals (waiting, or confirmed into a case) whose days have been excused since."""
    marks = facts.absences[student.pk]
    for proposal in facts.proposals[student.pk]:  # most students have none
        if proposal.status not in (ProposalStatus.OPEN, ProposalStatus.CONFIRMED):
            continue
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


def _propose(student, rule, window: Window, facts: Facts) -> Proposal | None:
    """The student's new proposal (unsaved: `review` makes them together), if any."""
    found = findings(student, rule, window, facts)
    if not found or student.pk in facts.open_cases:
        return None  # nothing; or the case is the place for it now
    earlier = facts.proposals[student.pk]
    if any(proposal.status == ProposalStatus.OPEN for proposal in earlier):
        return None  # waiting already
    finding = found[0]
    first = finding.days[0]
    for proposal in earlier:
        if (proposal.first_absent_on, proposal.rule) != (first, finding.rule):
            continue
        if proposal.status == ProposalStatus.WITHDRAWN:
            continue
        grown = len(finding.days) - len(proposal.days)
        if proposal.status != ProposalStatus.REJECTED or grown < threshold(rule, finding.rule):
            return None  # answered already, and the run has not grown by the rule's length
    proposal = Proposal(
        student=student,
        rule=finding.rule,
        rule_version=_version(rule),
        days=[day.isoformat() for day in finding.days],
        first_absent_on=first,
        proposed_at=clock.now(),
    )
    earlier.append(proposal)
    return proposal


def _version(rule: AttendanceRule) -> int | None:
    if not rule.pk:
        return None
    if not hasattr(rule, "_version"):
        rule._version = rule.history.values_list("history_id", flat=True).first()
    return rule._version


def _tell_teachers(proposals: list[Proposal]) -> None:
    """Each proposal to its class's homeroom teachers: their posts read in one query, the
    messages written in one insert."""
    classes = {proposal.student.klass_id for proposal in proposals}
    teachers: dict[int, list] = {}
    for held in StaffRole.objects.filter(
        AnyOf("unit_id", classes), role=Role.HOMEROOM_TEACHER, user__is_active=True
    ).select_related("user"):
        teachers.setdefault(held.unit_id, []).append(held.user)
    notices = []
    with in_message_language():
        for proposal in proposals:
            klass = proposal.student.klass
            url = f"{reverse('work:roll:index')}?class={klass.pk}"
            for user in teachers.get(klass.pk, []):
                notices.append(
                    Notice(
                        recipient=user,
                        template_key="attendance_proposal",
                        context={
                            "class_name": klass.name,
                            "rule": str(proposal.get_rule_display()),
                            "url": url,
                        },
                        dedup_key=f"proposal:{proposal.pk}:{user.pk}",
                    )
                )
    notify_many(notices)
