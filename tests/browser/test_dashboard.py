"""A county supervisor reads the figures on a desktop and on a phone: the charts are drawn
(by the vendored ECharts, under the Content-Security-Policy), the numbers are in the tables
(per school, per township the schools stand in, per township the children live in), each
count opens what lies behind it, and the page does not scroll sideways."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from cases.models import Role

from ..workflows.test_figures import build_year
from .test_tour import SIZES

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("size", SIZES)
def test_the_dashboard_draws_its_charts_and_tables(ui, world, size, screenshot):
    build_year(world)
    world.school.township = world.township
    world.school.save()
    page = ui.sign_in(world[Role.COUNTY_SUPERVISOR], **SIZES[size])
    page.goto(
        ui.url("work:figures:index")
        + f"?unit={world.county.pk}&year=2025&as_of=2026-07-15&band=primary"
    )
    for chart in ("trend", "overdue", "durability"):
        expect(page.locator(f'.kc-chart[data-chart="{chart}"][data-drawn="1"]')).to_be_visible()
    expect(
        page.locator('.kc-chart[data-chart="trend"] svg, .kc-chart[data-chart="trend"] canvas')
    ).to_have_count(1)
    total = page.locator('#kc-figures-table tfoot tr[data-total="1"]')
    expect(total.locator('[data-rate="lianji"]')).to_contain_text("0.26%")
    expect(total.locator('[data-rate="consolidation"]')).to_contain_text("93.91%")
    township = page.locator(f'#kc-township-figures tr[data-scope="township={world.township.pk}"]')
    expect(township.locator('[data-rate="lianji"]')).to_contain_text("0.26%")
    expect(page.locator(f'#kc-townships tr[data-township="{world.township.name}"]')).to_be_visible()
    assert not ui.has_horizontal_scroll(page)
    screenshot(page, f"dashboard-{size}")
    # the township's dropouts open their cases; its enrolment, entered by hand, says so
    township.locator('[data-kind="dropped_out"] a').click()
    expect(page.locator("#kc-figure-cases [data-case]")).to_have_count(2)
    assert not ui.has_horizontal_scroll(page)
    page.go_back()
    page.locator(f'#kc-township-figures tr[data-scope="township={world.township.pk}"]').locator(
        "[data-enrolment] a"
    ).click()
    expect(page.locator("#kc-figure-by-hand [data-hand]")).to_have_count(2)
    assert not ui.has_horizontal_scroll(page)


def test_the_charts_are_drawn_when_the_page_is_reached_from_the_menu(ui, world):
    build_year(world)
    page = ui.sign_in(world[Role.COUNTY_SUPERVISOR])
    ui.visit(page, "work:overdue:index")
    page.locator(f'a[href="{reverse("work:figures:index")}"]').first.click()
    expect(page.locator('.kc-chart[data-chart="trend"][data-drawn="1"]')).to_be_visible()
    # and again after choosing another band with the page's own form
    page.select_option('select[name="band"]', "junior")
    page.locator("#kc-figures-choice button[type=submit]").click()
    expect(page.locator('select[name="band"]')).to_have_value("junior")
    expect(page.locator('.kc-chart[data-chart="overdue"][data-drawn="1"]')).to_be_visible()
