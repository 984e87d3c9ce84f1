"""The case page and a step form on a phone (390×844, an iPhone 12–15's CSS pixels): nothing
wider than the screen, and the step can be taken."""

import pytest

from cases import clock
from cases.models import Role, Stage, Step

from ..builders import case_in_stage

pytestmark = pytest.mark.browser

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 3,
    "is_mobile": True,  # honour <meta name="viewport">, as a phone's browser does
    "has_touch": True,
}


def widths(page) -> str:
    return page.evaluate(
        "`scrollWidth ${document.documentElement.scrollWidth}, innerWidth ${window.innerWidth}`"
    )


def test_case_page_and_step_form_fit_a_phone(ui, world, screenshot):
    # Given a case at home visits, and its homeroom teacher on a phone
    teacher = world[Role.HOMEROOM_TEACHER]
    case = case_in_stage(world, Stage.HOME_VISIT)
    page = ui.sign_in(teacher, **PHONE)

    # When the teacher opens the case page
    ui.open_case(page, case)

    # Then it needs no sideways scrolling
    assert not ui.has_horizontal_scroll(page), widths(page)
    screenshot(page, "case-page-phone")

    # When the teacher opens the "mark returned" form
    ui.start_step(page, Step.MARK_RETURNED)

    # Then it fits too, and the return date is filled in with today
    assert not ui.has_horizontal_scroll(page), widths(page)
    assert ui.field_value(page, "returned_on") == clock.today().isoformat()
    screenshot(page, "step-form-phone")

    # When the teacher submits it with a note
    ui.fill(page, "note", "今天已回校上课")
    ui.submit_to_case_page(page, case)

    # Then the case is returned, and the teacher wrote its one event
    ui.expect_stage(page, Stage.RETURNED)
    assert not ui.has_horizontal_scroll(page), widths(page)
    case.refresh_from_db()
    assert (case.stage, case.returned_on, case.owner) == (Stage.RETURNED, clock.today(), teacher)
    event = case.events.get()
    assert (event.step, event.actor, event.note) == (Step.MARK_RETURNED, teacher, "今天已回校上课")
