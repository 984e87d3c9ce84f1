"""One case carried up the whole ladder, identified to closed, by the people whose steps they are,
each in their own browser: nothing is done through the services.

Eight weeks of follow-up have to pass before the case may be closed. The engine reads the time
from `cases.clock.now()`; `clock.frozen()` cannot help here, because its ContextVar stays in the
test's thread and the live server answers in threads of its own. So the `time_passes` fixture
replaces `cases.clock.now` itself, for the whole process, with the real time plus the days that
have passed: the server then lives 8 weeks later, exactly as it would in production, and the
case stays the one the people built through the pages (nothing backdated in the database).
"""

import datetime

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from cases import clock
from cases.ladder import FOLLOWUP_DAYS
from cases.models import Case, ContactKind, DropoutReason, GuardianAttitude, Role, Stage, Step

pytestmark = pytest.mark.browser


@pytest.fixture
def time_passes(monkeypatch):
    """`time_passes(days)`: from now on the engine, server threads included, reads a clock
    `days` ahead of the real one. Undone when the test ends."""
    real_now = clock.now

    def advance(days: int) -> None:
        monkeypatch.setattr(clock, "now", lambda: real_now() + datetime.timedelta(days=days))

    return advance


def test_a_case_climbs_from_identified_to_closed_in_the_browser(ui, world, time_passes):
    teacher, subject = world[Role.HOMEROOM_TEACHER], world[Role.SUBJECT_TEACHER]
    officer, official = world[Role.SCHOOL_OFFICER], world[Role.TOWNSHIP_OFFICIAL]
    cadre = world[Role.VILLAGE_CADRE]
    student = world.student()
    teacher_page, officer_page = ui.sign_in(teacher), ui.sign_in(officer)
    official_page = ui.sign_in(official)

    # The homeroom teacher opens the case from "My students", giving a reason, and reports it
    case = open_from_my_students(ui, teacher_page, student, reason=DropoutReason.WORK)
    take_step(ui, teacher_page, case, Step.REPORT, Stage.REPORTED)

    # The school officer confirms it from the reports to confirm: home visits start
    ui.visit(officer_page, "work:reports:index")
    ui.open_row(officer_page, case)
    take_step(ui, officer_page, case, Step.START_HOME_VISIT, Stage.HOME_VISIT)

    # The teacher visits the family with a subject teacher, records it, and escalates
    ui.open_case(teacher_page, case)
    expect(ui.blocked_step(teacher_page, Step.ESCALATE)).to_be_visible()
    record_contact(
        ui, teacher_page, case, ContactKind.HOME_VISIT, GuardianAttitude.OPPOSED, [subject]
    )
    take_step(ui, teacher_page, case, Step.ESCALATE, Stage.TOWNSHIP_PERSUASION)

    # The township official visits with the village cadre, serves the order to return within
    # 7 days, and marks the child back in class
    official_persuades_and_returns_the_child(ui, official_page, case, participants=[cadre])

    # The teacher starts the 一帮一 follow-up with the subject teacher as tutor
    start_followup(ui, teacher_page, case, tutor=subject)

    # The school officer closes it once eight weeks have passed
    close_after_eight_weeks(ui, officer_page, case, time_passes)

    assert list(case.events.values_list("step", "actor")) == [
        (Step.OPEN, teacher.pk),
        (Step.REPORT, teacher.pk),
        (Step.START_HOME_VISIT, officer.pk),
        (Step.ESCALATE, teacher.pk),
        (Step.ORDER_ENFORCEMENT, official.pk),
        (Step.MARK_RETURNED, official.pk),
        (Step.START_FOLLOWUP, teacher.pk),
        (Step.CLOSE, officer.pk),
    ]


def open_from_my_students(ui, page, student, *, reason) -> Case:
    ui.visit(page, "work:students:index")
    page.locator(f'a[href="{reverse("work:case_open", args=[student.pk])}"]').click()
    page.wait_for_url(ui.url("work:case_open", student.pk))
    ui.fill(page, "whereabouts", "随亲戚在县城打工")
    ui.fill(page, "last_seen_on", (clock.today() - datetime.timedelta(days=1)).isoformat())
    if reason:
        ui.tick(page, "reasons", reason)
    ui.submit(page)
    case = Case.objects.get(student=student)
    assert page.url == ui.case_url(case)
    ui.expect_stage(page, Stage.IDENTIFIED)
    return case


def take_step(ui, page, case, step: str, to_stage: str, *, note: str = "") -> None:
    """From the case page: follow the step's link, write the note, submit; the case moved."""
    ui.start_step(page, step)
    ui.fill(page, "note", note or f"{step}（浏览器测试）")
    ui.submit_to_case_page(page, case)
    ui.expect_stage(page, to_stage)
    case.refresh_from_db()
    assert case.stage == to_stage


def record_contact(ui, page, case, kind, attitude, participants, *, other: str = "") -> None:
    ui.start_step(page, "record_contact")
    ui.choose(page, "kind", kind)
    ui.fill(page, "place", "学生家中")
    ui.choose(page, "guardian_attitude", attitude)
    ui.fill(page, "result", "宣讲控辍政策，家长仍不同意返校")
    ui.fill(page, "other_participants", other)
    for person in participants:
        ui.tick(page, "participants", person.pk)
    ui.submit_to_case_page(page, case)


def official_persuades_and_returns_the_child(ui, page, case, *, participants) -> None:
    ui.visit(page, "work:township:index")
    ui.open_row(page, case)
    expect(ui.blocked_step(page, Step.ORDER_ENFORCEMENT)).to_be_visible()
    record_contact(
        ui,
        page,
        case,
        ContactKind.JOINT_VISIT,
        GuardianAttitude.HESITANT,
        participants,
        other="" if participants else "村干部",
    )
    ui.start_step(page, Step.ORDER_ENFORCEMENT)
    ui.fill(page, "days", 7)
    ui.submit_to_case_page(page, case)
    ui.expect_stage(page, Stage.LEGAL_ENFORCEMENT)
    ui.start_step(page, Step.MARK_RETURNED)
    assert ui.field_value(page, "returned_on") == clock.today().isoformat()  # today by default
    ui.submit_to_case_page(page, case)
    ui.expect_stage(page, Stage.RETURNED)


def start_followup(ui, page, case, *, tutor) -> None:
    ui.open_case(page, case)
    ui.start_step(page, Step.START_FOLLOWUP)
    ui.choose(page, "tutor", tutor.pk)
    ui.submit_to_case_page(page, case)
    ui.expect_stage(page, Stage.TUTORING_FOLLOWUP)
    case.refresh_from_db()
    assert (case.tutor, case.owner) == (tutor, tutor)


def close_after_eight_weeks(ui, page, case, time_passes) -> None:
    # Not before: the close is shown blocked, with its reason
    ui.open_case(page, case)
    expect(ui.blocked_step(page, Step.CLOSE)).to_be_visible()
    # Eight weeks later it is offered
    time_passes(FOLLOWUP_DAYS)
    ui.open_case(page, case)
    ui.start_step(page, Step.CLOSE)
    ui.fill(page, "note", "连续八周正常到校")
    response = ui.submit(page)
    case.refresh_from_db()
    assert (case.stage, case.owner) == (Stage.CLOSED, None)
    assert case.closed_at.astimezone(clock.TZ).date() == clock.today()  # eight weeks on
    assert page.url == ui.case_url(case)
    ui.expect_answered(response)
    ui.expect_stage(page, Stage.CLOSED)
