"""Bulk attendance at volume (uploads and the API go through `roll.absences_record`): the
statements of a call do not grow with its rows, nor those of the rules' review with the
students; a new day gets its history row and a changed one its own, naming who sent it; a day
the database already says writes nothing; a later row about the same day wins; each class and
day counts as reported, with its absentees; free text is checked in every row. Run on SQLite
and on PostgreSQL (where new rows go by COPY and their history rows are made from them)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases import clock
from cases.models import (
    Absence,
    AbsenceKind,
    Proposal,
    Role,
    RollCall,
    SchoolDayOff,
    Student,
    Term,
)
from workflows.attendance import roll, rules
from workflows.attendance.any_of import AnyOf
from workflows.attendance.calendar import SchoolCalendar

from .. import factories

D = datetime.date
WEEK = [D(2025, 9, 15), D(2025, 9, 16), D(2025, 9, 17), D(2025, 9, 18), D(2025, 9, 19)]
NEXT_WEEK = [day + datetime.timedelta(days=7) for day in WEEK]


@pytest.fixture(autouse=True)
def today():
    with clock.frozen(datetime.datetime(2025, 9, 30, 18, tzinfo=clock.TZ)):
        yield


@pytest.fixture
def term(world):
    return Term.objects.create(
        county=world.county, name="2025秋", starts_on=D(2025, 9, 1), ends_on=D(2026, 1, 16)
    )


def loaded(students) -> list[Student]:
    """As an upload hands them over: each with its school and class read along."""
    pks = [student.pk for student in students]
    return list(Student.objects.filter(pk__in=pks).select_related("school", "klass"))


def rows(students, days, kind=AbsenceKind.SICK, note="") -> list[roll.Row]:
    return [roll.Row(s, day, roll.Mark(kind=kind, note=note)) for day in days for s in students]


def statements(call) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        call()
    return [query["sql"] for query in queries.captured_queries]


def test_a_calls_statements_do_not_grow_with_its_rows(world, term):
    officer = world[Role.SCHOOL_OFFICER]
    second = factories.ClassFactory(parent=world.klass.parent)
    few = loaded([world.student(), world.student(klass=second)])
    many = loaded([world.student(klass=klass) for klass in [world.klass, second] * 5])
    # Each call below has new days, changed days and days the database already says.
    roll.absences_record(rows(few, WEEK[:1] + NEXT_WEEK[:1]), by=officer, source="upload")
    roll.absences_record(rows(many, WEEK[:1] + NEXT_WEEK[:1]), by=officer, source="upload")

    def call(students, days):
        batch = rows(students, days[:1], kind=AbsenceKind.PERSONAL)  # changed
        batch += rows(students, days[1:2])  # unchanged
        batch += rows(students, days[2:])  # new
        return lambda: roll.absences_record(batch, by=officer, source="upload")

    small = statements(call(few, [WEEK[0], NEXT_WEEK[0], WEEK[1]]))
    large = statements(call(many, [NEXT_WEEK[0], WEEK[0], *WEEK[2:], *NEXT_WEEK[1:]]))

    assert len(large) == len(small)
    assert Absence.objects.filter(student__in=many).count() == 10 * 9
    assert not Proposal.objects.exists()  # excused days: nothing for the rules to propose


def test_new_changed_and_unchanged_days_and_their_history(world, term):
    officer, county = world[Role.SCHOOL_OFFICER], world[Role.COUNTY_SUPERVISOR]
    pupil, other = loaded([world.student(), world.student()])
    first = [
        roll.Row(pupil, WEEK[0], roll.Mark(kind=AbsenceKind.SICK, note="发烧")),
        roll.Row(other, WEEK[0], roll.Mark(kind=AbsenceKind.PRESENT)),  # never marked
        roll.Row(pupil, WEEK[1], roll.Mark(kind=AbsenceKind.PERSONAL)),
        roll.Row(pupil, WEEK[1], roll.Mark(kind=AbsenceKind.SICK, part_of_day=True)),  # wins
    ]

    assert roll.absences_record(first, by=officer, source="upload") == [pupil]

    days = {a.date: a for a in Absence.objects.filter(student=pupil)}
    assert [(d, a.kind, a.part_of_day, a.note) for d, a in sorted(days.items())] == [
        (WEEK[0], AbsenceKind.SICK, False, "发烧"),
        (WEEK[1], AbsenceKind.SICK, True, ""),
    ]
    assert not Absence.objects.filter(student=other).exists()
    for absence in days.values():
        (record,) = absence.history.all()
        assert (record.history_type, record.history_user, record.kind) == (
            "+",
            officer,
            absence.kind,
        )
    # both days count as reported for the class, each with the one absentee its rows give
    rolls = RollCall.objects.filter(klass=world.klass).order_by("date")
    assert [(r.date, r.absent, r.taken_by) for r in rolls] == [
        (WEEK[0], 1, officer),
        (WEEK[1], 1, officer),
    ]
    assert [r.history.get().history_type for r in rolls] == ["+", "+"]

    # the same rows again: nothing changes, nothing is written
    assert roll.absences_record(first, by=officer, source="upload") == []
    assert Absence.history.count() == 2
    assert RollCall.history.count() == 2

    # a correction from the county: a change with its own history row
    correction = [roll.Row(pupil, WEEK[0], roll.Mark(kind=AbsenceKind.PRESENT))]
    assert roll.absences_record(correction, by=county, source="upload") == [pupil]
    absence = Absence.objects.get(student=pupil, date=WEEK[0])
    assert (absence.kind, absence.recorded_by, absence.note) == (AbsenceKind.PRESENT, county, "")
    latest, earliest = absence.history.order_by("-history_id")
    assert (latest.history_type, latest.history_user, latest.kind) == ("~", county, "present")
    assert (earliest.history_type, earliest.history_user, earliest.kind) == ("+", officer, "sick")


def test_free_text_is_checked_in_every_row(world, term):
    officer = world[Role.SCHOOL_OFFICER]
    pupils = loaded([world.student() for _ in range(3)])
    batch = rows(pupils, WEEK, note="家长来电请假")
    batch.append(roll.Row(pupils[0], NEXT_WEEK[0], roll.Mark(note="家长电话13812345678")))

    with pytest.raises(ValidationError):
        roll.absences_record(batch, by=officer, source="upload")

    assert not Absence.objects.exists()
    assert not RollCall.objects.exists()


def test_the_rules_reads_do_not_grow_with_the_students(world, term):
    officer = world[Role.SCHOOL_OFFICER]
    second = factories.ClassFactory(parent=world.klass.parent)
    few = loaded([world.student(), world.student(klass=second)])
    many = loaded([world.student(klass=klass) for klass in [world.klass, second] * 4])
    roll.absences_record(rows(few + many, WEEK), by=officer, source="upload")

    assert len(statements(lambda: rules.review(many))) == len(statements(lambda: rules.review(few)))


def test_calendars_read_together_are_the_schools_own(world, term):
    other = factories.SchoolFactory(parent=world.district, name="另一小学")
    SchoolDayOff.objects.create(school=other, date=D(2025, 9, 17), note="运动会")
    start, end = D(2025, 8, 25), D(2025, 10, 20)

    together = SchoolCalendar.for_schools([world.school, other], start, end)

    for school in (world.school, other):
        alone = SchoolCalendar(school, start, end)
        assert together[school.pk].school_days() == alone.school_days()
    assert D(2025, 9, 17) in together[world.school.pk].school_days()
    assert D(2025, 9, 17) not in together[other.pk].school_days()


def test_any_of_reads_by_ids_and_dates_and_nothing_when_empty(world, term):
    pupil, other, third = loaded([world.student() for _ in range(3)])
    roll.absences_record(
        rows([pupil, other, third], WEEK[:2]), by=world[Role.SCHOOL_OFFICER], source="upload"
    )
    found = Absence.objects.filter(
        AnyOf("student_id", [pupil.pk, other.pk]), AnyOf("date", WEEK[1:])
    )

    assert sorted(found.values_list("student_id", "date")) == sorted(
        [(pupil.pk, WEEK[1]), (other.pk, WEEK[1])]
    )
    assert found.count() == len(list(found))  # compiled twice, the same answer
    assert not Absence.objects.filter(AnyOf("student_id", [])).exists()


def test_a_rolls_statements_do_not_grow_with_the_class(world, term):
    """The same teacher and class on two school days, two absent on the first and eight on
    the second: what is read once per process or user (calendar corrections, grants) is read in
    the warm-up, so the two rolls differ only in their rows."""
    teacher = world[Role.HOMEROOM_TEACHER]
    pupils = [world.student() for _ in range(10)]
    few, others = pupils[:2], pupils[2:]

    def take(group, day):
        marks = {pupil.pk: roll.Mark(kind=AbsenceKind.SICK) for pupil in group}
        return lambda: roll.roll_take(klass=world.klass, date=day, by=teacher, marks=marks)

    take([], D(2025, 9, 26))()  # warm-up: not counted

    small = statements(take(few, D(2025, 9, 29)))
    large = statements(take(others, D(2025, 9, 30)))

    assert len(large) == len(small)
    assert Absence.objects.filter(student__in=others).count() == 8


def test_the_facts_reach_back_to_each_waiting_proposals_first_day(world, term):
    """A student with two standing proposals (one confirmed, one waiting) has their absences
    read back to the earlier first day of the two, whichever was proposed first: the proposal
    whose days are older is judged on all its days, not withdrawn for days left unread."""
    pupil = loaded([world.student()])[0]
    officer = world[Role.SCHOOL_OFFICER]
    roll.absences_record(
        rows([pupil], WEEK, kind=AbsenceKind.UNEXCUSED), by=officer, source="upload"
    )
    (waiting,) = Proposal.objects.filter(student=pupil)
    assert (waiting.status, waiting.first_absent_on) == ("open", WEEK[0])
    Proposal.objects.create(  # proposed before it, about a later run
        student=pupil,
        rule="consecutive",
        days=[day.isoformat() for day in WEEK[3:]],
        first_absent_on=WEEK[3],
        status="confirmed",
        proposed_at=waiting.proposed_at - datetime.timedelta(hours=1),
    )

    facts = rules.Facts.of([pupil], since=NEXT_WEEK[0])

    assert sorted(facts.absences[pupil.pk]) == WEEK
