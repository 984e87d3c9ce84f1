"""Free text in the browser: the characters used are counted while typing, and a phone number
typed into a note is refused with what was typed kept."""

import pytest
from playwright.sync_api import expect

from cases.models import DismissalReason, Role, Stage, Step
from cases.validators import NUMBER_IN_TEXT

from ..builders import case_in_stage

pytestmark = pytest.mark.browser


def test_the_count_is_shown_while_typing_and_a_number_is_refused(ui, world):
    from django.utils import translation

    officer = world[Role.SCHOOL_OFFICER]
    case = case_in_stage(world, Stage.REPORTED)
    page = ui.sign_in(officer)
    ui.open_case(page, case)
    ui.start_step(page, Step.DISMISS)
    ui.fill(page, "note", "病假" * 15)
    expect(page.locator(".kc-count").first).to_have_text("30 / 2000")

    typed = "家长电话13812345678，已核实病假"
    ui.choose(page, "dismissal_reason", DismissalReason.SICK_LEAVE)
    ui.fill(page, "note", typed)
    response = ui.submit(page)
    assert response.status == 422
    with translation.override("zh-hans"):
        message = str(NUMBER_IN_TEXT)
    assert message in " ".join(ui.form_errors(page))
    expect(page.locator('form.vf-form textarea[name="note"]')).to_have_value(typed)
    case.refresh_from_db()
    assert case.stage == Stage.REPORTED
