"""A homeroom teacher takes the daily roll on a phone: marks the one child who is away, sends,
and finds the rules' proposal for a child away for the third school day in a row; confirms it
into a case. The school's officer then reads the register of students at risk."""

import pytest
from playwright.sync_api import expect

from cases import clock
from cases.models import Absence, Proposal, Role, RollCall, Stage
from workflows.attendance import roll

from .test_tour import SIZES

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("size", SIZES)
def test_a_teacher_takes_the_roll_and_confirms_a_proposal(ui, world, size, screenshot):
    # Given a class whose child 王小明 was away without reason on the last two school days
    teacher = world[Role.HOMEROOM_TEACHER]
    away, present = world.student(name="王小明", left_behind=True), world.student(name="李小红")
    days = roll.days_open(world.school, clock.today())  # newest first
    newest, earlier = days[0], days[1:3]
    for day in earlier:
        RollCall.objects.create(
            klass=world.klass, date=day, taken_by=teacher, taken_at=clock.now(), absent=1
        )
        Absence.objects.create(
            student=away, date=day, kind="unexcused", recorded_by=teacher, recorded_at=clock.now()
        )
    page = ui.sign_in(teacher, **SIZES[size])

    # When the teacher opens the roll and marks 王小明 away again, nobody else
    ui.visit(page, "work:roll:index")
    expect(page.locator('[data-roll="missing"]')).to_be_visible()
    page.select_option(f'select[name="kind-{away.pk}"]', "unexcused")
    page.fill(f'input[name="contacted-{away.pk}"]', "父亲，电话未接")
    assert not ui.has_horizontal_scroll(page)
    screenshot(page, f"roll-{size}")
    with page.expect_navigation():
        page.locator("#kc-roll-form button[type=submit]").click()

    # Then the roll is recorded, and the rules propose 王小明 with the three days
    expect(page.locator('[data-roll="taken"]')).to_be_visible()
    roll_call = RollCall.objects.get(klass=world.klass, date=newest)
    assert roll_call.absent == 1
    assert not Absence.objects.filter(student=present).exists()
    proposal = Proposal.objects.get(student=away)
    card = page.locator(f'[data-proposal="{proposal.pk}"]')
    expect(card).to_contain_text("王小明")
    assert not ui.has_horizontal_scroll(page)
    screenshot(page, f"roll-proposal-{size}")

    # When the teacher confirms it
    with page.expect_navigation():
        card.locator('button[value="confirm"]').click()

    # Then the case is open at identified, the first absence as the day last seen
    proposal.refresh_from_db()
    case = proposal.case
    assert case.stage == Stage.IDENTIFIED
    assert case.last_seen_on == min(earlier)
    expect(page.locator(".kc-stage")).to_have_attribute("data-stage", Stage.IDENTIFIED)

    # And the school's officer finds 王小明 high on the register of students at risk
    officer_page = ui.sign_in(world[Role.SCHOOL_OFFICER], **SIZES[size])
    ui.visit(officer_page, "work:risk:index")
    row = officer_page.locator(f'tr[data-risk="{away.pk}"]')
    expect(row).to_have_attribute("data-level", "high")
    assert not ui.has_horizontal_scroll(officer_page)
    screenshot(officer_page, f"risk-register-{size}")
