"""A student recorded as transferred to another school (a departure settled 转出) leaves their
old school's attendance: the roll no longer lists them, the rules propose nothing for them, a
proposal still waiting is withdrawn with the reason, the register and 名在人不在 skip them, and
an upload naming them is refused with the reason. One whose departure is still open stays."""

import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from cases import clock
from cases.models import (
    Absence,
    ImportKind,
    ImportMode,
    Proposal,
    ProposalStatus,
    Role,
    RosterDeparture,
    RosterImport,
    Settlement,
    Student,
    Term,
)
from workflows.attendance import overview, risk, roll, upload
from workflows.figures import snapshot
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


# From the review: a child who transferred away and later came back ----------------------------


def imported(world, rows, *, by):
    """A roll of the school committed as the school's officer commits one."""
    from workflows.roster import importing

    from .test_roster_import import csv_bytes

    places = importing.places_under([world.school])
    started, _checked = importing.start(
        data=csv_bytes(rows), file_name="名册.csv", by=by, places=places
    )
    importing.commit(started, by=by, places=places, mode=ImportMode.ALL_OR_NOTHING)
    started.refresh_from_db()
    return started


def test_a_child_back_on_the_roll_of_the_school_they_had_left_is_on_its_roll_again(world, term):
    from .test_roster_import import person

    officer = world[Role.SCHOOL_OFFICER]
    stays, moves = person(world, "王小明"), person(world, "李小红")
    with at(D(2025, 9, 1)):
        imported(world, [stays, moves], by=officer)
    pupil = Student.objects.get(name="李小红")
    with at(D(2025, 9, 15)):
        assert imported(world, [stays], by=officer).left_roll == 1
        departures.settle_transfer(
            RosterDeparture.objects.get(student=pupil), by=officer, receiving_school="县一中"
        )
    assert pupil not in Student.objects.on_roll()

    # a term later the child is back: the school's new roll lists them again
    with at(D(2025, 10, 13)):
        imported(world, [stays, moves], by=officer)

    assert pupil in Student.objects.on_roll()
    assert pupil in snapshot.on_roll([world.school])  # the enrolment counts them again too
    back = RosterDeparture.objects.filter(student=pupil).latest("pk")
    assert (back.settlement, back.settled_by) == (Settlement.BACK_ON_ROLL, officer)
    # the roll lists them, a mark for them is taken, and the rules look at their days again
    for day in (D(2025, 10, 13), D(2025, 10, 14), D(2025, 10, 15)):
        take(world, day, {pupil.pk: roll.Mark(kind="unexcused")})
    assert Proposal.objects.get(status=ProposalStatus.OPEN).student == pupil
    with at(D(2025, 10, 16)):
        places = reach.places_of(officer, ImportKind.ATTENDANCE)
        rows = [{"student_no": pupil.student_no, "date": "2025-10-16", "status": "出勤"}]
        assert upload.check_rows(rows, places).refusals == []
    # and if they leave again, the next roll lists them to settle once more
    with at(D(2025, 11, 3)):
        assert imported(world, [stays], by=officer).left_roll == 1
    assert RosterDeparture.objects.get(student=pupil, settled_at__isnull=True)
    assert pupil in Student.objects.on_roll()  # open: nobody knows yet where they went
    with at(D(2025, 11, 4)):
        departures.settle_transfer(
            RosterDeparture.objects.get(student=pupil, settled_at__isnull=True),
            by=officer,
            receiving_school="县二中",
        )
    assert pupil not in Student.objects.on_roll()


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks are PostgreSQL's; SQLite serialises"
)
@pytest.mark.django_db(transaction=True)
def test_a_roll_taken_while_the_transfer_is_settled_proposes_nothing_that_stays_open(world, term):
    """The transfer is being settled (its proposals withdrawn, not yet committed) while the
    teacher's roll makes the rules propose a case for the child: the rules wait for the transfer
    and then find the child gone, so no proposal is left waiting for a child who moved away."""
    pupil = world.student()
    for day in (D(2025, 9, 29), D(2025, 9, 30)):
        take(world, day, {pupil.pk: roll.Mark(kind="unexcused")})
    departure = departed(world, pupil)
    settling, rolled = threading.Event(), threading.Event()
    outcome = {}

    def settle():
        try:
            with at(D(2025, 10, 9), hour=9), transaction.atomic():
                departures.settle_transfer(
                    departure, by=world[Role.SCHOOL_OFFICER], receiving_school="县一中"
                )
                settling.set()
                rolled.wait(timeout=3)  # the roll, if it does not wait for the transfer
        finally:
            connection.close()

    def take_the_roll():
        try:
            settling.wait(timeout=10)
            outcome["roll"] = take(world, D(2025, 10, 9), {pupil.pk: roll.Mark(kind="unexcused")})
        except Exception as error:  # what the thread met is the finding
            outcome["roll"] = error
        finally:
            rolled.set()
            connection.close()

    threads = [threading.Thread(target=settle), threading.Thread(target=take_the_roll)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert outcome["roll"].absent == 1, outcome  # the roll was taken (the child still on it)
    assert not Proposal.objects.filter(student=pupil, status=ProposalStatus.OPEN).exists()
