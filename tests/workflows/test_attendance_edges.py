"""The roll's edges: uploaded present days count as reported; a run never crosses a term, nor a
long unreported gap; the term-start rule with the county's defaults; an excuse that leaves the
rule met flags nothing; a rejected run proposed again once it has grown; a case opened by hand
answers the waiting proposal; a case opened the day it was proposed is not late; a roll posted
for another class, or over someone else's newer roll, changes nothing; numbers in free text are
refused."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from cases import clock
from cases.models import (
    Absence,
    AbsenceKind,
    Case,
    Proposal,
    ProposalRule,
    ProposalStatus,
    Role,
    RollCall,
    Term,
)
from workflows import services
from workflows.attendance import overview, proposals, roll

D = datetime.date


def at(day, hour=10):
    return clock.frozen(datetime.datetime(day.year, day.month, day.day, hour, tzinfo=clock.TZ))


@pytest.fixture
def terms(world):
    spring = Term.objects.create(
        county=world.county, name="春", starts_on=D(2025, 2, 24), ends_on=D(2025, 7, 4)
    )
    autumn = Term.objects.create(
        county=world.county, name="秋", starts_on=D(2025, 9, 1), ends_on=D(2026, 1, 16)
    )
    return spring, autumn


def take(world, day, marks, **kwargs):
    with at(day):
        return roll.roll_take(
            klass=world.klass, date=day, by=world[Role.HOMEROOM_TEACHER], marks=marks, **kwargs
        )


def away(pupil, **kwargs):
    return {pupil.pk: roll.Mark(**kwargs)}


def record(world, pupil, day, kind):
    with at(day, hour=18):
        roll.absences_record(
            [roll.Row(pupil, day, roll.Mark(kind=kind))],
            by=world[Role.SCHOOL_OFFICER],
            source="upload",
        )


def test_uploaded_present_days_count_as_reported(world, terms):
    pupil = world.student()
    days = [D(2025, 9, d) for d in (15, 16, 17, 18, 19, 22, 23, 24, 25, 26, 28, 29)]
    for day in days:
        kind = AbsenceKind.UNEXCUSED if day in (D(2025, 9, 15), D(2025, 9, 22)) else "present"
        record(world, pupil, day, kind)
    record(world, pupil, D(2025, 9, 29), AbsenceKind.UNEXCUSED)

    assert RollCall.objects.filter(klass=world.klass).count() == len(days)
    assert not Proposal.objects.exists()  # three unexcused days a week apart are no run


def test_a_run_stays_inside_its_term(world, terms):
    pupil = world.student()
    record(world, pupil, D(2025, 7, 3), AbsenceKind.UNEXCUSED)
    record(world, pupil, D(2025, 7, 4), AbsenceKind.UNEXCUSED)
    record(world, pupil, D(2025, 9, 1), AbsenceKind.UNEXCUSED)
    assert not Proposal.objects.exists()
    record(world, pupil, D(2025, 9, 2), AbsenceKind.UNEXCUSED)
    record(world, pupil, D(2025, 9, 3), AbsenceKind.UNEXCUSED)
    proposal = Proposal.objects.get()
    # not back after the summer: the term-start rule, with the county's defaults
    assert proposal.rule == ProposalRule.TERM_START
    assert proposal.first_absent_on == D(2025, 9, 1)


def test_an_excuse_that_leaves_the_rule_met_flags_nothing(world, terms):
    pupil = world.student()
    days = [D(2025, 9, d) for d in (22, 23, 24, 25, 26)]
    for day in days:
        record(world, pupil, day, AbsenceKind.UNEXCUSED)
    proposal = Proposal.objects.get()
    with at(D(2025, 9, 26), hour=19):
        proposals.proposal_confirm(proposal=proposal, by=world[Role.HOMEROOM_TEACHER])

    record(world, pupil, D(2025, 9, 24), AbsenceKind.SICK)  # four unexcused days are left
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.CONFIRMED
    for day in days[1:4]:
        record(world, pupil, day, AbsenceKind.SICK)
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.EXCUSED_AFTER_CASE


def test_a_rejected_run_is_proposed_again_once_it_has_grown(world, terms):
    pupil = world.student()
    days = [D(2025, 9, d) for d in (15, 16, 17, 18, 19, 22)]
    for day in days[:3]:
        record(world, pupil, day, AbsenceKind.UNEXCUSED)
    with at(D(2025, 9, 17), hour=20):
        proposals.proposal_reject(proposal=Proposal.objects.get(), by=world[Role.HOMEROOM_TEACHER])
    record(world, pupil, days[3], AbsenceKind.UNEXCUSED)
    record(world, pupil, days[4], AbsenceKind.UNEXCUSED)
    assert Proposal.objects.count() == 1
    record(world, pupil, days[5], AbsenceKind.UNEXCUSED)  # three more days
    latest = Proposal.objects.latest("pk")
    assert latest.status == ProposalStatus.OPEN
    assert len(latest.day_list) == 6


def test_a_case_opened_by_hand_answers_the_waiting_proposal(world, terms):
    pupil = world.student()
    for day in (D(2025, 9, 24), D(2025, 9, 25), D(2025, 9, 26)):
        record(world, pupil, day, AbsenceKind.UNEXCUSED)
    proposal = Proposal.objects.get()

    with at(D(2025, 9, 26), hour=19):
        case = services.case_open(student=pupil, by=world[Role.HOMEROOM_TEACHER])

    proposal.refresh_from_db()
    assert (proposal.status, proposal.case) == (ProposalStatus.CONFIRMED, case)
    # and a case confirmed the day it was proposed is not a late report
    assert overview.late_reports(Case.objects.all(), D(2025, 9, 29)) == []


def test_a_roll_for_another_class_or_over_a_newer_roll_changes_nothing(world, terms, elsewhere):
    pupil = world.student()
    client = Client()
    client.force_login(world[Role.HOMEROOM_TEACHER])
    page = reverse("work:roll:index")
    day = D(2025, 9, 30)
    taken = take(world, day, away(pupil))
    version = roll.version_of(taken)

    with at(day, hour=11):
        stranger = client.post(page, {"class": elsewhere.klass.pk, "day": day.isoformat()})
        assert stranger.status_code == 404
        assert Absence.objects.get(student=pupil).kind == AbsenceKind.UNEXCUSED

        # the officer corrects the roll meanwhile; the teacher's older page is refused
        with at(day, hour=12):
            roll.roll_take(
                klass=world.klass,
                date=day,
                by=world[Role.SCHOOL_OFFICER],
                marks=away(pupil, kind=AbsenceKind.SICK),
                version=version,
            )
        stale = client.post(
            page, {"class": world.klass.pk, "day": day.isoformat(), "version": version}
        )
    assert stale.status_code == 422
    assert str(roll.ROLL_CHANGED) in stale.content.decode()
    assert Absence.objects.get(student=pupil).kind == AbsenceKind.SICK


def test_numbers_in_free_text_are_refused(world, terms):
    pupil = world.student()
    with pytest.raises(ValidationError):
        take(world, D(2025, 9, 30), away(pupil, contacted="母亲13812345678"))
    assert not Absence.objects.exists()
