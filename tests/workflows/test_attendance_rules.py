"""The daily roll and the rules that read it, around the 2025 National Day holiday: 1 to 8
October off, Sunday 28 September and Saturday 11 October made working days (调休). A run of
unexcused days crosses the holiday and counts the make-up days; a term start, a school's own
day off and an unreported day are school days or not as the calendar says; an excuse withdraws
a waiting proposal or flags the opened case; confirming opens the case at `identified`."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cases import clock
from cases.models import (
    Absence,
    AbsenceKind,
    AttendanceRule,
    Proposal,
    ProposalRule,
    ProposalStatus,
    Role,
    RollCall,
    SchoolDayOff,
    Stage,
    Term,
)
from notifications.models import Message
from workflows.attendance import calendar, proposals, roll, rules

from .. import factories

D = datetime.date
AUTUMN = (D(2025, 9, 1), D(2026, 1, 16))


def at(day: datetime.date, hour=10):
    return clock.frozen(datetime.datetime(day.year, day.month, day.day, hour, tzinfo=clock.TZ))


@pytest.fixture
def term(world):
    return Term.objects.create(
        county=world.county, name="2025秋", starts_on=AUTUMN[0], ends_on=AUTUMN[1]
    )


@pytest.fixture
def pupil(world):
    return world.student()


def take(world, day, marks, by=None):
    with at(day):
        return roll.roll_take(
            klass=world.klass, date=day, by=by or world[Role.HOMEROOM_TEACHER], marks=marks
        )


def absent(pupil, **kwargs):
    return {pupil.pk: roll.Mark(**kwargs)}


def test_school_days_follow_the_holiday_the_make_up_days_the_term_and_days_off(world, term):
    SchoolDayOff.objects.create(school=world.school, date=D(2025, 9, 25), note="运动会")

    days = calendar.SchoolCalendar(world.school, D(2025, 8, 29), D(2025, 10, 12)).school_days()

    assert D(2025, 8, 29) not in days  # a working day before the term
    assert D(2025, 9, 1) in days
    assert D(2025, 9, 25) not in days  # the school's sports day
    assert D(2025, 9, 27) not in days  # Saturday
    assert D(2025, 9, 28) in days  # Sunday made a working day
    assert not [d for d in days if D(2025, 10, 1) <= d <= D(2025, 10, 8)]
    assert D(2025, 10, 11) in days  # Saturday made a working day


def test_a_run_of_unexcused_days_across_the_holiday_is_proposed(world, term, pupil):
    for day in (D(2025, 9, 29), D(2025, 9, 30), D(2025, 10, 9)):
        take(world, day, absent(pupil))

    proposal = Proposal.objects.get()
    assert proposal.rule == ProposalRule.CONSECUTIVE
    assert proposal.day_list == [D(2025, 9, 29), D(2025, 9, 30), D(2025, 10, 9)]
    assert proposal.first_absent_on == D(2025, 9, 29)
    assert proposal.status == ProposalStatus.OPEN
    # the teacher is told, without the child's name
    message = Message.objects.get(template_key="attendance_proposal")
    assert message.recipient == world[Role.HOMEROOM_TEACHER]
    assert pupil.name not in str(message.context)


def test_the_make_up_sunday_counts_and_a_present_day_breaks_the_run(world, term, pupil):
    take(world, D(2025, 9, 26), absent(pupil))
    take(world, D(2025, 9, 28), absent(pupil))  # 调休 Sunday
    assert not Proposal.objects.exists()  # two days: below the county's three
    take(world, D(2025, 9, 29), {})  # back
    take(world, D(2025, 9, 30), absent(pupil))
    assert not Proposal.objects.exists()


def test_sick_and_personal_leave_do_not_count(world, term, pupil):
    take(world, D(2025, 9, 26), absent(pupil, kind=AbsenceKind.SICK))
    take(world, D(2025, 9, 28), absent(pupil))
    take(world, D(2025, 9, 29), absent(pupil))
    assert not Proposal.objects.exists()


def test_an_unreported_day_neither_breaks_nor_counts(world, term, pupil):
    take(world, D(2025, 9, 26), absent(pupil))
    # 28 September: the class took no roll
    take(world, D(2025, 9, 29), absent(pupil))
    assert not Proposal.objects.exists()
    take(world, D(2025, 9, 30), absent(pupil))
    assert Proposal.objects.get().day_list == [D(2025, 9, 26), D(2025, 9, 29), D(2025, 9, 30)]


def test_an_excuse_withdraws_the_waiting_proposal(world, term, pupil):
    for day in (D(2025, 9, 26), D(2025, 9, 28), D(2025, 9, 29)):
        take(world, day, absent(pupil))
    proposal = Proposal.objects.get()

    # the same week, the parents bring a doctor's note for the 28th
    take(world, D(2025, 9, 28), absent(pupil, kind=AbsenceKind.SICK, contacted="母亲"))

    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.WITHDRAWN
    # the correction is a change with its history, not a new row
    absence = Absence.objects.get(student=pupil, date=D(2025, 9, 28))
    assert [h.kind for h in absence.history.order_by("history_id")] == ["unexcused", "sick"]
    assert RollCall.objects.get(klass=world.klass, date=D(2025, 9, 28)).history.count() == 2


def test_confirming_opens_the_case_and_a_later_excuse_suggests_dismissal(world, term, pupil):
    for day in (D(2025, 9, 26), D(2025, 9, 28), D(2025, 9, 29)):
        take(world, day, absent(pupil))
    proposal = Proposal.objects.get()
    teacher = world[Role.HOMEROOM_TEACHER]

    with at(D(2025, 9, 29), hour=11):
        case = proposals.proposal_confirm(proposal=proposal, by=teacher)

    assert case.stage == Stage.IDENTIFIED
    assert case.last_seen_on == D(2025, 9, 26)
    proposal.refresh_from_db()
    assert (proposal.status, proposal.case, proposal.decided_by) == (
        ProposalStatus.CONFIRMED,
        case,
        teacher,
    )
    # absent on: no new proposal while the case is open
    take(world, D(2025, 9, 30), absent(pupil))
    assert Proposal.objects.count() == 1
    # one day excused: still three unexcused days since, nothing to flag
    take(world, D(2025, 9, 26), absent(pupil, kind=AbsenceKind.PERSONAL))
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.CONFIRMED
    # two excused: the rule is no longer met; the case is flagged, not closed
    take(world, D(2025, 9, 28), absent(pupil, kind=AbsenceKind.PERSONAL))
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.EXCUSED_AFTER_CASE
    case.refresh_from_db()
    assert case.stage == Stage.IDENTIFIED


def test_a_rejected_run_is_not_proposed_again_but_a_new_run_is(world, term, pupil):
    for day in (D(2025, 9, 26), D(2025, 9, 28), D(2025, 9, 29)):
        take(world, day, absent(pupil))
    with at(D(2025, 9, 29)):
        proposals.proposal_reject(proposal=Proposal.objects.get(), by=world[Role.HOMEROOM_TEACHER])
    take(world, D(2025, 9, 30), absent(pupil))  # the same run goes on
    assert Proposal.objects.count() == 1
    take(world, D(2025, 10, 9), {})
    for day in (D(2025, 10, 10), D(2025, 10, 11), D(2025, 10, 13)):
        take(world, day, absent(pupil))
    newest = Proposal.objects.latest("proposed_at")
    assert newest.status == ProposalStatus.OPEN
    assert newest.first_absent_on == D(2025, 10, 10)


def test_not_back_after_the_term_starts(world, term, pupil):
    AttendanceRule.objects.create(county=world.county, consecutive_days=5, term_start_days=2)
    take(world, D(2025, 9, 1), absent(pupil))
    assert not Proposal.objects.exists()
    take(world, D(2025, 9, 2), absent(pupil))
    proposal = Proposal.objects.get()
    assert proposal.rule == ProposalRule.TERM_START
    assert proposal.rule_version == AttendanceRule.objects.get().history.get().history_id


def test_repeated_part_day_absences_within_the_window(world, term, pupil):
    AttendanceRule.objects.create(county=world.county, partial_count=3, partial_window=6)
    for day in (D(2025, 9, 22), D(2025, 9, 24), D(2025, 9, 26)):
        take(world, day, absent(pupil, part_of_day=True))
        # the other days of the week are taken, all present
    for day in (D(2025, 9, 23),):
        take(world, day, {})
    assert Proposal.objects.get().rule == ProposalRule.PARTIAL


def test_the_roll_refuses_other_days_and_other_people(world, term, pupil, elsewhere):
    teacher = world[Role.HOMEROOM_TEACHER]
    with at(D(2025, 10, 9)), pytest.raises(ValidationError):
        roll.roll_take(klass=world.klass, date=D(2025, 10, 3), by=teacher, marks={})  # holiday
    with at(D(2025, 10, 9)), pytest.raises(ValidationError):
        roll.roll_take(klass=world.klass, date=D(2025, 10, 10), by=teacher, marks={})  # future
    with at(D(2025, 10, 20)), pytest.raises(ValidationError):
        roll.roll_take(klass=world.klass, date=D(2025, 9, 30), by=teacher, marks={})  # too old
    with at(D(2025, 10, 9)), pytest.raises(PermissionDenied):
        roll.roll_take(
            klass=world.klass,
            date=D(2025, 10, 9),
            by=elsewhere[Role.HOMEROOM_TEACHER],
            marks={},
        )
    other = factories.StudentFactory(klass=elsewhere.klass)
    with at(D(2025, 10, 9)), pytest.raises(ValidationError):
        roll.roll_take(klass=world.klass, date=D(2025, 10, 9), by=teacher, marks=absent(other))
    assert not RollCall.objects.exists()
    # the school's dropout officer may take any class's roll of the school
    take(world, D(2025, 10, 9), {}, by=world[Role.SCHOOL_OFFICER])
    assert RollCall.objects.get().taken_by == world[Role.SCHOOL_OFFICER]


def test_rules_review_is_idempotent(world, term, pupil):
    for day in (D(2025, 9, 26), D(2025, 9, 28), D(2025, 9, 29)):
        take(world, day, absent(pupil))
    with at(D(2025, 9, 29)):
        assert rules.review([pupil]) == []
    assert Proposal.objects.count() == 1


def test_teachers_of_classes_without_todays_roll_are_reminded_once_after_the_time(world, term):
    from workflows.attendance.reminders import remind_missing_rolls

    AttendanceRule.objects.create(county=world.county, report_by=datetime.time(8, 30))
    tuesday = D(2025, 9, 30)
    early = datetime.datetime(2025, 9, 30, 8, 0, tzinfo=clock.TZ)
    late = datetime.datetime(2025, 9, 30, 8, 45, tzinfo=clock.TZ)

    assert remind_missing_rolls(early) == 0
    with clock.frozen(late):
        remind_missing_rolls(late)
        remind_missing_rolls(late)  # a quarter of an hour later: not told twice
    (message,) = Message.objects.filter(template_key="roll_missing")
    assert message.recipient == world[Role.HOMEROOM_TEACHER]
    assert message.context["due"] == "08:30"
    # once the roll is taken, nobody is told; on a holiday, nobody either
    take(world, tuesday, {})
    Message.objects.all().delete()
    assert remind_missing_rolls(late) == 0
    holiday = datetime.datetime(2025, 10, 3, 10, tzinfo=clock.TZ)
    assert remind_missing_rolls(holiday) == 0
