"""The ladder as the law and the work plans have it (issue: orders, approvals, dismissals and
holidays). Each test failed before its fix."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from cases import clock
from cases.ladder import FOLLOWUP_DAYS, closable_on
from cases.models import ContactKind, DocumentKind, Role, ServiceMethod, Stage
from notifications.models import Message
from workflows import policies, services, sweep
from workflows.errors import StepNotAllowed
from workflows.models import StagePolicy
from workflows.notices import serving

from ..builders import case_in_stage

TZ = clock.TZ


def moment(year, month, day, hour=10) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, tzinfo=TZ)


def persuaded_case(world):
    case = case_in_stage(world, Stage.TOWNSHIP_PERSUASION)
    services.contact_record(
        case=case,
        by=world[Role.TOWNSHIP_OFFICIAL],
        kind=ContactKind.JOINT_VISIT,
        occurred_on=clock.today(),
        guardian_attitude="opposed",
        result="家长拒绝送孩子返校",
        participants=[world[Role.VILLAGE_CADRE]],
    )
    return case


# 1. Legal enforcement starts only with an order ------------------------------------------------


@pytest.mark.parametrize("role", [Role.DISTRICT_SUPERVISOR, Role.COUNTY_SUPERVISOR])
def test_an_override_does_not_enter_legal_enforcement(world, role):
    case = case_in_stage(world, Stage.TOWNSHIP_PERSUASION)
    with pytest.raises(StepNotAllowed):
        services.case_override(case=case, by=world[role], note="家长拒不配合")
    case.refresh_from_db()
    assert case.stage == Stage.TOWNSHIP_PERSUASION


def test_a_county_supervisor_may_order_for_the_township(world):
    case = persuaded_case(world)
    ordered = services.case_order_enforcement(
        case=case, by=world[Role.COUNTY_SUPERVISOR], days=10, note="县教体局代为下达"
    )
    assert ordered.stage == Stage.LEGAL_ENFORCEMENT
    assert ordered.order_days == 10


def test_a_policy_cannot_make_the_township_stage_escalate_by_itself(world):
    policies.ensure_default_policies(world.county)
    policy = StagePolicy.objects.get(county=world.county, stage=Stage.TOWNSHIP_PERSUASION)
    policy.auto_escalate = True
    with pytest.raises(ValidationError) as refused:
        policy.full_clean()
    assert "auto_escalate" in refused.value.message_dict


def test_a_missed_township_deadline_alerts_the_county_and_stays(world):
    policies.ensure_default_policies(world.county)
    # a row written around the admin's validation (an old database) still cannot escalate
    StagePolicy.objects.filter(county=world.county, stage=Stage.TOWNSHIP_PERSUASION).update(
        auto_escalate=True
    )
    case = case_in_stage(world, Stage.HOME_VISIT)
    start = moment(2026, 11, 16)
    with clock.frozen(start):
        services.contact_record(
            case=case,
            by=world[Role.HOMEROOM_TEACHER],
            kind=ContactKind.HOME_VISIT,
            occurred_on=clock.today(),
            guardian_attitude="opposed",
            result="家长不同意",
            participants=[world[Role.SUBJECT_TEACHER]],
        )
        case = services.case_escalate(case=case, by=world[Role.HOMEROOM_TEACHER])
    with clock.frozen(start + datetime.timedelta(days=30)):
        report = sweep.sweep_deadlines()
    assert report.escalated == 0
    case.refresh_from_db()
    assert case.stage == Stage.TOWNSHIP_PERSUASION
    county = world[Role.COUNTY_SUPERVISOR]
    assert Message.objects.filter(template_key="case_overdue_supervisor", recipient=county).exists()


# 2. Order limits as a court counts them --------------------------------------------------------


@pytest.mark.parametrize(
    ("served", "days", "last_day"),
    [
        # counted from the day after service
        (datetime.date(2026, 12, 1), 10, datetime.date(2026, 12, 11)),
        # a last day on a Saturday moves to Monday
        (datetime.date(2026, 12, 1), 4, datetime.date(2026, 12, 7)),
        # a last day in the National Day holiday moves to the first working day after it
        (datetime.date(2026, 9, 28), 3, datetime.date(2026, 10, 8)),
    ],
)
def test_an_orders_limit_ends_on_a_working_day(world, served, days, last_day):
    case = persuaded_case(world)
    official = world[Role.TOWNSHIP_OFFICIAL]
    with clock.frozen(moment(served.year, served.month, served.day)):
        ordered = services.case_order_enforcement(case=case, by=official, days=days)
        serve(ordered, by=official, served_on=served)
    ordered.refresh_from_db()
    assert ordered.deadline == clock.end_of_day(last_day)
    assert (ordered.order_served_on, ordered.order_days) == (served, days)
    assert ordered.order_ends_on == last_day


def serve(case, *, by, served_on):
    """Record the in-person service of the case's newest order."""
    order = case.documents.filter(kind=DocumentKind.ORDER).latest("id")
    return serving.service_record(
        document=order, by=by, method=ServiceMethod.DIRECT, served_on=served_on, received_by="王父"
    )


def test_the_case_page_shows_when_the_order_was_served(client, world):
    case = persuaded_case(world)
    official = world[Role.TOWNSHIP_OFFICIAL]
    with clock.frozen(moment(2026, 12, 1)):
        ordered = services.case_order_enforcement(case=case, by=official, days=10)
        serve(ordered, by=official, served_on=datetime.date(2026, 12, 1))
    client.force_login(world[Role.TOWNSHIP_OFFICIAL])
    page = client.get(f"/work/cases/{case.pk}/").content.decode()
    assert "2026-12-01" in page
    assert 'id="kc-order"' in page


# 3. The follow-up's deadline and the closing rule agree -----------------------------------------


@pytest.mark.parametrize(
    "started",
    [
        moment(2026, 11, 21),  # a Saturday
        moment(2026, 9, 27),  # across the National Day holiday and a 调休 Saturday
        moment(2026, 12, 1),
    ],
)
def test_the_follow_up_deadline_is_never_before_the_case_may_be_closed(world, started):
    case = case_in_stage(world, Stage.RETURNED)
    with clock.frozen(started):
        case = services.case_start_followup(
            case=case, by=world[Role.HOMEROOM_TEACHER], tutor=world[Role.SUBJECT_TEACHER]
        )
    first_closing_day = closable_on(started.date())
    assert first_closing_day == started.date() + datetime.timedelta(days=FOLLOWUP_DAYS)
    assert case.deadline.astimezone(TZ).date() >= first_closing_day
    # and on the deadline day itself the close is possible
    with clock.frozen(case.deadline - datetime.timedelta(hours=1)):
        closed = services.case_close(case=case, by=world[Role.SCHOOL_OFFICER])
    assert closed.stage == Stage.CLOSED


# 9. A blocked step names what is missing in the words of the form -------------------------------


@pytest.mark.parametrize(
    ("stage", "step", "kinds"),
    [
        (Stage.HOME_VISIT, "escalate", {ContactKind.HOME_VISIT, ContactKind.JOINT_VISIT}),
        (Stage.TOWNSHIP_PERSUASION, "order_enforcement", {ContactKind.JOINT_VISIT}),
    ],
)
def test_a_blocked_step_names_the_contact_the_form_offers(client, world, stage, step, kinds):
    from django.utils import translation

    from cases.models import Case
    from workflows.forms import ContactForm

    case = case_in_stage(world, stage)
    case.contacts.all().delete()  # nothing on record yet
    case = Case.objects.get(pk=case.pk)
    role = Role.HOMEROOM_TEACHER if stage == Stage.HOME_VISIT else Role.TOWNSHIP_OFFICIAL
    with translation.override("zh-hans"):
        offered = dict(ContactForm(case=case, user=world[role]).fields["kind"].choices)
        client.force_login(world[role])
        page = client.get(f"/work/cases/{case.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
        html = page.content.decode()
        blocked = html.split(f'data-step="{step}" data-blocked="1"')[1].split("</span>")[0]
        for kind in kinds:
            assert str(offered[kind]) in blocked


# 5. Confirming a case tells the township and the county ----------------------------------------


def test_confirming_tells_the_township_and_the_county_without_a_name(world):
    case = case_in_stage(world, Stage.REPORTED)
    confirmed = services.case_start_home_visit(case=case, by=world[Role.SCHOOL_OFFICER])
    told = Message.objects.filter(template_key="case_confirmed")
    assert set(told.values_list("recipient", flat=True)) == {
        world[Role.TOWNSHIP_OFFICIAL].pk,
        world[Role.COUNTY_SUPERVISOR].pk,
    }
    for row in told:
        assert set(row.context) == {"case_label", "stage", "deadline", "url"}
        assert confirmed.student.name not in str(row.context)
    # the same step is never told twice
    assert told.count() == told.values("recipient", "channel").distinct().count()


# 4. Dismissals say why, and a transfer names its school -----------------------------------------


def test_a_dismissal_needs_a_reason_from_the_list(world):
    from cases.ladder import has_dismissal_reason
    from workflows.errors import GuardFailed

    case = case_in_stage(world, Stage.REPORTED)
    with pytest.raises(GuardFailed) as refused:
        services.case_dismiss(
            case=case, by=world[Role.SCHOOL_OFFICER], reason="just because", note="病假"
        )
    assert refused.value.message == has_dismissal_reason.message
    dismissed = services.case_dismiss(
        case=case, by=world[Role.SCHOOL_OFFICER], reason="approved_leave", note="事假已批准"
    )
    assert (dismissed.stage, dismissed.dismissal_reason) == (Stage.CLOSED, "approved_leave")


def test_a_dismissed_transfer_names_the_receiving_school(world):
    from cases.ladder import TRANSFER_NAMES_NO_SCHOOL
    from workflows.errors import GuardFailed

    case = case_in_stage(world, Stage.REPORTED)
    officer = world[Role.SCHOOL_OFFICER]
    with pytest.raises(GuardFailed) as refused:
        services.case_dismiss(case=case, by=officer, reason="transferred", note="已转学")
    assert refused.value.message == TRANSFER_NAMES_NO_SCHOOL
    case.refresh_from_db()
    assert case.stage == Stage.REPORTED
    dismissed = services.case_dismiss(
        case=case, by=officer, reason="transferred", receiving_school="县第二中学", note="已转学"
    )
    assert (dismissed.dismissal_reason, dismissed.receiving_school) == ("transferred", "县第二中学")


def test_the_dismiss_form_refuses_a_transfer_without_a_school(client, world):
    case = case_in_stage(world, Stage.REPORTED)
    client.force_login(world[Role.SCHOOL_OFFICER])
    response = client.post(
        f"/work/cases/{case.pk}/steps/dismiss/",
        {"seen_stage": Stage.REPORTED, "dismissal_reason": "transferred", "note": "已转学"},
    )
    assert response.status_code == 422
    assert "已转学" in response.content.decode()
    case.refresh_from_db()
    assert case.stage == Stage.REPORTED


# 8. Holidays in years no package knows yet ------------------------------------------------------


def test_statutory_holidays_of_an_unknown_year_are_days_off(db):
    from workflows import workdays

    assert 2027 not in workdays._KNOWN_YEARS  # the package stops at 2026 here
    assert not workdays.is_working_day(datetime.date(2027, 1, 1))  # 元旦, a Friday
    assert not workdays.is_working_day(datetime.date(2027, 2, 8))  # 春节, a Monday
    assert not workdays.is_working_day(datetime.date(2027, 9, 15))  # 中秋, a Wednesday
    assert not workdays.is_working_day(datetime.date(2027, 10, 1))  # 国庆
    assert workdays.is_working_day(datetime.date(2027, 1, 4))  # an ordinary Monday
    assert not workdays.is_working_day(datetime.date(2027, 1, 2))  # a Saturday: no 调休 known


def test_an_administrators_day_wins_over_the_computed_holidays(world):
    from workflows import workdays
    from workflows.models import CalendarDay

    saturday = datetime.date(2027, 2, 20)  # a make-up working day the State Council names
    CalendarDay.objects.create(date=saturday, is_working_day=True, note="春节调休")
    assert workdays.is_working_day(saturday)


def test_pages_say_while_next_year_is_unconfirmed(client, world, admin_client):
    from workflows.models import CalendarDay

    client.force_login(world[Role.COUNTY_SUPERVISOR])
    with clock.frozen(moment(2026, 12, 1)):
        assert 'id="kc-calendar-notice"' in client.get("/work/overdue/").content.decode()
        assert 'id="kc-calendar-notice"' in admin_client.get("/admin/").content.decode()
        CalendarDay.objects.create(date=datetime.date(2027, 2, 20), is_working_day=True)
        assert 'id="kc-calendar-notice"' not in client.get("/work/overdue/").content.decode()
        assert 'id="kc-calendar-notice"' not in admin_client.get("/admin/").content.decode()


# 7. Ages that fit compulsory education ----------------------------------------------------------


def test_a_birth_year_before_1990_is_refused(world):
    from cases.models.roster import BIRTH_YEAR_TOO_EARLY

    student = world.student()
    student.birth_date = datetime.date(1989, 12, 31)
    with pytest.raises(ValidationError) as refused:
        student.full_clean()
    assert str(BIRTH_YEAR_TOO_EARLY) % {"year": 1990} in refused.value.message_dict["birth_date"]


@pytest.mark.parametrize(
    ("birth", "grade", "unusual"),
    [
        (datetime.date(2019, 6, 1), 9, True),  # a seven-year-old in 九年级
        (datetime.date(2022, 1, 1), 1, True),  # four years old
        (datetime.date(2006, 1, 1), 9, True),  # twenty years old
        (datetime.date(2012, 3, 1), 9, False),  # fourteen in 九年级
        (datetime.date(2019, 6, 1), 1, False),  # seven in 一年级
    ],
)
def test_an_unusual_age_asks_for_confirmation_before_a_case_opens(
    client, world, birth, grade, unusual
):
    from cases.models import Case

    from .. import factories

    klass = factories.ClassFactory(
        parent=factories.GradeFactory(parent=world.school, grade_level=grade, name=f"{grade}年级"),
        name=f"{grade}年级(9)班",
    )
    factories.StaffRoleFactory(
        user=world[Role.HOMEROOM_TEACHER], role=Role.HOMEROOM_TEACHER, unit=klass
    )
    student = world.student(klass=klass, birth_date=birth)
    client.force_login(world[Role.HOMEROOM_TEACHER])
    url = f"/work/students/{student.pk}/open/"
    with clock.frozen(moment(2026, 12, 1)):
        response = client.post(url, {"whereabouts": "在家", "note": "连续三天未到校"})
        if not unusual:
            assert response.status_code == 302
            return
        assert response.status_code == 422
        html = response.content.decode()
        assert "confirm_age" in html
        assert "在家" in html  # what was typed is kept
        assert not Case.objects.filter(student=student).exists()
        confirmed = client.post(
            url, {"whereabouts": "在家", "note": "连续三天未到校", "confirm_age": "on"}
        )
    assert confirmed.status_code == 302
    assert Case.objects.filter(student=student).exists()


# 6. Suspensions and transfers are approved above the school -------------------------------------


def request(world, reason, **extra):
    case = case_in_stage(world, Stage.HOME_VISIT)
    return services.case_request_closure(
        case=case, by=world[Role.SCHOOL_OFFICER], reason=reason, note="已办理手续", **extra
    )


def test_a_suspension_is_requested_then_approved_by_the_township(world):
    from workflows.errors import StepForbidden

    requested = request(world, "suspended")
    assert (requested.stage, requested.owner) == (Stage.HOME_VISIT, world[Role.HOMEROOM_TEACHER])
    assert requested.closure_requested_at is not None
    assert requested.events.latest("id").step == "request_closure"
    told = set(
        Message.objects.filter(template_key="case_closure_requested").values_list(
            "recipient", flat=True
        )
    )
    assert told == {world[Role.TOWNSHIP_OFFICIAL].pk, world[Role.COUNTY_SUPERVISOR].pk}
    # the school district approves transfers, not suspensions
    with pytest.raises(StepForbidden):
        services.case_approve_closure(case=requested, by=world[Role.DISTRICT_SUPERVISOR])
    closed = services.case_approve_closure(case=requested, by=world[Role.TOWNSHIP_OFFICIAL])
    assert (closed.stage, closed.closure_reason, closed.owner) == (
        Stage.CLOSED,
        "suspended",
        None,
    )
    assert closed.events.latest("id").step == "approve_closure"
    assert closed.closure_requested_at is None  # settled: nothing waits for approval


def test_a_case_closed_while_a_request_waits_shows_no_request(world, client):
    requested = request(world, "suspended")
    closed = services.case_close_verified(
        case=requested, by=world[Role.SCHOOL_OFFICER], reason="deceased", note="病故"
    )
    assert (closed.stage, closed.closure_requested_at) == (Stage.CLOSED, None)
    client.force_login(world[Role.SCHOOL_OFFICER])
    page = client.get(f"/work/cases/{closed.pk}/")
    assert page.status_code == 200
    assert 'id="kc-closure-request"' not in page.content.decode()


def test_a_transfer_names_its_school_and_is_approved_by_the_district(world):
    from cases.ladder import TRANSFER_NAMES_NO_SCHOOL
    from workflows.errors import GuardFailed, StepForbidden

    with pytest.raises(GuardFailed) as refused:
        request(world, "transferred")
    assert refused.value.message == TRANSFER_NAMES_NO_SCHOOL
    requested = request(world, "transferred", receiving_school="县第二中学")
    with pytest.raises(StepForbidden):
        services.case_approve_closure(case=requested, by=world[Role.TOWNSHIP_OFFICIAL])
    closed = services.case_approve_closure(case=requested, by=world[Role.DISTRICT_SUPERVISOR])
    assert (closed.stage, closed.receiving_school) == (Stage.CLOSED, "县第二中学")


def test_a_refusal_says_why_and_the_case_goes_on(world):
    from workflows.errors import GuardFailed

    requested = request(world, "suspended")
    with pytest.raises(GuardFailed):  # one request at a time
        services.case_request_closure(
            case=requested, by=world[Role.SCHOOL_OFFICER], reason="suspended", note="再次申请"
        )
    with pytest.raises(GuardFailed):  # a refusal says why
        services.case_refuse_closure(case=requested, by=world[Role.COUNTY_SUPERVISOR], note=" ")
    refused = services.case_refuse_closure(
        case=requested, by=world[Role.COUNTY_SUPERVISOR], note="休学证明不全"
    )
    assert (refused.stage, refused.closure_reason, refused.closure_requested_at) == (
        Stage.HOME_VISIT,
        "",
        None,
    )
    event = refused.events.latest("id")
    assert (event.step, event.note) == ("refuse_closure", "休学证明不全")
    assert Message.objects.filter(
        template_key="case_closure_refused", recipient=world[Role.HOMEROOM_TEACHER]
    ).exists()
    with pytest.raises(GuardFailed):  # nothing left to approve
        services.case_approve_closure(case=refused, by=world[Role.TOWNSHIP_OFFICIAL])


def test_the_approver_sees_approve_and_refuse_only_while_a_closure_waits(client, world):
    case = case_in_stage(world, Stage.HOME_VISIT)
    client.force_login(world[Role.TOWNSHIP_OFFICIAL])
    url = f"/work/cases/{case.pk}/"
    page = client.get(url).content.decode()
    assert 'data-step="approve_closure"' not in page
    assert 'data-step="refuse_closure"' not in page
    services.case_request_closure(
        case=case, by=world[Role.SCHOOL_OFFICER], reason="suspended", note="因病休学"
    )
    page = client.get(url).content.decode()
    assert 'data-step="approve_closure"' in page
    assert 'data-step="refuse_closure"' in page
    assert 'id="kc-closure-request"' in page
