"""Attendance from a school's electronic system: a file of (学籍号, date, status, reason) rows,
previewed and committed like the roster; idempotent by student and day; rows naming another
school's student, a holiday or an unknown status refused with their reason; the rules run on
what it changed."""

import csv
import datetime
import io

import pytest

from cases import clock
from cases.models import Absence, ImportKind, ImportMode, Proposal, Role, Term
from workflows.roster import importing, reach

from .. import factories

D = datetime.date


@pytest.fixture(autouse=True)
def today():
    with clock.frozen(datetime.datetime(2025, 10, 10, 18, tzinfo=clock.TZ)):
        yield


@pytest.fixture
def term(world):
    return Term.objects.create(
        county=world.county, name="2025秋", starts_on=D(2025, 9, 1), ends_on=D(2026, 1, 16)
    )


def sheet(rows, encoding="gb18030") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["学籍号", "考勤日期", "出勤情况", "缺勤原因"])
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def upload(data: bytes, by):
    places = reach.places_of(by, ImportKind.ATTENDANCE)
    roster_import, checked = importing.start(
        data=data, file_name="考勤.csv", by=by, places=places, kind=ImportKind.ATTENDANCE
    )
    return roster_import, checked, places


def test_rows_are_checked_then_written_and_a_second_import_changes_nothing(world, term, elsewhere):
    officer = world[Role.SCHOOL_OFFICER]
    pupil, other = world.student(), world.student()
    theirs = factories.StudentFactory(klass=elsewhere.klass)
    rows = [
        [pupil.student_no, "2025-09-29", "旷课", ""],
        [pupil.student_no, "2025/9/30", "旷课", "电话未接"],
        [pupil.student_no, "20251009", "缺勤", ""],
        [other.student_no, "2025-09-30", "迟到", "睡过头"],
        [other.student_no, "2025-09-29", "出勤", ""],  # present, never marked: nothing to do
        [theirs.student_no, "2025-09-29", "旷课", ""],  # another county's student
        [pupil.student_no, "2025-10-03", "旷课", ""],  # the National Day holiday
        [pupil.student_no, "2025-10-20", "旷课", ""],  # a day to come
        [other.student_no, "2025-09-26", "请假了", ""],  # no such status
        [pupil.student_no, "2025-09-30", "病假", ""],  # the same student and day again
    ]

    roster_import, checked, places = upload(sheet(rows), officer)

    refused = {(r.row, r.field) for r in checked.refusals}
    assert refused == {(7, "student_no"), (8, "date"), (9, "date"), (10, "status"), (11, "date")}
    assert (roster_import.new, roster_import.unchanged, roster_import.refused) == (4, 1, 5)
    assert not Absence.objects.exists()

    importing.commit(roster_import, by=officer, places=places, mode=ImportMode.CLEAN_ROWS)

    late = Absence.objects.get(student=other)
    assert (late.kind, late.part_of_day, late.note, late.source) == (
        "unexcused",
        True,
        "睡过头",
        "upload",
    )
    assert Absence.objects.filter(student=pupil).count() == 3
    # three unexcused school days in a row across the holiday: proposed
    assert Proposal.objects.get().student == pupil

    again, _checked, places = upload(sheet(rows[:5]), officer)
    assert (again.new, again.changed, again.unchanged) == (0, 0, 5)
    importing.commit(again, by=officer, places=places, mode=ImportMode.ALL_OR_NOTHING)
    assert Absence.history.count() == 4


def test_an_excuse_from_the_system_withdraws_the_proposal(world, term):
    officer = world[Role.SCHOOL_OFFICER]
    pupil = world.student()
    days = ["2025-09-29", "2025-09-30", "2025-10-09"]
    first, _c, places = upload(sheet([[pupil.student_no, d, "旷课", ""] for d in days]), officer)
    importing.commit(first, by=officer, places=places, mode=ImportMode.ALL_OR_NOTHING)
    proposal = Proposal.objects.get()

    excuse, _c, places = upload(sheet([[pupil.student_no, days[1], "病假", "住院"]]), officer)
    assert excuse.changed == 1
    importing.commit(excuse, by=officer, places=places, mode=ImportMode.ALL_OR_NOTHING)

    proposal.refresh_from_db()
    assert proposal.status == "withdrawn"
