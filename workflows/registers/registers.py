"""The registers' rows (FORMATS.md's columns, in order), read from the cases, contacts and roll
in the user's reach. Identity, registry and phone numbers are masked unless the export was asked
with full numbers by someone who may see them."""

import dataclasses
import datetime
from collections.abc import Callable, Iterator

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _

from cases import clock, selectors
from cases.ladder import ClosureReason, DismissalReason, Stage, Step
from cases.masking import mask_id_number, mask_phone, mask_student_no
from cases.models import (
    Case,
    CaseEvent,
    Contact,
    ContactKind,
    DropoutReason,
    Guardian,
    RiskFlag,
)
from cases.staff import name_of


@dataclasses.dataclass(frozen=True)
class Numbers:
    """The numbers as the export shows them: in full, or masked."""

    full: bool

    def id(self, number: str) -> str:
        return number if self.full or not number else mask_id_number(number)

    def student_no(self, number: str) -> str:
        return number if self.full else mask_student_no(number)

    def phone(self, number: str) -> str:
        return number if self.full or not number else mask_phone(number)


@dataclasses.dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date

    def contains(self, day: datetime.date | None) -> bool:
        return day is not None and self.start <= day <= self.end


def local_day(moment: datetime.datetime | None) -> datetime.date | None:
    return moment.astimezone(clock.TZ).date() if moment else None


def labels(choices, values) -> str:
    names = dict(choices)
    return "、".join(str(names.get(value, value)) for value in values or ())


# Columns shared by the suspected and the dropout registers.
STUDENT_COLUMNS = [
    _("No."),
    _("County"),
    _("Township"),
    _("School"),
    _("Grade"),
    _("Class"),
    _("Name"),
    _("Gender"),
    _("Identity number"),
    _("Student registry number"),
    _("Guardian"),
    _("Relation"),
    _("Phone"),
    _("Home address"),
    _("First day absent"),
    _("Days absent"),
    _("Reason for absence (verified)"),
    _("Priority groups"),
    _("Household out of poverty"),
    _("Responsible teacher"),
    _("Result of the check"),
    _("Date of the check"),
    _("Notes"),
]
DROPOUT_COLUMNS = [
    _("Confirmed as dropout on"),
    _("Reason for dropping out"),
    _("Whereabouts"),
    _("Reported to the township on"),
    _("Reported to the county bureau on"),
    _("Responsible for persuasion"),
    _("Current state"),
    _("Struck off on"),
    _("Grounds for striking off"),
]
YES, NO = _("Yes"), _("No")
CHECKING = _("Being checked")
RESULTS = {  # 核查结果: 返校/转学/休学/辍学/其他
    "returned": _("Back at school"),
    "transferred": _("Transferred"),
    "suspended": _("Suspended"),
    "dropout": _("Dropped out"),
    "other": _("Other"),
}
PERSUADERS = {  # 劝返责任人 by the stage's owner
    Stage.HOME_VISIT: _("School"),
    Stage.TOWNSHIP_PERSUASION: _("Township"),
    Stage.LEGAL_ENFORCEMENT: _("Township"),
}


def _cases(user):
    guardians = Prefetch("student__guardians", queryset=Guardian.objects.order_by("pk"))
    checks = Prefetch(
        "events",
        queryset=CaseEvent.objects.filter(
            step__in=[Step.START_HOME_VISIT, Step.DISMISS, Step.OVERRIDE, Step.AUTO_ESCALATE]
        ).order_by("at"),
        to_attr="checks",
    )
    return (
        selectors.cases_in_reach(user)
        .select_related("county", "klass__parent", "tutor", "opened_by")
        .prefetch_related(guardians, checks)
        .order_by("opened_at", "pk")
    )


def _confirmed_at(case: Case) -> datetime.date | None:
    """When the school confirmed the dropout (home visits started): by its own step, or by a
    supervisor's or the sweep's escalation out of the report."""
    for event in case.checks:
        if event.to_stage == Stage.HOME_VISIT and event.from_stage == Stage.REPORTED:
            return local_day(event.at)
    return None


def _result(case: Case) -> tuple[str, datetime.date | None]:
    """核查结果 and 核查日期."""
    dismissal = next((e for e in case.checks if e.step == Step.DISMISS), None)
    if dismissal is not None:
        if case.dismissal_reason == DismissalReason.TRANSFERRED:
            return str(RESULTS["transferred"]), local_day(dismissal.at)
        return str(RESULTS["other"]), local_day(dismissal.at)
    confirmed = _confirmed_at(case)
    if confirmed is None:
        return str(CHECKING), None
    if case.closure_reason == ClosureReason.TRANSFERRED:
        return str(RESULTS["transferred"]), confirmed
    if case.closure_reason == ClosureReason.SUSPENDED:
        return str(RESULTS["suspended"]), confirmed
    if case.returned_on:
        return str(RESULTS["returned"]), confirmed
    return str(RESULTS["dropout"]), confirmed


def _student_cells(number: int, case: Case, numbers: Numbers) -> list:
    student = case.student
    guardian = next(iter(student.guardians.all()), None)
    first_absent = case.last_seen_on + datetime.timedelta(days=1) if case.last_seen_on else None
    until = case.returned_on or clock.today()
    days = (until - first_absent).days + 1 if first_absent and until >= first_absent else None
    result, checked_on = _result(case)
    return [
        number,
        case.county.name,
        case.township.name,
        case.school.name,
        case.klass.parent.name,
        case.klass.name,
        student.name,
        student.get_gender_display(),
        numbers.id(student.id_number),
        numbers.student_no(student.student_no),
        guardian.name if guardian else "",
        guardian.get_relation_display() if guardian else "",
        numbers.phone(guardian.phone) if guardian else "",
        student.address,
        first_absent,
        days,
        labels(DropoutReason.choices, case.reasons),
        labels(RiskFlag.choices, case.risk_flags),
        str(YES if student.poor_household else NO),
        name_of(case.tutor or case.opened_by),
        result,
        checked_on,
        case.reason_note,
    ]


def suspected_rows(user, period: Period, numbers: Numbers) -> Iterator[list]:
    """疑似辍学学生台账: every case opened in the period."""
    cases = _cases(user).filter(opened_at__date__gte=period.start, opened_at__date__lte=period.end)
    for number, case in enumerate(cases.iterator(chunk_size=500), start=1):
        yield _student_cells(number, case, numbers)


def dropout_rows(user, period: Period, numbers: Numbers) -> Iterator[list]:
    """辍学学生台账: every confirmed dropout on the books in the period (confirmed by its end,
    not struck off before its start)."""
    number = 0
    for case in _cases(user).iterator(chunk_size=500):
        confirmed = _confirmed_at(case)
        closed = local_day(case.closed_at)
        if confirmed is None or confirmed > period.end or (closed and closed < period.start):
            continue
        number += 1
        owner_stage = PERSUADERS.get(case.stage)
        persuader = f"{owner_stage}：{name_of(case.owner)}" if owner_stage else name_of(case.owner)
        yield [
            *_student_cells(number, case, numbers),
            confirmed,
            labels(DropoutReason.choices, case.reasons),
            case.whereabouts,
            confirmed,  # the township and the county are told at confirmation (知名、知人、知情)
            confirmed,
            persuader if case.is_open else "",
            case.get_stage_display(),
            closed,
            case.get_closure_reason_display() if case.closure_reason else "",
        ]


CONTACT_COLUMNS = [
    _("Student"),
    _("School"),
    _("Class"),
    _("Attempt"),
    _("Date"),
    _("Means"),
    _("Taking part"),
    _("Guardian's attitude"),
    _("Result"),
    _("Next step"),
    _("Returned on"),
    _("School returned to"),
    _("Grade"),
]


def _contacts(user, period: Period, kinds=None):
    contacts = (
        Contact.objects.filter(
            case__in=selectors.cases_in_reach(user).values("pk"),
            occurred_on__gte=period.start,
            occurred_on__lte=period.end,
        )
        .select_related("case__student", "case__school", "case__klass__parent")
        .prefetch_related("participants")
        .order_by("case_id", "occurred_on", "pk")
    )
    return contacts.filter(kind__in=kinds) if kinds else contacts


def _attempt_numbers(contacts) -> dict[int, int]:
    """Each contact's place among all of its case's contacts (第N次), from the first ever."""
    case_ids = {contact.case_id for contact in contacts}
    ordinals, seen = {}, {}
    rows = (
        Contact.objects.filter(case_id__in=case_ids)
        .order_by("case_id", "occurred_on", "pk")
        .values_list("pk", "case_id")
    )
    for pk, case_id in rows:
        seen[case_id] = seen.get(case_id, 0) + 1
        ordinals[pk] = seen[case_id]
    return ordinals


def _taking_part(contact: Contact) -> str:
    people = [name_of(person) for person in contact.participants.all()]
    if contact.other_participants:
        people.append(contact.other_participants)
    return "、".join(people)


def persuasion_rows(user, period: Period, numbers: Numbers) -> Iterator[list]:
    """劝返复学台账: one row per attempt in the period."""
    contacts = list(_contacts(user, period))
    ordinals = _attempt_numbers(contacts)
    for contact in contacts:
        case = contact.case
        yield [
            case.student.name,
            case.school.name,
            case.klass.name,
            ordinals[contact.pk],
            contact.occurred_on,
            contact.get_kind_display(),
            _taking_part(contact),
            contact.get_guardian_attitude_display(),
            contact.result,
            contact.next_step,
            case.returned_on,
            case.school.name if case.returned_on else "",
            case.klass.parent.name if case.returned_on else "",
        ]


VISIT_COLUMNS = [
    _("Date"),
    _("Student"),
    _("School"),
    _("Class"),
    _("Visitors"),
    _("Place"),
    _("Guardian's attitude"),
    _("Result"),
    _("Next step"),
]


def visit_rows(user, period: Period, numbers: Numbers) -> Iterator[list]:
    """家访记录: the home visits (the school's and the joint ones) in the period."""
    kinds = [ContactKind.HOME_VISIT, ContactKind.JOINT_VISIT]
    for contact in _contacts(user, period, kinds):
        yield [
            contact.occurred_on,
            contact.case.student.name,
            contact.case.school.name,
            contact.case.klass.name,
            _taking_part(contact),
            contact.place,
            contact.get_guardian_attitude_display(),
            contact.result,
            contact.next_step,
        ]


CHILDREN_COLUMNS = [
    _("No."),
    _("Township"),
    _("Village"),
    _("School"),
    _("Grade"),
    _("Class"),
    _("Name"),
    _("Gender"),
    _("Birth date"),
    _("Identity number"),
    _("Student registry number"),
    _("Priority groups"),
    _("Household out of poverty"),
    _("State"),
]
IN_SCHOOL, SUSPECTED, DROPPED_OUT = _("In school"), _("Suspected dropout"), _("Dropped out")
SUSPECTED_STAGES = (Stage.IDENTIFIED, Stage.REPORTED)
DROPOUT_STAGES = (Stage.HOME_VISIT, Stage.TOWNSHIP_PERSUASION, Stage.LEGAL_ENFORCEMENT)


def _stages_at(user, day: datetime.date) -> dict[int, str]:
    """{student id: the stage of their case at the end of `day`}, for cases then open."""
    end = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(), clock.TZ)
    events = (
        CaseEvent.objects.filter(case__in=selectors.cases_in_reach(user).values("pk"), at__lt=end)
        .order_by("case_id", "at", "pk")
        .values_list("case__student_id", "to_stage")
    )
    stages: dict[int, str] = {}
    for student_id, stage in events:  # the last event of each case on or before the day
        stages[student_id] = stage
    return {student: stage for student, stage in stages.items() if stage != Stage.CLOSED}


def children_rows(user, period: Period, numbers: Numbers) -> Iterator[list]:
    """适龄儿童台账: the children on the roll as it is now, in reach, each with the state their
    case stood in at the end of the period (by the case's events up to that day)."""
    stages = _stages_at(user, period.end)
    students = (
        selectors.students_in_reach(user)
        .select_related("klass__parent")
        .order_by("residence_township__path", "school__path", "klass__path", "name")
    )
    for number, student in enumerate(students.iterator(chunk_size=500), start=1):
        stage = stages.get(student.pk)
        state = (
            DROPPED_OUT
            if stage in DROPOUT_STAGES
            else SUSPECTED
            if stage in SUSPECTED_STAGES
            else IN_SCHOOL
        )
        yield [
            number,
            student.residence_township.name,
            student.residence_village.name if student.residence_village else "",
            student.school.name,
            student.klass.parent.name,
            student.klass.name,
            student.name,
            student.get_gender_display(),
            student.birth_date,
            numbers.id(student.id_number),
            numbers.student_no(student.student_no),
            labels(RiskFlag.choices, student.risk_flags),
            str(YES if student.poor_household else NO),
            str(state),
        ]


@dataclasses.dataclass(frozen=True)
class Register:
    key: str
    title: str
    columns: list
    rows: Callable[..., Iterator[list]]
    has_numbers: bool = True

    def header(self) -> list[str]:
        return [str(column) for column in self.columns]


REGISTERS = {
    register.key: register
    for register in (
        Register("children", _("Register of school-age children"), CHILDREN_COLUMNS, children_rows),
        Register("suspected", _("Register of suspected dropouts"), STUDENT_COLUMNS, suspected_rows),
        Register(
            "dropouts",
            _("Register of dropouts"),
            STUDENT_COLUMNS + DROPOUT_COLUMNS,
            dropout_rows,
        ),
        Register(
            "persuasion",
            _("Register of persuasion to return"),
            CONTACT_COLUMNS,
            persuasion_rows,
            has_numbers=False,
        ),
        Register(
            "visits", _("Register of home visits"), VISIT_COLUMNS, visit_rows, has_numbers=False
        ),
    )
}
