"""The hash chain over each case's events: a row edited by hand in the database is named."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from cases import chain, clock
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


# Rewinds and deletions: the case row and the signed checkpoint ----------------------------------


def test_a_deadline_edited_in_the_case_row_shows(world):
    case = moved_case(world)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE cases_case SET deadline = %s WHERE id = %s",
            [case.deadline + datetime.timedelta(days=30), case.pk],
        )
    assert chain.verify() == [chain.BrokenLink(case.pk, case.events.latest("id").pk)]


def test_a_version_edited_in_the_case_row_shows(world):
    """The version counts the case's saves, one event each: a row whose version does not match
    its events was written around the services (or lost events with its stage put back)."""
    case = moved_case(world)
    assert case.version == case.events.count()
    type(case).objects.filter(pk=case.pk).update(version=case.version + 1)
    assert chain.verify() == [chain.BrokenLink(case.pk, case.events.latest("id").pk)]


def rewind(case) -> None:
    """What someone with database access does to hide the newest step: remove its event and put
    the case row back as the event before left it."""
    last, previous = case.events.order_by("-id")[:2]
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM cases_caseevent WHERE id = %s", [last.pk])
        cursor.execute(
            "UPDATE cases_case SET stage = %s, owner_id = %s, deadline = %s, version = %s, "
            "chain_head = %s WHERE id = %s",
            [previous.to_stage, previous.owner_id, previous.deadline, 1, previous.hash, case.pk],
        )


def test_a_rewound_case_passes_the_chain_but_not_the_checkpoint(world, tmp_path):
    from cases import checkpoint

    case = moved_case(world)
    path = tmp_path / "heads.json"
    checkpoint.write(path, now=clock.now())
    assert checkpoint.compare(path) == []
    rewind(case)
    assert chain.verify([case]) == []  # the chain alone cannot see it
    problems = checkpoint.compare(path)
    assert len(problems) == 1
    assert str(case.pk) in problems[0]
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("verify_audit", checkpoint=path, stdout=out)
    assert str(case.pk) in out.getvalue()


def test_a_case_removed_with_its_events_shows_against_the_checkpoint(world, tmp_path):
    from cases import checkpoint
    from cases.models import CaseUserObjectPermission

    case = moved_case(world)
    path = tmp_path / "heads.json"
    checkpoint.write(path, now=clock.now())
    with connection.cursor() as cursor:
        CaseUserObjectPermission.objects.filter(content_object=case).delete()
        cursor.execute("DELETE FROM cases_caseevent WHERE case_id = %s", [case.pk])
        cursor.execute("DELETE FROM cases_historicalcase WHERE id = %s", [case.pk])
        cursor.execute("DELETE FROM cases_case WHERE id = %s", [case.pk])
    assert chain.verify() == []  # nothing left to check in the database
    [problem] = checkpoint.compare(path)
    assert str(case.pk) in problem


def test_an_altered_checkpoint_is_refused(world, tmp_path):
    import json

    from cases import checkpoint

    case = moved_case(world)
    path = tmp_path / "heads.json"
    checkpoint.write(path, now=clock.now())
    rewind(case)
    document = json.loads(path.read_text())
    body = json.loads(document["body"])
    body["events"][str(case.pk)][0] -= 1  # make the checkpoint agree with the rewound case
    document["body"] = json.dumps(body, sort_keys=True, separators=(",", ":"))
    path.write_text(json.dumps(document))
    [problem] = checkpoint.compare(path)
    assert "heads.json" in problem


def test_the_sweep_writes_the_checkpoint(world, tmp_path, settings):
    from cases import checkpoint
    from workflows import sweep

    moved_case(world)
    settings.AUDIT_CHECKPOINT_PATH = str(tmp_path / "sweep" / "heads.json")
    sweep.sweep_deadlines()
    assert checkpoint.compare(tmp_path / "sweep" / "heads.json") == []
    assert (tmp_path / "sweep" / "heads.json").exists()


def record_contacts(world, case, results) -> None:
    from cases.models import ContactKind

    for result in results:
        services.contact_record(
            case=case,
            by=world[Role.HOMEROOM_TEACHER],
            kind=ContactKind.PHONE,
            occurred_on=clock.today(),
            guardian_attitude="hesitant",
            result=result,
        )


def test_an_edited_contact_is_named(world):
    case = moved_case(world)
    record_contacts(world, case, ["家长同意考虑", "家长仍不同意"])
    first, second = case.contacts.order_by("id")
    assert second.previous_hash == first.hash
    assert chain.verify([case]) == []
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE cases_contact SET result = %s WHERE id = %s", ["家长同意", second.pk]
        )
    assert chain.verify([case]) == [chain.BrokenLink(case.pk, None, second.pk)]
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("verify_audit", stdout=out)
    assert f"{second.pk}" in out.getvalue()


def test_a_removed_newest_contact_shows_against_the_checkpoint(world, tmp_path):
    """The contact chain alone cannot see its newest link removed; the checkpoint can."""
    from cases import checkpoint

    case = moved_case(world)
    record_contacts(world, case, ["家长同意考虑", "家长仍不同意"])
    path = tmp_path / "heads.json"
    checkpoint.write(path, now=clock.now())
    newest = case.contacts.latest("id")
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM cases_contact_participants WHERE contact_id = %s", [newest.pk])
        cursor.execute("DELETE FROM cases_contact WHERE id = %s", [newest.pk])
    assert chain.verify([case]) == []
    [problem] = checkpoint.compare(path)
    assert str(case.pk) in problem


def test_a_checkpoint_from_before_contacts_were_recorded_still_compares(world, tmp_path):
    import json

    from cases import checkpoint

    case = moved_case(world)
    path = tmp_path / "heads.json"
    events = checkpoint.heads()["events"]
    body = json.dumps({"written_at": "2026-11-30T00:00:00+08:00", "heads": events})
    path.write_text(json.dumps({"body": body, "signature": checkpoint._signature(body)}))
    assert checkpoint.compare(path) == []
    rewind(case)
    assert len(checkpoint.compare(path)) == 1


def test_the_sweep_keeps_the_checkpoint_when_the_database_lost_rows(world, tmp_path, settings):
    """A sweep after a rewind must not bless the rewound state: the old checkpoint stays, the
    sweep reports it, and verify_audit still names the case."""
    from workflows import sweep

    case = moved_case(world)
    path = tmp_path / "heads.json"
    settings.AUDIT_CHECKPOINT_PATH = str(path)
    assert sweep.sweep_deadlines().checkpoint_problems == 0
    kept = path.read_text()
    rewind(case)
    assert sweep.sweep_deadlines().checkpoint_problems == 1
    assert path.read_text() == kept
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("verify_audit", stdout=out)
    assert str(case.pk) in out.getvalue()
