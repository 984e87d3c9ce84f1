"""A stateful property test: random sequences of steps, contacts, reassignments, hand-overs and
sweeps, by random people of the county (and of another county), through the step registry as the
pages take them. After every action:

- each case's events replay into its stage (every event starts where the one before ended, and
  the last ends where the case stands) and each case has one history row per event;
- every chain of events verifies;
- an open case has an owner and a deadline (the default policies name both for every stage);
- nobody of the other county ever reaches a case of this one.

Refusals are part of the game: a refused action must have written nothing. The number of
actions comes from STATEFUL_STEPS (10,000 on SQLite in CI; fewer on PostgreSQL, where each
action costs more), and the test prints how many ran.
"""

import datetime
import itertools
import math
import os

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from cases import chain, clock, selectors
from cases.ladder import RECORD_CONTACT, Stage, Step
from cases.models import Case, CaseEvent, ClosureReason, ContactKind, Role
from workflows import policies, registry, sweep
from workflows.errors import CaseError

STEPS_PER_RUN = 50
ROLES = list(Role)
TAKEN = [
    Step.REPORT,
    Step.DISMISS,
    Step.START_HOME_VISIT,
    Step.ESCALATE,
    Step.ORDER_ENFORCEMENT,
    Step.MARK_RETURNED,
    Step.START_FOLLOWUP,
    Step.CLOSE,
    Step.CLOSE_VERIFIED,
    Step.RELAPSE,
    Step.OVERRIDE,
    Step.REQUEST_CLOSURE,
    Step.APPROVE_CLOSURE,
    Step.REFUSE_CLOSURE,
]


def total_steps() -> int:
    default = 10_000 if connection.vendor == "sqlite" else 1_500
    return int(os.environ.get("STATEFUL_STEPS", default))


def inputs(step: str, case: Case, world) -> dict:
    """What a person would type for `step` (valid input; the rules decide)."""
    today = clock.today()
    return {
        Step.REPORT: {"reasons": ["weary"], "whereabouts": "在家"},
        Step.DISMISS: {"reason": "sick_leave"},
        Step.ORDER_ENFORCEMENT: {"days": 7},
        Step.MARK_RETURNED: {"returned_on": today},
        Step.START_FOLLOWUP: {"tutor": world[Role.SUBJECT_TEACHER]},
        Step.CLOSE_VERIFIED: {"reason": ClosureReason.MOVED_OUT},
        Step.REQUEST_CLOSURE: {"reason": ClosureReason.TRANSFERRED, "receiving_school": "县二中"},
    }.get(step, {})


class Ladder(RuleBasedStateMachine):
    world = None  # set by the test: this county's people
    elsewhere = None  # the other county's people
    counter = None  # {"actions": n}, shared over the runs

    @initialize()
    def start(self):
        self.cases = []
        self.now = clock.now()
        self.open_case()

    def act(self, action) -> None:
        """Run one action at this run's clock; a refusal must leave nothing behind."""
        self.counter["actions"] += 1
        with clock.frozen(self.now):
            before = CaseEvent.objects.count()
            try:
                with transaction.atomic():
                    action()
                self.counter["taken"] += 1
            except CaseError:
                assert CaseEvent.objects.count() == before

    @rule()
    def open_case(self):
        # a birth date of its own: identity numbers are unique, and the factory's serial gives
        # 500 per birth date
        self.counter["students"] += 1
        born = datetime.date(2012, 1, 1) + datetime.timedelta(days=self.counter["students"])
        student = self.world.student(birth_date=born)
        teacher = self.world[Role.HOMEROOM_TEACHER]

        def action():
            self.cases.append(
                registry.run(Step.OPEN, student=student, by=teacher, reasons=["weary"])
            )

        self.act(action)

    @rule(data=st.data(), step=st.sampled_from(TAKEN), role=st.sampled_from(ROLES))
    def take_step(self, data, step, role):
        case = Case.objects.get(pk=data.draw(st.sampled_from(self.cases)).pk)
        self.act(
            lambda: registry.run(
                step,
                case=case,
                by=self.world[role],
                note="随机测试",
                **inputs(step, case, self.world),
            )
        )

    @rule(data=st.data(), role=st.sampled_from(ROLES), kind=st.sampled_from(list(ContactKind)))
    def record_contact(self, data, role, kind):
        case = Case.objects.get(pk=data.draw(st.sampled_from(self.cases)).pk)
        people = [self.world[Role.SUBJECT_TEACHER], self.world[Role.VILLAGE_CADRE]]
        self.act(
            lambda: registry.run(
                RECORD_CONTACT,
                case=case,
                by=self.world[role],
                kind=kind,
                occurred_on=clock.today(),
                guardian_attitude="hesitant",
                result="家长表示考虑",
                participants=data.draw(st.sampled_from([[], people[:1], people])),
            )
        )

    @rule(data=st.data(), role=st.sampled_from(ROLES), to=st.sampled_from(ROLES))
    def reassign(self, data, role, to):
        case = Case.objects.get(pk=data.draw(st.sampled_from(self.cases)).pk)
        self.act(
            lambda: registry.run(
                Step.REASSIGN, case=case, by=self.world[role], owner=self.world[to], note="调整"
            )
        )

    @rule(data=st.data(), role=st.sampled_from(ROLES))
    def outsider_tries(self, data, role):
        case = Case.objects.get(pk=data.draw(st.sampled_from(self.cases)).pk)
        self.act(
            lambda: registry.run(Step.OVERRIDE, case=case, by=self.elsewhere[role], note="越权")
        )

    @rule(days=st.integers(min_value=1, max_value=30))
    def time_passes_and_the_sweep_runs(self, days):
        self.now += datetime.timedelta(days=days)
        self.counter["actions"] += 1
        with clock.frozen(self.now):
            sweep.sweep_deadlines()

    @invariant()
    def the_record_holds(self):
        ids = [case.pk for case in self.cases]
        if not ids:
            return
        events = {}
        for event in CaseEvent.objects.filter(case__in=ids).order_by("id"):
            events.setdefault(event.case_id, []).append(event)
        for case in Case.objects.filter(pk__in=ids):
            mine = events[case.pk]
            assert mine[0].step == Step.OPEN
            for before, after in itertools.pairwise(mine):
                assert after.from_stage == before.to_stage, (case.pk, before.step, after.step)
            assert mine[-1].to_stage == case.stage
            assert case.history.count() == len(mine)
            if case.stage != Stage.CLOSED:
                assert case.owner_id is not None, case.stage
                assert case.deadline is not None, case.stage
        assert chain.verify(ids) == []
        for role in ROLES:
            reached = selectors.cases_in_reach(self.elsewhere[role]).filter(pk__in=ids)
            assert not reached.exists()


@pytest.mark.django_db
def test_random_sequences_keep_every_rule(world, elsewhere):
    policies.ensure_default_policies(world.county)
    Ladder.world, Ladder.elsewhere = world, elsewhere
    Ladder.counter = {"actions": 0, "taken": 0, "students": 0}
    # Hypothesis ends some runs before STEPS_PER_RUN actions (about 46 on average here): a fifth
    # more runs reach the number asked for.
    runs = max(math.ceil(total_steps() / STEPS_PER_RUN * 1.2), 1)
    Ladder.TestCase.settings = settings(
        max_examples=runs,
        stateful_step_count=STEPS_PER_RUN,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    Ladder.TestCase().runTest()
    counted = Ladder.counter
    print(f"stateful: {counted['actions']} actions ({counted['taken']} taken) in {runs} runs")
    assert counted["taken"] >= counted["actions"] * 0.2  # not refusals alone
    assert counted["actions"] >= total_steps()
