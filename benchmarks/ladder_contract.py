"""The harness's contract (../shared/bench/common/ladder.py, its README), stated here so that
the project's suite can run its engine without the harness: the eight stages in order, twenty
actors, which actor takes which step, and the check that the events are exactly those."""

LADDER = (
    "identified",
    "reported",
    "home_visit",
    "township_persuasion",
    "legal_enforcement",
    "returned",
    "tutoring_followup",
    "closed",
)
N_STEPS = len(LADDER) - 1
N_ACTORS = 20


def transition(step: int) -> tuple[str, str]:
    """(from, to) of step 1..7."""
    return LADDER[step - 1], LADDER[step]


def actor_for(case_index: int, step: int) -> int:
    """The actor (1..N_ACTORS) who takes `step` on the case_index-th case."""
    return (case_index * 7 + step) % N_ACTORS + 1


def check_events(rows, case_keys, actor_id_of) -> int:
    """The events are one per case and step, each by its actor; returns how many."""
    rows = list(rows)
    expected = {
        (key, *transition(step), actor_id_of(actor_for(index, step)))
        for index, key in enumerate(case_keys)
        for step in range(1, N_STEPS + 1)
    }
    if len(rows) != len(set(rows)) or set(rows) != expected:
        raise AssertionError("the event rows are not one per case and step by its actor")
    return len(rows)
