"""Each new or changed absence and roll call, by a roll or a bulk batch, has its history row
as the ORM would write it: every column of the live row, the type ('+' new, '~' changed), the
user who sent it and the moment (the engine's clock, the one `recorded_at` / `taken_at` read),
alike on SQLite and on PostgreSQL (where new rows go by COPY)."""

import datetime

import pytest

from cases import clock
from cases.models import Absence, AbsenceKind, Role, RollCall, Student, Term
from workflows.attendance import roll

D = datetime.date
MOMENT = datetime.datetime(2025, 9, 19, 18, tzinfo=clock.TZ)
DAY, LATER = D(2025, 9, 18), D(2025, 9, 19)


@pytest.fixture(autouse=True)
def frozen():
    with clock.frozen(MOMENT):
        yield


@pytest.fixture
def term(world):
    return Term.objects.create(
        county=world.county, name="2025秋", starts_on=D(2025, 9, 1), ends_on=D(2026, 1, 16)
    )


def columns(model) -> list[str]:
    return [field.attname for field in model._meta.concrete_fields]


def assert_history_matches(obj, history_type: str, user) -> None:
    record = obj.history.order_by("-history_id").first()
    live = type(obj).objects.get(pk=obj.pk)
    assert {a: getattr(record, a) for a in columns(type(obj))} == {
        a: getattr(live, a) for a in columns(type(obj))
    }
    assert (record.history_type, record.history_user, record.history_change_reason) == (
        history_type,
        user,
        None,
    )
    assert record.history_date == MOMENT


def test_bulk_rows_new_and_changed(world, term):
    officer, county = world[Role.SCHOOL_OFFICER], world[Role.COUNTY_SUPERVISOR]
    pupil = Student.objects.select_related("school", "klass").get(pk=world.student().pk)
    mark = roll.Mark(kind=AbsenceKind.SICK, part_of_day=True, contacted="母亲", note="发烧")
    roll.absences_record([roll.Row(pupil, DAY, mark)], by=officer, source="upload")

    absence = Absence.objects.get(student=pupil)
    assert_history_matches(absence, "+", officer)
    assert_history_matches(RollCall.objects.get(klass=world.klass, date=DAY), "+", officer)

    excused = roll.Mark(kind=AbsenceKind.PERSONAL, contacted="父亲", note="家中有事")
    roll.absences_record([roll.Row(pupil, DAY, excused)], by=county, source="api")
    assert_history_matches(absence, "~", county)
    assert absence.history.count() == 2


def test_a_roll_new_and_changed(world, term):
    teacher = world[Role.HOMEROOM_TEACHER]
    pupil, other = world.student(), world.student()
    marks = {pupil.pk: roll.Mark(kind=AbsenceKind.UNEXCUSED, contacted="奶奶", note="未到校")}
    taken = roll.roll_take(klass=world.klass, date=LATER, by=teacher, marks=marks)
    assert_history_matches(taken, "+", teacher)
    assert_history_matches(Absence.objects.get(student=pupil), "+", teacher)

    marks = {other.pk: roll.Mark(kind=AbsenceKind.SICK)}  # pupil came after all
    taken = roll.roll_take(klass=world.klass, date=LATER, by=teacher, marks=marks)
    assert_history_matches(taken, "~", teacher)
    assert_history_matches(Absence.objects.get(student=pupil), "~", teacher)
    assert_history_matches(Absence.objects.get(student=other), "+", teacher)
