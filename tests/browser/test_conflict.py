"""Two tabs, one case: the second submit of a step on a case that has moved meanwhile is refused
with the conflict message, and what the person typed is still in the form."""

import pytest
from django.utils import translation
from playwright.sync_api import expect

from cases.models import Role, Stage, Step
from workflows import errors

from ..builders import case_in_stage

pytestmark = pytest.mark.browser


def test_second_tab_gets_the_conflict_and_keeps_the_note(ui, world):
    # Given a report, and the school officer with its confirm form open in two tabs
    officer = world[Role.SCHOOL_OFFICER]
    case = case_in_stage(world, Stage.REPORTED)
    first = ui.sign_in(officer)
    second = first.context.new_page()
    for page in (first, second):
        ui.open_case(page, case)
        ui.start_step(page, Step.START_HOME_VISIT)

    # When the first tab confirms the report
    ui.fill(first, "note", "第一次提交：已核实")
    ui.submit_to_case_page(first, case)
    ui.expect_stage(first, Stage.HOME_VISIT)

    # ... and the second tab, still showing the report, submits too
    typed = "第二次提交：家长电话已核实，明天家访"
    ui.fill(second, "note", typed)
    ui.submit(second)

    # Then the second tab is refused, told the stage the case is at now, and keeps the note
    with translation.override("zh-hans"):
        stage_label = str(Stage.HOME_VISIT.label)
        message = str(errors.CONFLICT) % {"stage": stage_label}
    assert second.url == ui.url("work:case_step", case.pk, Step.START_HOME_VISIT)
    refusal = second.locator("form.vf-form .vf-form__error")
    expect(refusal).to_contain_text(stage_label)
    expect(refusal).to_have_text(message)
    # ... styled as an error (red on a light red ground), not as plain text
    box = second.locator("form.vf-form .vf-form__errors")
    expect(box).to_have_css("color", "rgb(183, 28, 28)")
    expect(box).to_have_css("background-color", "rgb(255, 235, 238)")
    expect(second.locator('form.vf-form textarea[name="note"]')).to_have_value(typed)

    # ... and nothing of the second submit was written
    case.refresh_from_db()
    assert (case.stage, case.owner) == (Stage.HOME_VISIT, world[Role.HOMEROOM_TEACHER])
    event = case.events.get()
    assert (event.step, event.actor, event.note) == (
        Step.START_HOME_VISIT,
        officer,
        "第一次提交：已核实",
    )
