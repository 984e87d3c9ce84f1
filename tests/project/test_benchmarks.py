"""A smoke run of the project's engine for the benchmark harness (benchmarks/peers_engine.py):
a few cases up the whole ladder through the services, as the harness drives them, and its own
verification. No time is measured here; the benchmark prints figures when run by hand."""

from benchmarks import peers_engine
from benchmarks.ladder_contract import N_STEPS
from cases.models import Case, Stage


def test_the_engine_walks_every_case_up_the_ladder_and_verifies(db):
    keys = peers_engine.seed_cases(3)
    worker = peers_engine._Worker()
    for step in range(1, N_STEPS + 1):
        for index, key in enumerate(keys):
            worker.step(key, index, step)
    counts = peers_engine.verify_cases(keys)
    assert counts["events"] == 3 * N_STEPS
    assert counts["audit_chain_broken"] == 0
    assert set(Case.objects.filter(pk__in=keys).values_list("stage", flat=True)) == {Stage.CLOSED}
