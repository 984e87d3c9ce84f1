"""Identity and phone numbers typed into free text: refused by every form and service, and rows
written before are reported by id, never shown."""

import io

import pytest
from django.core.management import call_command

from cases.models import CaseEvent, Role, Stage
from workflows import services
from workflows.errors import GuardFailed

from ..builders import add_contact, case_in_stage

PHONE = "13812345678"
IDENTITY = "34042220140307001X"


@pytest.mark.parametrize("number", [PHONE, IDENTITY, "１３８１２３４５６７８"])
def test_a_step_note_with_a_number_is_refused(world, number):
    case = case_in_stage(world, Stage.REPORTED)
    with pytest.raises(GuardFailed):
        services.case_dismiss(
            case=case, by=world[Role.SCHOOL_OFFICER], reason="sick_leave", note=f"电话{number}"
        )
    assert not CaseEvent.objects.filter(case=case).exists()


@pytest.mark.parametrize("field", ["place", "result", "next_step", "other_participants"])
def test_a_contact_with_a_number_is_refused(world, field):
    import datetime

    case = case_in_stage(world, Stage.HOME_VISIT)
    values = {"result": "家长同意", field: f"联系电话{PHONE}"}
    with pytest.raises(GuardFailed):
        services.contact_record(
            case=case,
            by=world[Role.HOMEROOM_TEACHER],
            kind="phone",
            occurred_on=datetime.date.today(),
            guardian_attitude="hesitant",
            **values,
        )


@pytest.mark.parametrize("field", ["whereabouts", "reason_note"])
def test_a_report_with_a_number_is_refused(world, field):
    case = case_in_stage(world, Stage.IDENTIFIED)
    values = {"whereabouts": "在家", "reason_note": "", field: f"在{PHONE}家"}
    with pytest.raises(GuardFailed):
        services.case_report(
            case=case, by=world[Role.HOMEROOM_TEACHER], reasons=["weary"], **values
        )


def test_a_note_over_the_limit_is_refused(world):
    case = case_in_stage(world, Stage.REPORTED)
    with pytest.raises(GuardFailed):
        services.case_dismiss(
            case=case, by=world[Role.SCHOOL_OFFICER], reason="sick_leave", note="病" * 2001
        )


def test_rows_written_before_are_reported_by_id_without_the_number(world):
    case = case_in_stage(world, Stage.HOME_VISIT)
    contact = add_contact(case, by=world[Role.HOMEROOM_TEACHER], stage=Stage.HOME_VISIT)
    type(contact).objects.filter(pk=contact.pk).update(result=f"家长电话{PHONE}")  # an old row
    out = io.StringIO()
    call_command("find_numbers_in_text", stdout=out)
    report = out.getvalue()
    assert "cases_contact.result" in report
    assert str(contact.pk) in report
    assert PHONE not in report


def test_an_older_row_with_a_number_does_not_block_later_steps(world):
    """The rule checks what a step writes, not text saved before the rule existed: the case
    moves on (and its owner can leave) while the old text waits for find_numbers_in_text."""
    from cases.models import StaffRole

    with pytest.raises(GuardFailed):  # what a step writes is still checked
        services.case_report(
            case=case_in_stage(world, Stage.IDENTIFIED),
            by=world[Role.HOMEROOM_TEACHER],
            reasons=["weary"],
            whereabouts=f"在{PHONE}家",
        )
    case = case_in_stage(world, Stage.REPORTED)
    type(case).objects.filter(pk=case.pk).update(whereabouts=f"在{PHONE}家")  # an old row
    case.refresh_from_db()
    moved = services.case_start_home_visit(case=case, by=world[Role.SCHOOL_OFFICER])
    assert moved.stage == Stage.HOME_VISIT
    services.staff_role_end(staff_role=StaffRole.objects.get(user=world[Role.HOMEROOM_TEACHER]))
    moved.refresh_from_db()
    assert moved.owner == world[Role.SCHOOL_OFFICER]
