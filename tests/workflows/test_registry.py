"""The ladder table, the state machine and the step registry agree: one place says it all."""

import pytest

from cases.ladder import NEXT, NEXT_RUNG, RECORD_CONTACT, RULES, Step
from cases.models import Case
from workflows import errors, registry

from ..builders import case_in_stage


def fsm_edges() -> dict[str, set[tuple[str, str]]]:
    edges: dict[str, set] = {}
    for transition in Case().get_all_stage_transitions():
        edges.setdefault(transition.name, set()).add((transition.source, transition.target))
    return edges


@pytest.mark.parametrize("step", [rule.step for rule in RULES.values() if rule.moves])
def test_the_state_machine_is_the_ladder_table(step):
    rule = RULES[step]
    name = "override" if step == Step.AUTO_ESCALATE else step
    edges = fsm_edges()[name]
    assert {source for source, _target in edges} == set(rule.sources)
    if rule.target != NEXT:
        assert {target for _source, target in edges} == {rule.target}
    transition = next(t for t in Case().get_all_stage_transitions() if t.name == name)
    assert [condition.guard for condition in transition.conditions] == list(rule.guards)


def test_the_override_goes_one_rung_up():
    rule = RULES[Step.OVERRIDE]
    assert rule.target == NEXT
    assert set(rule.sources) == set(NEXT_RUNG)


def test_every_step_a_person_takes_has_a_service_and_a_form():
    people_steps = set(Step.values) - {Step.AUTO_ESCALATE}
    assert set(registry.STEPS) == people_steps | {RECORD_CONTACT}
    for step in registry.CASE_STEPS:
        assert registry.STEPS[step].form.step == step


@pytest.mark.parametrize("step", sorted(registry.CASE_STEPS))
def test_the_form_asks_for_a_note_exactly_where_the_ladder_does(step, world):
    case = case_in_stage(world, "identified")
    form = registry.STEPS[step].form(case=case)
    assert form.fields["note"].required is RULES[step].note_required


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (errors.CaseConflict, 409),
        (errors.StepNotAllowed, 409),
        (errors.CaseAlreadyOpen, 409),
        (errors.StepForbidden, 403),
        (errors.GuardFailed, 422),
    ],
)
def test_each_refusal_has_one_outcome(error, status):
    assert error(errors.CONFLICT, stage="x").outcome == status
