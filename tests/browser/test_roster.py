"""A school officer imports a roster in the browser: uploads a GBK file, reads the refused row
and its reason, imports the clean rows, and sees the student left off the roll to settle."""

import pytest
from playwright.sync_api import expect

from cases.models import ImportMode, Role, Student
from workflows.roster import importing

from ..workflows.test_roster_import import csv_bytes, person
from .test_tour import SIZES

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("size", SIZES)
def test_an_officer_imports_the_clean_rows_and_sees_who_left(ui, world, size, screenshot):
    # Given a roll already imported, with a student who will not be on the next one
    officer = world[Role.SCHOOL_OFFICER]
    staying, leaving = person(world, "王小明"), person(world, "李小红")
    places = importing.places_under([world.school])
    first, _checked = importing.start(
        data=csv_bytes([staying, leaving]), file_name="上学期.csv", by=officer, places=places
    )
    importing.commit(first, by=officer, places=places, mode=ImportMode.ALL_OR_NOTHING)
    page = ui.sign_in(officer, **SIZES[size])

    # When the officer uploads next term's roll: one new student, one row Excel mangled
    ui.visit(page, "work:roster:index")
    newcomer = person(world, "赵小刚")
    mangled = person(world, "钱小芳", 身份证件号="3.40422E+17")
    page.set_input_files(
        "input[name=file]",
        {
            "name": "名册.csv",
            "mimeType": "text/csv",
            "buffer": csv_bytes([staying, newcomer, mangled]),
        },
    )
    with page.expect_navigation():
        page.locator("form.kc-upload button[type=submit]").click()

    # Then the preview counts them and names the refused row's column and reason
    expect(page.locator('[data-count="new"]')).to_have_text("1")
    expect(page.locator('[data-count="unchanged"]')).to_have_text("1")
    expect(page.locator('[data-count="refused"]')).to_have_text("1")
    expect(page.locator('[data-count="left_roll"]')).to_have_text("1")
    expect(page.locator('tr[data-refused-row="5"]')).to_contain_text("Excel")
    assert not ui.has_horizontal_scroll(page)
    screenshot(page, f"roster-preview-{size}")
    assert not Student.objects.filter(name="赵小刚").exists()

    # When the officer imports the clean rows
    with page.expect_navigation():
        page.locator('button[name=action][value="clean"]').click()

    # Then the newcomer is on the roll, and the student left off is listed to settle
    assert Student.objects.filter(name="赵小刚").exists()
    assert not Student.objects.filter(name="钱小芳").exists()
    expect(page.locator("#kc-departures")).to_contain_text("李小红")
    assert not ui.has_horizontal_scroll(page)
    screenshot(page, f"roster-committed-{size}")
