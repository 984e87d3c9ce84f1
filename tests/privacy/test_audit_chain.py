"""The hash chain over each case's events: a row edited by hand in the database is named."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from cases import chain
from cases.models import CaseEvent, Role, Stage
from workflows import services

from ..builders import case_in_stage


def moved_case(world):
    case = case_in_stage(world, Stage.IDENTIFIED)
    teacher = world[Role.HOMEROOM_TEACHER]
    case = services.case_report(case=case, by=teacher, reasons=["weary"], whereabouts="在家")
    return services.case_start_home_visit(case=case, by=world[Role.SCHOOL_OFFICER])


def test_chain_holds_after_real_steps(world):
    case = moved_case(world)
    first, second = case.events.order_by("id")
    assert first.previous_hash == ""
    assert second.previous_hash == first.hash
    assert chain.verify() == []
    out = io.StringIO()
    call_command("verify_audit", stdout=out)


@pytest.mark.parametrize("column", ["note", "to_stage", "actor_id"])
def test_a_hand_edit_is_named(world, column):
    case = moved_case(world)
    other = moved_case(world)
    first = case.events.order_by("id").first()
    value = {"note": "改过", "to_stage": "closed", "actor_id": world[Role.COUNTY_SUPERVISOR].pk}[
        column
    ]
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE cases_caseevent SET {column} = %s WHERE id = %s", [value, first.pk])  # noqa: S608
    assert chain.verify() == [chain.BrokenLink(case.pk, first.pk)]
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("verify_audit", stdout=out)
    assert f"{first.pk}" in out.getvalue()
    assert chain.verify(cases=[other]) == []


def test_a_deleted_event_breaks_the_chain(world):
    case = moved_case(world)
    first, second = case.events.order_by("id")
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM cases_caseevent WHERE id = %s", [first.pk])
    assert chain.verify() == [chain.BrokenLink(case.pk, second.pk)]
    assert CaseEvent.objects.filter(case=case).count() == 1


def test_removing_the_newest_event_shows(world):
    case = moved_case(world)
    last = case.events.latest("id")
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM cases_caseevent WHERE id = %s", [last.pk])
    previous = case.events.latest("id")
    assert chain.verify() == [chain.BrokenLink(case.pk, previous.pk)]


def test_a_chain_recomputed_without_the_key_does_not_verify(world, settings):
    case = moved_case(world)
    first = case.events.order_by("id").first()
    first.note = "改过"
    settings.AUDIT_CHAIN_KEY = "a key the forger guessed"
    forged = chain.event_hash(first, "")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE cases_caseevent SET note = %s, hash = %s WHERE id = %s",
            ["改过", forged, first.pk],
        )
    settings.AUDIT_CHAIN_KEY = "development-audit-chain-not-secret"
    assert chain.verify() == [chain.BrokenLink(case.pk, first.pk)]
