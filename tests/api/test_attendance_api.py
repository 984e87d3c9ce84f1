"""Attendance through the API: a school's electronic system sends (学籍号, date, status) rows;
they are checked as a file's rows are, recorded all or none, idempotent by student and day, and
the rules run on what changed."""

import datetime

import pytest

from cases import clock
from cases.models import Absence, Proposal, Role, RollCall, Term, TokenScope
from workflows.attendance import overview

from .. import factories

D = datetime.date
URL = "/api/attendance/"


@pytest.fixture(autouse=True)
def today():
    with clock.frozen(datetime.datetime(2025, 10, 10, 18, tzinfo=clock.TZ)):
        yield


@pytest.fixture
def term(world):
    return Term.objects.create(
        county=world.county, name="2025秋", starts_on=D(2025, 9, 1), ends_on=D(2026, 1, 16)
    )


def row(student, date, status, note=""):
    return {"student_no": student.student_no, "date": date, "status": status, "note": note}


def test_rows_are_recorded_and_sending_them_again_changes_nothing(world, term, api_as):
    pupil, other = world.student(), world.student()
    rows = [
        row(pupil, "2025-09-29", "旷课"),
        row(pupil, "2025-09-30", "旷课", "电话未接"),
        row(pupil, "2025-10-09", "缺勤"),  # across the National Day holiday: three in a row
        row(other, "2025-09-30", "迟到", "睡过头"),
        row(other, "2025-09-29", "出勤"),
    ]
    api = api_as(Role.SCHOOL_OFFICER)

    answer = api.post(URL, {"rows": rows})

    assert answer.status_code == 200, answer.json()
    assert answer.json() == {"rows": 5, "new": 4, "changed": 0, "unchanged": 1}
    late = Absence.objects.get(student=other)
    assert (late.kind, late.part_of_day, late.note, late.source) == (
        "unexcused",
        True,
        "睡过头",
        "api",
    )
    assert late.history.get().history_user == world[Role.SCHOOL_OFFICER]
    assert Proposal.objects.get().student == pupil

    again = api.post(URL, {"rows": rows})
    assert again.json() == {"rows": 5, "new": 0, "changed": 0, "unchanged": 5}
    assert Absence.history.count() == 4

    excused = api.post(URL, {"rows": [row(pupil, "2025-09-30", "病假", "发烧")]})
    assert excused.json()["changed"] == 1
    assert Absence.objects.get(student=pupil, date=D(2025, 9, 30)).kind == "sick"


def test_one_refused_row_records_nothing_and_each_refusal_names_its_row(
    world, term, elsewhere, api_as
):
    pupil = world.student()
    theirs = factories.StudentFactory(klass=elsewhere.klass)
    rows = [
        row(pupil, "2025-09-29", "旷课"),
        row(theirs, "2025-09-29", "旷课"),  # another county's child: as if unknown
        row(pupil, "2025-10-03", "旷课"),  # the National Day holiday
        row(pupil, "2025-10-20", "旷课"),  # a day still to come
        row(pupil, "2025-09-29", "病假"),  # the same student and day as row 1
        row(pupil, "9月30日", "旷课"),  # not a date
    ]

    answer = api_as(Role.SCHOOL_OFFICER).post(URL, {"rows": rows})

    assert answer.status_code == 422
    body = answer.json()
    assert "nothing was recorded" in body["detail"] or "未记录" in body["detail"]
    assert [(r["row"], r["field"]) for r in body["rows"]] == [
        (2, "student_no"),
        (3, "date"),
        (4, "date"),
        (5, "date"),
        (6, "date"),
    ]
    by_row = {r["row"]: r["message"] for r in body["rows"]}
    assert "学籍号" in by_row[2] or "学校" in by_row[2]
    assert theirs.student_no not in answer.content.decode()
    assert not Absence.objects.exists()


def test_who_may_send_attendance(world, term, api_as):
    pupil = world.student()
    rows = [row(pupil, "2025-09-29", "旷课")]

    assert api_as(Role.SCHOOL_OFFICER, TokenScope.READ).post(URL, {"rows": rows}).status_code == 403
    for role in (Role.HOMEROOM_TEACHER, Role.TOWNSHIP_OFFICIAL):
        answer = api_as(role).post(URL, {"rows": rows})
        assert answer.status_code == 403, role
    assert api_as(Role.COUNTY_SUPERVISOR).post(URL, {"rows": rows}).status_code == 200
    assert not Absence.objects.exclude(source="api").exists()


def test_the_body_is_checked_before_anything_is_read(world, term, api_as):
    api = api_as(Role.SCHOOL_OFFICER)
    assert api.post(URL, {"rows": []}).status_code == 422
    assert (
        api.post(URL, {"rows": [{"student_no": "1", "date": "x", "status": "请假了"}]}).status_code
        == 422
    )
    too_many = [{"student_no": "1", "date": "2025-09-29", "status": "旷课"}] * 2001
    assert api.post(URL, {"rows": too_many}).status_code == 422
    assert not Absence.objects.exists()


# From the review -------------------------------------------------------------------------------


def test_a_day_everyone_was_present_counts_as_the_class_reporting(world, term, api_as):
    """A system sends the whole class; when nobody was away there is no absence to record, but
    the class has reported: its teacher is not reminded, the overview counts the day."""
    pupil, other = world.student(), world.student()
    rows = [row(pupil, "2025-10-10", "出勤"), row(other, "2025-10-10", "到校")]

    answer = api_as(Role.SCHOOL_OFFICER).post(URL, {"rows": rows})

    assert answer.json() == {"rows": 2, "new": 0, "changed": 0, "unchanged": 2}
    reported = RollCall.objects.get(klass=world.klass, date=D(2025, 10, 10))
    assert (reported.absent, reported.taken_by) == (0, world[Role.SCHOOL_OFFICER])
    assert not Absence.objects.exists()
    assert overview.unreported_classes([world.school], D(2025, 10, 10)) == []


def test_a_day_sent_again_keeps_its_note_and_takes_who_was_contacted(world, term, api_as):
    pupil = world.student()
    api = api_as(Role.SCHOOL_OFFICER)
    api.post(URL, {"rows": [row(pupil, "2025-10-09", "旷课", "电话未接")]})

    again = api.post(URL, {"rows": [row(pupil, "2025-10-09", "旷课")]})  # no note this time
    assert again.json()["unchanged"] == 1
    absence = Absence.objects.get()
    assert (absence.note, absence.history.count()) == ("电话未接", 1)

    contacted = api.post(URL, {"rows": [{**row(pupil, "2025-10-09", "旷课"), "contacted": "父亲"}]})
    assert contacted.json() == {"rows": 1, "new": 0, "changed": 1, "unchanged": 0}
    absence.refresh_from_db()
    assert (absence.contacted, absence.note, absence.history.count()) == ("父亲", "电话未接", 2)


def test_a_body_larger_than_the_server_takes_is_refused_in_json(world, term, api_as, settings):
    """2,000 rows with long notes pass the body's own limits but not the server's body size:
    the answer says so in JSON (413), as the schema describes, not as a page."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 20_000
    pupil = world.student()
    rows = [row(pupil, "2025-10-09", "旷课", "电话未接通，已发短信" * 20)] * 100

    answer = api_as(Role.SCHOOL_OFFICER).post(URL, {"rows": rows})

    assert answer.status_code == 413
    assert answer["Content-Type"] == "application/json"
    assert "过大" in answer.json()["detail"] or "too large" in answer.json()["detail"]
    assert not Absence.objects.exists()
