"""Each role signs in and walks its main path through the pages; the database then shows the
step taken: the stage and owner moved, and exactly one event written by that person."""

import datetime

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from cases import clock
from cases.models import (
    Case,
    ClosureReason,
    ContactKind,
    DismissalReason,
    DropoutReason,
    GuardianAttitude,
    Role,
    Stage,
    Step,
)
from workflows import services

from ..builders import case_in_stage

pytestmark = pytest.mark.browser

ROWS = "tr[data-row-id]"


def row(page, case):
    return page.locator(f'tr[data-row-id="{case.pk}"]')


def test_homeroom_teacher_opens_a_case_from_my_students_and_reports_it(ui, world, screenshot):
    # Given a student in the teacher's class, and a case already on the teacher's desk
    teacher = world[Role.HOMEROOM_TEACHER]
    student = world.student()
    case_in_stage(world, Stage.HOME_VISIT)
    page = ui.sign_in(teacher)
    ui.visit(page, "work:mine:index")
    expect(page.locator(ROWS)).to_have_count(1)
    screenshot(page, "teacher-my-work")

    # When the teacher finds the student in "My students" and reports a suspected dropout
    ui.visit(page, "work:students:index")
    page.locator(f'a[href="{reverse("work:case_open", args=[student.pk])}"]').click()
    page.wait_for_url(ui.url("work:case_open", student.pk))
    ui.fill(page, "whereabouts", "随亲戚在县城打工")
    ui.fill(page, "last_seen_on", (clock.today() - datetime.timedelta(days=2)).isoformat())
    ui.tick(page, "reasons", DropoutReason.WORK)
    ui.submit(page)

    # Then the case is open on the teacher's desk, with one event by the teacher
    case = Case.objects.get(student=student)
    assert page.url == ui.case_url(case)
    ui.expect_stage(page, Stage.IDENTIFIED)
    assert (case.stage, case.owner, case.reasons) == (
        Stage.IDENTIFIED,
        teacher,
        [DropoutReason.WORK],
    )
    assert list(case.events.values_list("step", "actor")) == [(Step.OPEN, teacher.pk)]

    # When the teacher reports it to the school from the case page (what was given is kept)
    ui.start_step(page, Step.REPORT)
    assert ui.field_value(page, "whereabouts") == "随亲戚在县城打工"
    ui.fill(page, "note", "上报不过夜")
    ui.submit_to_case_page(page, case)

    # Then it waits for the school officer, and the teacher wrote one more event
    ui.expect_stage(page, Stage.REPORTED)
    case.refresh_from_db()
    assert (case.stage, case.owner) == (Stage.REPORTED, world[Role.SCHOOL_OFFICER])
    assert list(case.events.values_list("step", "actor", "note")) == [
        (Step.OPEN, teacher.pk, ""),
        (Step.REPORT, teacher.pk, "上报不过夜"),
    ]


def test_school_officer_confirms_a_report(ui, world, screenshot):
    # Given two reports waiting for the school officer
    officer = world[Role.SCHOOL_OFFICER]
    confirmed = case_in_stage(world, Stage.REPORTED)
    case_in_stage(world, Stage.REPORTED)
    page = ui.sign_in(officer)
    ui.visit(page, "work:reports:index")
    expect(page.locator(ROWS)).to_have_count(2)
    screenshot(page, "officer-reports")

    # When the officer opens one and confirms it (home visits start)
    ui.open_row(page, confirmed)
    ui.start_step(page, Step.START_HOME_VISIT)
    ui.fill(page, "note", "已核实，报乡镇和教体局")
    ui.submit_to_case_page(page, confirmed)

    # Then the homeroom teacher owns it, and the officer wrote its one event
    ui.expect_stage(page, Stage.HOME_VISIT)
    confirmed.refresh_from_db()
    assert (confirmed.stage, confirmed.owner) == (Stage.HOME_VISIT, world[Role.HOMEROOM_TEACHER])
    event = confirmed.events.get()
    assert (event.step, event.actor, event.from_stage, event.to_stage, event.note) == (
        Step.START_HOME_VISIT,
        officer,
        Stage.REPORTED,
        Stage.HOME_VISIT,
        "已核实，报乡镇和教体局",
    )
    # ... and it has left the queue
    ui.visit(page, "work:reports:index")
    expect(page.locator(ROWS)).to_have_count(1)


def test_school_officer_dismisses_a_report_with_a_reason(ui, world):
    # Given a report waiting for the school officer
    officer = world[Role.SCHOOL_OFFICER]
    dismissed = case_in_stage(world, Stage.REPORTED)
    page = ui.sign_in(officer)
    ui.visit(page, "work:reports:index")

    # When the officer opens it from the queue and dismisses it with a reason
    ui.open_row(page, dismissed)
    ui.start_step(page, Step.DISMISS)
    ui.choose(page, "dismissal_reason", DismissalReason.SICK_LEAVE)
    ui.fill(page, "note", "病假，有医院证明")
    response = ui.submit(page)

    # Then it is closed as not a dropout, with the reason in its one event by the officer
    dismissed.refresh_from_db()
    assert (dismissed.stage, dismissed.owner, dismissed.closure_reason) == (
        Stage.CLOSED,
        None,
        ClosureReason.NOT_A_DROPOUT,
    )
    event = dismissed.events.get()
    assert (event.step, event.actor, event.note) == (Step.DISMISS, officer, "病假，有医院证明")
    # ... and the officer is back on the case page, which shows it closed
    assert page.url == ui.case_url(dismissed)
    ui.expect_answered(response)
    ui.expect_stage(page, Stage.CLOSED)


def test_township_official_records_a_joint_visit_and_orders_enforcement(ui, world, screenshot):
    # Given a case the school has escalated to the student's township (no township visit yet)
    official, cadre = world[Role.TOWNSHIP_OFFICIAL], world[Role.VILLAGE_CADRE]
    case = case_in_stage(world, Stage.HOME_VISIT)
    case = services.case_escalate(case=case, by=world[Role.HOMEROOM_TEACHER])
    page = ui.sign_in(official)
    ui.visit(page, "work:township:index")
    expect(row(page, case)).to_be_visible()
    screenshot(page, "township-queue")

    # When the official opens it: the order waits for a persuasion attempt
    ui.open_row(page, case)
    expect(ui.blocked_step(page, Step.ORDER_ENFORCEMENT)).to_be_visible()

    # When the official records a joint visit made with the village cadre
    ui.start_step(page, "record_contact")
    ui.choose(page, "kind", ContactKind.JOINT_VISIT)
    ui.fill(page, "place", "学生家中")
    ui.choose(page, "guardian_attitude", GuardianAttitude.HESITANT)
    ui.fill(page, "result", "宣讲义务教育法，家长答应考虑")
    ui.tick(page, "participants", cadre.pk)
    ui.submit_to_case_page(page, case)

    # Then the visit is on record with both of them, and the order can be served
    contact = case.contacts.get(stage=Stage.TOWNSHIP_PERSUASION)
    assert (contact.kind, contact.recorded_by) == (ContactKind.JOINT_VISIT, official)
    assert set(contact.participants.all()) == {official, cadre}

    # When the official orders the return within 7 days
    ui.start_step(page, Step.ORDER_ENFORCEMENT)
    ui.fill(page, "days", 7)
    ui.submit_to_case_page(page, case)

    # Then the case is in legal enforcement, due in 7 days, with one event by the official
    ui.expect_stage(page, Stage.LEGAL_ENFORCEMENT)
    case.refresh_from_db()
    assert (case.stage, case.owner) == (Stage.LEGAL_ENFORCEMENT, official)
    # the order's limit is in calendar days, as written on the notice
    assert case.deadline == clock.end_of_day(clock.today() + datetime.timedelta(days=7))
    event = case.events.get(actor=official)
    assert (event.step, event.from_stage) == (Step.ORDER_ENFORCEMENT, Stage.TOWNSHIP_PERSUASION)


def test_supervisor_filters_the_overdue_queue_then_overrides_and_reassigns(ui, world, screenshot):
    # Given two cases left a month ago, past their deadlines: one reported, one never reported
    supervisor, teacher = world[Role.DISTRICT_SUPERVISOR], world[Role.HOMEROOM_TEACHER]
    officer = world[Role.SCHOOL_OFFICER]
    with clock.frozen(clock.now() - datetime.timedelta(days=30)):
        reported = services.case_open(student=world.student(), by=teacher)
        reported = services.case_report(
            case=reported, by=teacher, reasons=[DropoutReason.WORK], whereabouts="外出打工"
        )
        forgotten = services.case_open(student=world.student(), by=teacher)
    page = ui.sign_in(supervisor)
    ui.visit(page, "work:overdue:index")
    expect(page.locator(ROWS)).to_have_count(2)
    screenshot(page, "supervisor-overdue")

    # When the supervisor filters the queue by stage
    filter_by(ui, page, "stage", Stage.REPORTED)

    # Then only the reported case is listed
    expect(page.locator(ROWS)).to_have_count(1)
    expect(row(page, reported)).to_be_visible()

    # When the supervisor overrides it one rung up, with a written reason
    ui.open_row(page, reported)
    ui.start_step(page, Step.OVERRIDE)
    ui.fill(page, "note", "学校逾期未核实，督导直接启动家访")
    ui.submit_to_case_page(page, reported)

    # Then it is at home visits with the homeroom teacher, and the supervisor wrote one event
    ui.expect_stage(page, Stage.HOME_VISIT)
    reported.refresh_from_db()
    assert (reported.stage, reported.owner) == (Stage.HOME_VISIT, teacher)
    event = reported.events.get(actor=supervisor)
    assert (event.step, event.from_stage, event.note) == (
        Step.OVERRIDE,
        Stage.REPORTED,
        "学校逾期未核实，督导直接启动家访",
    )

    # When the supervisor filters by school and gives the other case to the school officer
    ui.visit(page, "work:overdue:index")
    filter_by(ui, page, "school", world.school.pk)
    expect(page.locator(ROWS)).to_have_count(1)
    ui.open_row(page, forgotten)
    ui.start_step(page, Step.REASSIGN)
    ui.choose(page, "owner", officer.pk)
    ui.fill(page, "note", "班主任病休，由控辍专干接手")
    ui.submit_to_case_page(page, forgotten)

    # Then the officer owns it at the same stage, and the supervisor wrote one event
    ui.expect_stage(page, Stage.IDENTIFIED)
    forgotten.refresh_from_db()
    assert (forgotten.stage, forgotten.owner) == (Stage.IDENTIFIED, officer)
    event = forgotten.events.get(actor=supervisor)
    assert (event.step, event.owner, event.note) == (
        Step.REASSIGN,
        officer,
        "班主任病休，由控辍专干接手",
    )


def filter_by(ui, page, name: str, value) -> None:
    """Choose in the list's filter bar: the list follows the choice, with no button to press,
    and the bar sits above the columns, covering none of them."""
    with page.expect_navigation():
        page.locator(f'form.kc-filter select[name="{name}"]').select_option(str(value))
    page.wait_for_url(f"**{name}={value}**")
    bar = page.locator("form.kc-filter").bounding_box()
    header = page.locator(".vf-list__table thead").bounding_box()
    assert header["y"] >= bar["y"] + bar["height"], (bar, header)
