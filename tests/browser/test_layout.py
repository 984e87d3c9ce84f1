"""The case page's layout holds whatever the case holds, its main action stands out, and the
queues show long school names in full on a desktop."""

import pytest
from playwright.sync_api import expect

from cases.models import Role, Stage, Step

from ..builders import case_in_stage
from .test_tour import SIZES

pytestmark = pytest.mark.browser

LONG_SCHOOL = "某某县某某镇中心学校附属第一小学（九年一贯制实验学校）"


def card_widths(page) -> dict[str, float]:
    return page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll('.kc-page, .kc-card[id]')]
            .map(card => [card.id || 'page', Math.round(card.getBoundingClientRect().width)]))"""
    )


@pytest.mark.parametrize("size", SIZES)
def test_the_case_page_keeps_one_layout_whatever_it_holds(ui, world, size):
    # Given a bare case, and one with a long whereabouts, many contacts and a long school name
    bare = case_in_stage(world, Stage.IDENTIFIED)
    full = case_in_stage(world, Stage.TOWNSHIP_PERSUASION)
    full.whereabouts = "随父母在外省务工地生活，" * 8
    full.save(update_fields=["whereabouts"])
    full.school.name = LONG_SCHOOL
    full.school.save()
    page = ui.sign_in(world[Role.COUNTY_SUPERVISOR], **SIZES[size])

    # When the supervisor opens one then the other
    ui.open_case(page, bare)
    bare_widths = card_widths(page)
    ui.open_case(page, full)

    # Then every card has the same width on both pages, and nothing scrolls sideways
    assert card_widths(page) == bare_widths
    assert not ui.has_horizontal_scroll(page)
    if size == "desktop":  # two columns: status beside actions, student beside guardians
        assert bare_widths["kc-status"] == bare_widths["kc-actions"]
        assert bare_widths["kc-status"] < bare_widths["page"] / 2


def test_the_step_that_moves_the_case_forward_is_the_main_button(ui, world):
    case = case_in_stage(world, Stage.REPORTED)
    page = ui.sign_in(world[Role.SCHOOL_OFFICER])
    ui.open_case(page, case)

    forward = ui.step_link(page, Step.START_HOME_VISIT)
    dismiss = ui.step_link(page, Step.DISMISS)
    expect(forward).to_have_class("mdc-button mdc-button--raised")
    expect(dismiss).to_have_class("mdc-button mdc-button--outlined")
    first = page.locator("#kc-actions a[data-step]").first
    expect(first).to_have_attribute("data-step", Step.START_HOME_VISIT)

    # ... and dismissing says on its form that it closes the case for good
    ui.start_step(page, Step.DISMISS)
    expect(page.locator("[data-consequence]")).to_be_visible()


def test_long_school_names_show_in_full_in_the_queue_on_a_desktop(ui, world):
    world.school.name = LONG_SCHOOL
    world.school.save()
    case = case_in_stage(world, Stage.HOME_VISIT)
    page = ui.sign_in(world[Role.COUNTY_SUPERVISOR], **SIZES["desktop"])
    ui.visit(page, "work:all:index")

    cell = page.locator(f'tr[data-row-id="{case.pk}"] td').nth(3)
    expect(cell).to_have_text(LONG_SCHOOL)
    assert not cell.evaluate("cell => cell.scrollWidth > cell.clientWidth")  # not cut short


def test_the_queue_on_a_phone_keeps_school_and_owner(ui, world):
    case = case_in_stage(world, Stage.HOME_VISIT)
    teacher = world[Role.HOMEROOM_TEACHER]
    teacher.first_name = "叶红梅"
    teacher.save()
    page = ui.sign_in(world[Role.COUNTY_SUPERVISOR], **SIZES["phone"])
    ui.visit(page, "work:all:index")

    row = page.locator(f'tr[data-row-id="{case.pk}"]')
    school, owner = row.locator("td").nth(3), row.locator("td").nth(5)
    expect(school).to_be_visible()
    expect(school).to_have_text(world.school.name)
    expect(owner).to_be_visible()
    expect(owner).to_have_text("叶红梅")
    assert not ui.has_horizontal_scroll(page)
    height = row.bounding_box()["height"]
    font = row.locator("td").first.evaluate("cell => parseFloat(getComputedStyle(cell).fontSize)")
    assert height <= 2 * 1.6 * font + 16  # two lines at most, with the cell's padding
