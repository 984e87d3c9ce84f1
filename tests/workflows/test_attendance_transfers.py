"""A student recorded as transferred to another school (a departure settled 转出) leaves their
old school's attendance: the roll no longer lists them, the rules propose nothing for them, a
proposal still waiting is withdrawn with the reason, the register and 名在人不在 skip them, and
an upload naming them is refused with the reason. One whose departure is still open stays."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from cases import clock
from cases.models import (
    Absence,
    ImportKind,
    Proposal,
    ProposalStatus,
    Role,
    RosterDeparture,
    RosterImport,
    Student,
    Term,
)
from workflows.attendance import overview, risk, roll, upload
from workflows.roster import departures, reach

D = datetime.date


def at(day: datetime.date, hour=10):
    return clock.frozen(datetime.datetime(day.year, day.month, day.day, hour, tzinfo=clock.TZ))


@pytest.fixture
def term(world):
    return Term.objects.create(
        county=world.county, name="2025秋", starts_on=D(2025, 9, 1), ends_on=D(2026, 1, 16)
    )


def departed(world, student):
    found_by = RosterImport.objects.create(
        uploaded_by=world[Role.SCHOOL_OFFICER],
        uploaded_at=clock.now(),
        file_name="名册.csv",
        file_sha256="0" * 64,
    )
    return RosterDeparture.objects.create(student=student, school=world.school, found_by=found_by)


def take(world, day, marks):
    with at(day):
        return roll.roll_take(
            klass=world.klass, date=day, by=world[Role.HOMEROOM_TEACHER], marks=marks
        )


def test_a_transfer_withdraws_the_waiting_proposal_and_the_rules_stop(world, term):
    pupil, stays = world.student(), world.student()
    for day in (D(2025, 9, 29), D(2025, 9, 30), D(2025, 10, 9)):
        take(world, day, {pupil.pk: roll.Mark(kind="unexcused")})
    proposal = Proposal.objects.get(student=pupil)
    officer = world[Role.SCHOOL_OFFICER]
    open_departure = departed(world, stays)  # not on the new roll, nobody knows where yet

    with at(D(2025, 10, 10)):
        departures.settle_transfer(departed(world, pupil), by=officer, receiving_school="县一中")

    proposal.refresh_from_db()
    assert (proposal.status, proposal.decided_by) == (ProposalStatus.WITHDRAWN, officer)
    assert proposal.history.first().history_change_reason == str(departures.WITHDRAWN_TRANSFER)
    assert list(Student.objects.on_roll().filter(klass=world.klass)) == [stays]
    assert open_departure.settled_at is None
    # the roll no longer takes marks for them, and their earlier days stay recorded
    with pytest.raises(ValidationError) as refused:
        take(world, D(2025, 10, 13), {pupil.pk: roll.Mark(kind="unexcused")})
    assert refused.value.messages == [str(roll.NOT_IN_CLASS)]
    assert Absence.objects.filter(student=pupil).count() == 3
    # the one still open is on the roll and the rules still see them
    for day in (D(2025, 10, 13), D(2025, 10, 14), D(2025, 10, 15)):
        take(world, day, {stays.pk: roll.Mark(kind="unexcused")})
    assert Proposal.objects.get(status=ProposalStatus.OPEN).student == stays


def test_the_roll_page_the_register_and_the_absent_list_skip_a_transferred_student(world, term):
    pupil, classmate = world.student(), world.student()
    for day in range(13, 25):
        if D(2025, 10, day).weekday() < 5:
            for student in (pupil, classmate):
                Absence.objects.create(
                    student=student,
                    date=D(2025, 10, day),
                    kind="unexcused",
                    recorded_by=world[Role.HOMEROOM_TEACHER],
                    recorded_at=clock.now(),
                )
    today = D(2025, 10, 24)
    assert {s.pk for s in overview.absent_without_case(Student.objects.all(), today)} == {
        pupil.pk,
        classmate.pk,
    }
    with at(today):
        departures.settle_transfer(
            departed(world, pupil), by=world[Role.SCHOOL_OFFICER], receiving_school="县一中"
        )

    absent = overview.absent_without_case(Student.objects.all(), today)
    assert [s.pk for s in absent] == [classmate.pk]
    register = risk.register(Student.objects.all(), today)
    assert [row.student.pk for row in register] == [classmate.pk]
    client = Client()
    client.force_login(world[Role.HOMEROOM_TEACHER])
    with at(today):
        page = client.get(reverse("work:roll:index")).content.decode()
    assert classmate.name in page
    assert pupil.name not in page


def test_an_upload_naming_a_transferred_student_says_so(world, term):
    pupil = world.student()
    officer = world[Role.SCHOOL_OFFICER]
    with at(D(2025, 10, 10)):
        departures.settle_transfer(departed(world, pupil), by=officer, receiving_school="县一中")
        places = reach.places_of(officer, ImportKind.ATTENDANCE)
        rows = [{"student_no": pupil.student_no, "date": "2025-10-09", "status": "旷课"}]
        checked = upload.check_rows(rows, places)

    assert [(r.row, r.field, r.reason) for r in checked.refusals] == [
        (1, "student_no", str(upload.TRANSFERRED_AWAY))
    ]
