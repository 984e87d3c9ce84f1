"""The daily roll page: the class's students with everyone present unless marked, one send;
a refused roll keeps what was typed; the proposals answered from the same page; the page's
query count does not grow with the class."""

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import clock
from cases.models import Absence, Proposal, ProposalStatus, Role, RollCall, Stage, Term

from .. import factories

ROLL = reverse("work:roll:index")
DAY = datetime.date(2025, 9, 30)  # a Tuesday before the National Day holiday


@pytest.fixture(autouse=True)
def today():
    moment = datetime.datetime(2025, 9, 30, 8, 30, tzinfo=clock.TZ)
    with clock.frozen(moment):
        yield


@pytest.fixture
def term(world):
    return Term.objects.create(
        county=world.county,
        name="2025秋",
        starts_on=datetime.date(2025, 9, 1),
        ends_on=datetime.date(2026, 1, 16),
    )


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_teacher_marks_one_absence_and_sends(world, term):
    pupils = [world.student() for _ in range(3)]
    client = signed_in(world[Role.HOMEROOM_TEACHER])

    page = client.get(ROLL).content.decode()
    assert 'data-roll="missing"' in page
    assert all(f'data-student="{p.pk}"' in page for p in pupils)

    response = client.post(
        ROLL,
        {
            "class": world.klass.pk,
            "day": DAY.isoformat(),
            f"kind-{pupils[0].pk}": "unexcused",
            f"contacted-{pupils[0].pk}": "父亲，电话未接",
            f"kind-{pupils[1].pk}": "",
        },
    )

    assert response.status_code == 302
    roll_call = RollCall.objects.get()
    assert (roll_call.klass, roll_call.date, roll_call.absent) == (world.klass, DAY, 1)
    absence = Absence.objects.get()
    assert (absence.student, absence.kind, absence.contacted) == (
        pupils[0],
        "unexcused",
        "父亲，电话未接",
    )
    page = client.get(response["Location"]).content.decode()
    assert 'data-roll="taken"' in page
    assert "缺勤 1 人" in page


def test_a_refused_roll_keeps_what_was_typed(world, term):
    pupil = world.student()
    client = signed_in(world[Role.HOMEROOM_TEACHER])
    with clock.frozen(datetime.datetime(2025, 10, 3, 9, tzinfo=clock.TZ)):  # a holiday
        response = client.post(
            ROLL,
            {
                "class": world.klass.pk,
                "day": "2025-10-03",
                f"kind-{pupil.pk}": "sick",
                f"contacted-{pupil.pk}": "母亲",
            },
        )
    assert response.status_code == 422
    assert not RollCall.objects.exists()
    page = response.content.decode()
    assert "2025-10-03" in page  # the error names the day
    assert 'value="母亲"' in page  # and what was typed is still there
    assert '<option value="sick" selected>' in page


def test_the_proposal_is_confirmed_from_the_roll_page(world, term):
    pupil = world.student()
    client = signed_in(world[Role.HOMEROOM_TEACHER])
    for day in (datetime.date(2025, 9, 26), datetime.date(2025, 9, 28), DAY):
        with clock.frozen(datetime.datetime.combine(day, datetime.time(9), tzinfo=clock.TZ)):
            client.post(
                ROLL,
                {"class": world.klass.pk, "day": day.isoformat(), f"kind-{pupil.pk}": "unexcused"},
            )
    proposal = Proposal.objects.get()
    page = client.get(ROLL).content.decode()
    assert f'data-proposal="{proposal.pk}"' in page

    response = client.post(
        ROLL, {"class": world.klass.pk, "proposal": proposal.pk, "answer": "confirm"}
    )

    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.CONFIRMED
    assert response["Location"] == reverse("work:case_detail", args=[proposal.case.pk])
    assert proposal.case.stage == Stage.IDENTIFIED
    # answered twice (a second tab): a clear refusal, nothing changes
    again = client.post(
        ROLL, {"class": world.klass.pk, "proposal": proposal.pk, "answer": "reject"}
    )
    assert again.status_code == 409


def test_another_class_is_not_offered_nor_taken(world, term, elsewhere):
    theirs = factories.StudentFactory(klass=elsewhere.klass)
    client = signed_in(world[Role.HOMEROOM_TEACHER])
    page = client.get(ROLL, {"class": elsewhere.klass.pk}).content.decode()
    assert f'data-student="{theirs.pk}"' not in page  # falls back to the teacher's own class
    client.post(ROLL, {"class": elsewhere.klass.pk, f"kind-{theirs.pk}": "unexcused"})
    assert not Absence.objects.filter(student=theirs).exists()


def test_the_page_costs_the_same_for_a_bigger_class(world, term):
    client = signed_in(world[Role.HOMEROOM_TEACHER])
    world.student()

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(ROLL).status_code == 200
        return len(queries)

    count()  # the first request fills the per-process caches
    small = count()
    for _ in range(15):
        world.student()
    assert count() == small
