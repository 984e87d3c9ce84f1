"""A note of any length up to the form's limit is kept whole in the step's event; the history
row's short reason holds its start (its column has 100 characters: a longer reason was a server
error on PostgreSQL, and the user's text was lost)."""

import pytest

from cases.models import Role, Stage
from workflows import services

from ..builders import case_in_stage


@pytest.mark.parametrize("length", [1, 99, 100, 101, 2000])
def test_a_note_of_any_length_is_kept_whole(world, length):
    note = ("家长说孩子在外地打工" * 200)[:length]
    case = case_in_stage(world, Stage.REPORTED)
    moved = services.case_dismiss(
        case=case, by=world[Role.SCHOOL_OFFICER], reason="sick_leave", note=note
    )
    assert moved.events.latest("id").note == note
    reason = moved.history.first().history_change_reason
    assert len(reason) <= 100
    assert reason.startswith("dismiss: " + note[:20])


@pytest.mark.parametrize("length", [99, 2000])
def test_opening_a_case_with_a_long_note(world, length):
    note = ("连续三天未到校" * 400)[:length]
    case = services.case_open(
        student=world.student(), by=world[Role.HOMEROOM_TEACHER], reasons=["weary"], note=note
    )
    assert case.events.get().note == note
    assert len(case.history.first().history_change_reason) <= 100
