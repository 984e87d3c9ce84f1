"""Two people advance the same case at the same moment: one wins, the other gets the conflict
error, and there is one event, not two. Needs real row locks: PostgreSQL only."""

import threading

import pytest
from django.db import connection

from cases.models import Case, CaseEvent, Role, Stage
from workflows import services
from workflows.errors import CaseConflict

from ..builders import case_in_stage

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="row locks are PostgreSQL's; SQLite serialises writers",
)


def race(count: int, step) -> list:
    """Run `step()` in `count` threads released together; return what each returned or raised."""
    barrier = threading.Barrier(count)
    outcomes = [None] * count

    def run(index: int) -> None:
        try:
            barrier.wait()
            outcomes[index] = step(index)
        except Exception as error:
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_two_officers_confirm_the_same_case_at_once(world):
    case = case_in_stage(world, Stage.REPORTED)
    officer = world[Role.SCHOOL_OFFICER]
    copies = [Case.objects.get(pk=case.pk) for _ in range(2)]  # each person's screen

    outcomes = race(2, lambda i: services.case_start_home_visit(case=copies[i], by=officer))

    winners = [o for o in outcomes if isinstance(o, Case)]
    losers = [o for o in outcomes if isinstance(o, CaseConflict)]
    assert (len(winners), len(losers)) == (1, 1), outcomes
    assert losers[0].params == {"stage": Stage.HOME_VISIT.label}
    assert CaseEvent.objects.filter(case=case).count() == 1
    assert Case.objects.get(pk=case.pk).history.count() == 2  # the creation and one step


@pytest.mark.django_db(transaction=True)
def test_dismiss_and_confirm_race_leaves_one_outcome(world):
    case = case_in_stage(world, Stage.REPORTED)
    officer = world[Role.SCHOOL_OFFICER]
    copies = [Case.objects.get(pk=case.pk) for _ in range(2)]
    steps = [
        lambda: services.case_start_home_visit(case=copies[0], by=officer),
        lambda: services.case_dismiss(
            case=copies[1], by=officer, reason="sick_leave", note="病假已核实"
        ),
    ]

    outcomes = race(2, lambda i: steps[i]())

    assert sum(isinstance(o, Case) for o in outcomes) == 1, outcomes
    assert sum(isinstance(o, CaseConflict) for o in outcomes) == 1, outcomes
    final = Case.objects.get(pk=case.pk)
    event = CaseEvent.objects.get(case=case)
    assert event.to_stage == final.stage


@pytest.mark.django_db(transaction=True)
def test_two_teachers_open_a_case_for_the_same_child_at_once(world):
    student = world.student()
    teacher = world[Role.HOMEROOM_TEACHER]

    outcomes = race(2, lambda i: services.case_open(student=student, by=teacher))

    assert sum(isinstance(o, Case) for o in outcomes) == 1, outcomes
    assert Case.objects.filter(student=student).count() == 1
    assert CaseEvent.objects.filter(case__student=student).count() == 1
