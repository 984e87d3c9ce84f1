"""Documents issued from the ladder: numbers without gaps per issuing body and year, corrections
that void and keep their number, proof of service that starts the order's limit, and the
referral that needs a served order whose limit has passed."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from cases import chain, clock
from cases.ladder import order_limit_passed, order_served
from cases.models import (
    CaseEvent,
    Document,
    DocumentKind,
    Role,
    ServiceMethod,
    Stage,
    Step,
    Wording,
)
from cases.steps import step_options
from workflows import services
from workflows.errors import GuardFailed, StepForbidden
from workflows.notices import issuing, serving

from .. import factories
from ..builders import case_in_stage


def moment(year, month, day, hour=10):
    return datetime.datetime(year, month, day, hour, tzinfo=clock.TZ)


def escalated(world, student=None):
    case = case_in_stage(world, Stage.HOME_VISIT, student=student)
    return services.case_escalate(case=case, by=world[Role.HOMEROOM_TEACHER])


def ordered(world, days=10, guardian=None):
    case = case_in_stage(world, Stage.TOWNSHIP_PERSUASION)
    guardian = guardian or factories.GuardianFactory(student=case.student, name="王大山")
    return services.case_order_enforcement(
        case=case, by=world[Role.TOWNSHIP_OFFICIAL], days=days, guardian=guardian
    )


def order_of(case) -> Document:
    return case.documents.filter(kind=DocumentKind.ORDER).latest("id")


def papers_broken(case) -> list:
    """The audit check's findings about the case's documents and their service."""
    return [link for link in chain.verify(cases=[case]) if link.document_id]


def serve(document, *, by, served_on, method=ServiceMethod.DIRECT, **details):
    details.setdefault("received_by", "王大山")
    return serving.service_record(
        document=document, by=by, method=method, served_on=served_on, **details
    )


# Numbers ---------------------------------------------------------------------------------------


def test_the_escalation_files_the_report_with_the_schools_next_number(world):
    with clock.frozen(moment(2026, 12, 1)):
        first, second = escalated(world), escalated(world)
    numbers = [case.documents.get().number for case in (first, second)]
    assert numbers == [f"{world.school.name}〔2026〕1号", f"{world.school.name}〔2026〕2号"]
    report = first.documents.get()
    assert report.kind == DocumentKind.DROPOUT_REPORT
    assert report.addressee == f"{world.township.name}人民政府、{world.county.name}教育行政部门"
    assert report.signer == world[Role.HOMEROOM_TEACHER].get_full_name()
    assert "劝返未果" in report.body
    assert first.student.name in report.body


def test_each_body_has_its_own_series_and_each_year_starts_at_one(world, elsewhere):
    world.school.document_code = "正小控"
    world.school.save()
    with clock.frozen(moment(2026, 12, 30)):
        escalated(world)
        escalated(elsewhere)
    with clock.frozen(moment(2027, 1, 4)):
        escalated(world)
    numbers = list(Document.objects.order_by("id").values_list("number", flat=True))
    assert numbers == [
        "正小控〔2026〕1号",
        f"{elsewhere.school.name}〔2026〕1号",
        "正小控〔2027〕1号",
    ]


def test_a_failed_issue_gives_its_number_back(world):
    case = case_in_stage(world, Stage.HOME_VISIT)

    def failing_step():
        with transaction.atomic():
            issuing.issue(case, by=world[Role.SCHOOL_OFFICER], kind=DocumentKind.DROPOUT_REPORT)
            raise RuntimeError("the step failed after the number was taken")

    with pytest.raises(RuntimeError):
        failing_step()
    assert not Document.objects.exists()
    assert escalated(world).documents.get().serial == 1


# The order and its service ----------------------------------------------------------------------


def test_the_order_step_issues_the_order_and_its_limit_waits_for_service(world):
    with clock.frozen(moment(2026, 12, 1)):
        case = ordered(world, days=10)
    order = order_of(case)
    assert order.number == f"{world.township.name}〔2026〕1号"
    assert (order.limit_days, order.addressee) == (10, "王大山")
    assert "自接到本通知书之日起10日内" in order.body
    assert (case.order_served_on, case.order_ends_on, case.order_days) == (None, None, 10)
    # until service, the deadline is the limit as if it were served that day
    assert case.deadline == clock.end_of_day(datetime.date(2026, 12, 11))


def test_service_starts_the_limit_from_the_day_after(world):
    official = world[Role.TOWNSHIP_OFFICIAL]
    with clock.frozen(moment(2026, 12, 1)):
        case = ordered(world, days=10)
    with clock.frozen(moment(2026, 12, 4)):
        service = serve(order_of(case), by=official, served_on=datetime.date(2026, 12, 3))
    case.refresh_from_db()
    # 3 December + 10 days = 13 December, a Sunday: the limit ends on Monday the 14th
    assert service.ends_on == case.order_ends_on == datetime.date(2026, 12, 14)
    assert case.order_served_on == datetime.date(2026, 12, 3)
    assert case.deadline == clock.end_of_day(datetime.date(2026, 12, 14))
    event = case.events.latest("id")
    assert event.step == Step.RECORD_SERVICE
    assert order_of(case).number in event.note
    assert papers_broken(case) == []


def test_a_village_cadre_records_service_and_a_teacher_may_not(world):
    case = ordered(world)
    serve(order_of(case), by=world[Role.VILLAGE_CADRE], served_on=clock.today())
    other = ordered(world)
    with pytest.raises(StepForbidden):
        serve(order_of(other), by=world[Role.HOMEROOM_TEACHER], served_on=clock.today())


@pytest.mark.parametrize(
    ("method", "details", "field"),
    [
        (ServiceMethod.LEFT, {"refusal": "拒绝签收"}, "witness"),
        (ServiceMethod.LEFT, {"witness": "村委会李四"}, "refusal"),
        (ServiceMethod.POST, {}, "tracking_number"),
        (ServiceMethod.DIRECT, {"received_by": ""}, "received_by"),
    ],
)
def test_each_method_of_service_shows_what_it_must(world, method, details, field):
    case = ordered(world)
    with pytest.raises(GuardFailed) as refused:
        serve(order_of(case), by=world[Role.TOWNSHIP_OFFICIAL], served_on=clock.today(),
              method=method, **details)  # fmt: skip
    assert "必填" in str(refused.value) or "Required" in str(refused.value)
    assert not hasattr(order_of(case), "service")


def test_service_dates_and_repeats_are_refused(world):
    official = world[Role.TOWNSHIP_OFFICIAL]
    with clock.frozen(moment(2026, 12, 2)):
        case = ordered(world)
        order = order_of(case)
        with pytest.raises(GuardFailed, match=str(serving.SERVED_FUTURE)):
            serve(order, by=official, served_on=datetime.date(2026, 12, 3))
        with pytest.raises(GuardFailed, match=str(serving.SERVED_BEFORE_ISSUE)):
            serve(order, by=official, served_on=datetime.date(2026, 12, 1))
        serve(order, by=official, served_on=datetime.date(2026, 12, 2))
        with pytest.raises(GuardFailed, match=str(serving.SERVED_ALREADY)):
            serve(order, by=official, served_on=datetime.date(2026, 12, 2))


def test_the_report_is_not_served(world):
    report = escalated(world).documents.get()
    with pytest.raises(GuardFailed):
        serve(report, by=world[Role.SCHOOL_OFFICER], served_on=clock.today())


# The referral -----------------------------------------------------------------------------------


def test_the_ladder_refuses_to_go_past_an_unserved_order(world):
    official = world[Role.TOWNSHIP_OFFICIAL]
    with clock.frozen(moment(2026, 12, 1)):
        case = ordered(world, days=5)
        blocked = {option.step: option.blocked_by for option in step_options(case, official)}
        assert blocked[Step.REFER] == str(order_served.message)
    with clock.frozen(moment(2026, 12, 20)), pytest.raises(GuardFailed) as refused:
        services.case_refer(case=case, by=official, note="逾期未复学，申请行政处罚")
    assert refused.value.message == order_served.message
    assert not case.events.filter(step=Step.REFER).exists()


def test_a_referral_waits_for_the_served_limit_to_pass(world):
    official = world[Role.TOWNSHIP_OFFICIAL]
    with clock.frozen(moment(2026, 12, 1)):
        case = ordered(world, days=5)
        serve(order_of(case), by=official, served_on=datetime.date(2026, 12, 1))
    case.refresh_from_db()
    assert case.order_ends_on == datetime.date(2026, 12, 7)  # the 6th is a Sunday
    with clock.frozen(moment(2026, 12, 7, 16)), pytest.raises(GuardFailed) as refused:
        services.case_refer(case=case, by=official, note="逾期未复学")
    assert refused.value.message == order_limit_passed.message
    with clock.frozen(moment(2026, 12, 8)):
        referred = services.case_refer(case=case, by=official, note="逾期未复学，提起诉讼")
    assert referred.stage == Stage.LEGAL_ENFORCEMENT
    assert referred.events.latest("id").step == Step.REFER
    assert referred.deadline > clock.end_of_day(datetime.date(2026, 12, 8))


# Corrections ------------------------------------------------------------------------------------


def test_a_correction_voids_the_old_document_which_keeps_its_number(world):
    official = world[Role.TOWNSHIP_OFFICIAL]
    with clock.frozen(moment(2026, 12, 1)):
        case = ordered(world, days=10)
        old = order_of(case)
        serve(old, by=official, served_on=datetime.date(2026, 12, 1))
        new = issuing.document_correct(
            document=old, by=official, reason="期限天数写错", guardian=old.guardian, days=15
        )
    old.refresh_from_db()
    assert old.is_voided
    assert old.replaced_by == new
    assert (old.serial, new.serial) == (1, 2)
    assert (new.limit_days, new.correction_reason) == (15, "期限天数写错")
    case.refresh_from_db()
    # the corrected order must be served again before its limit runs
    assert (case.order_days, case.order_served_on, case.order_ends_on) == (15, None, None)
    with pytest.raises(GuardFailed) as refused:
        issuing.document_correct(document=old, by=official, reason="再改", days=12)
    assert new.number in str(refused.value)
    with pytest.raises(GuardFailed):
        serve(Document.objects.get(pk=old.pk), by=official, served_on=clock.today())
    assert papers_broken(case) == []


def test_only_an_issuer_of_the_kind_corrects(world):
    case = ordered(world)
    with pytest.raises(StepForbidden):
        issuing.document_correct(
            document=order_of(case), by=world[Role.SCHOOL_OFFICER], reason="写错", days=12
        )


# The notice to return ---------------------------------------------------------------------------


def test_the_school_issues_a_notice_to_return_by_a_date(world):
    case = case_in_stage(world, Stage.TOWNSHIP_PERSUASION)
    guardian = factories.GuardianFactory(student=case.student, name="李梅")
    with clock.frozen(moment(2026, 12, 1)):
        notice = issuing.notice_issue(
            case=case,
            by=world[Role.SCHOOL_OFFICER],
            guardian=guardian,
            return_by=datetime.date(2026, 12, 4),
        )
    assert (notice.issuer, notice.addressee) == (world.school, "李梅")
    assert "请于2026年12月4日前送其返校" in notice.body
    assert case.events.latest("id").step == Step.ISSUE_DOCUMENT


def test_a_notice_is_refused_outside_its_stages_and_for_anothers_guardian(world):
    officer = world[Role.SCHOOL_OFFICER]
    early = case_in_stage(world, Stage.REPORTED)
    with pytest.raises(GuardFailed, match=str(issuing.NOTICE_STAGE)):
        issuing.notice_issue(case=early, by=officer, return_by=clock.today() + _days(3))
    case = case_in_stage(world, Stage.HOME_VISIT)
    stranger = factories.GuardianFactory(student=world.student())
    with pytest.raises(GuardFailed, match=str(issuing.NOT_THEIR_GUARDIAN)):
        issuing.notice_issue(
            case=case, by=officer, guardian=stranger, return_by=clock.today() + _days(3)
        )
    with pytest.raises(GuardFailed, match=str(issuing.RETURN_BY_PAST)):
        issuing.notice_issue(case=case, by=officer, return_by=clock.today())
    assert not Document.objects.exists()
    assert not CaseEvent.objects.filter(step=Step.ISSUE_DOCUMENT).exists()


def _days(count: int) -> datetime.timedelta:
    return datetime.timedelta(days=count)


# Wording and integrity --------------------------------------------------------------------------


def test_a_new_wording_version_applies_to_later_documents_only(world):
    first = escalated(world).documents.get()
    Wording.objects.create(
        kind=DocumentKind.DROPOUT_REPORT,
        version=2,
        title="辍学报告单",
        body="{学生}已辍学，特此报告。",
        created_at=clock.now(),
    )
    second = escalated(world).documents.get()
    first.refresh_from_db()
    assert (first.wording.version, second.wording.version) == (1, 2)
    assert second.body == f"{second.facts['学生']}已辍学，特此报告。"
    assert "劝返未果" in first.body


def test_a_wording_names_only_its_kinds_placeholders():
    wording = Wording(kind=DocumentKind.DROPOUT_REPORT, title="t", body="请于{返校日期}前返校")
    with pytest.raises(ValidationError) as refused:
        wording.clean()
    assert "返校日期" in str(refused.value)
    wording.body = "请于{学生"
    with pytest.raises(ValidationError):
        wording.clean()


def test_an_edited_document_shows_in_the_audit_check(world):
    case = escalated(world)
    document = case.documents.get()
    Document.objects.filter(pk=document.pk).update(body="改过的内容")
    assert [link.document_id for link in chain.verify(cases=[case])] == [document.pk]


# What the review found ---------------------------------------------------------------------------


def test_an_older_order_cannot_be_corrected_over_the_newest(world):
    official = world[Role.TOWNSHIP_OFFICIAL]
    case = ordered(world, days=10)
    first = order_of(case)
    serve(first, by=official, served_on=clock.today())
    case.refresh_from_db()
    case = services.case_mark_returned(case=case, by=official, returned_on=clock.today())
    case = services.case_relapse(case=case, by=world[Role.SCHOOL_OFFICER], note="又未到校")
    case = services.case_override(case=case, by=world[Role.COUNTY_SUPERVISOR], note="家访无效")
    case = services.case_order_enforcement(case=case, by=official, days=7, guardian=first.guardian)
    with pytest.raises(GuardFailed, match=str(issuing.NOT_NEWEST_ORDER)):
        issuing.document_correct(document=first, by=official, reason="写错", days=12)
    case.refresh_from_db()
    assert (case.order_days, order_of(case).limit_days) == (7, 7)


@pytest.mark.parametrize("escalation", ["override", "auto"])
def test_every_way_out_of_home_visits_files_the_report(world, escalation):
    case = case_in_stage(world, Stage.HOME_VISIT)
    if escalation == "override":
        services.case_override(case=case, by=world[Role.COUNTY_SUPERVISOR], note="家访无效")
    else:
        services.case_auto_escalate(case=case, by=services.system_user(), note="逾期")
    report = case.documents.get()
    assert report.kind == DocumentKind.DROPOUT_REPORT
    # the school's report, signed by its dropout officer whoever escalated
    assert report.signer == world[Role.SCHOOL_OFFICER].get_full_name()
    assert report.issuer == world.school


def test_a_referral_reads_the_proof_of_service_not_only_the_case_row(world):
    official = world[Role.TOWNSHIP_OFFICIAL]
    case = ordered(world, days=5)
    # someone with database access fakes the service on the case row alone
    past = clock.today() - datetime.timedelta(days=30)
    type(case).objects.filter(pk=case.pk).update(order_served_on=past, order_ends_on=past)
    case.refresh_from_db()
    with pytest.raises(GuardFailed) as refused:
        services.case_refer(case=case, by=official, note="逾期未复学")
    assert refused.value.message == order_served.message


def test_a_public_announcement_serves_the_order_thirty_days_after_it_is_posted(world):
    official = world[Role.TOWNSHIP_OFFICIAL]
    with clock.frozen(moment(2026, 12, 1)):
        case = ordered(world, days=10)
        service = serve(
            order_of(case),
            by=official,
            served_on=datetime.date(2026, 12, 1),
            method=ServiceMethod.PUBLIC,
            place="镇政府公告栏",
        )
    # deemed served on 31 December; ten days from 1 January end on Sunday 10 January, so the
    # limit runs to Monday 11 January
    assert service.ends_on == datetime.date(2027, 1, 11)
    case.refresh_from_db()
    assert case.order_served_on == datetime.date(2026, 12, 31)


def test_a_notice_cannot_be_served_after_its_return_date(world):
    case = case_in_stage(world, Stage.HOME_VISIT)
    with clock.frozen(moment(2026, 12, 1)):
        notice = issuing.notice_issue(
            case=case, by=world[Role.SCHOOL_OFFICER], return_by=datetime.date(2026, 12, 3)
        )
    with clock.frozen(moment(2026, 12, 7)), pytest.raises(GuardFailed) as refused:
        serve(notice, by=world[Role.VILLAGE_CADRE], served_on=datetime.date(2026, 12, 4))
    assert refused.value.message == serving.SERVED_TOO_LATE


@pytest.mark.parametrize("body", ["{学生!r}", "{学生:>99}", "{学生:{班级}}", "{学生.name}"])
def test_a_wording_that_could_not_be_filled_in_is_refused(body):
    wording = Wording(kind=DocumentKind.DROPOUT_REPORT, title="t", body=f"报告：{body}")
    with pytest.raises(ValidationError):
        wording.clean()


def test_a_deleted_document_or_service_shows_in_the_audit_check(world):
    official = world[Role.TOWNSHIP_OFFICIAL]
    first, second = escalated(world), escalated(world)
    assert missing(second) == []
    Document.objects.filter(pk=second.documents.get().pk).delete()  # the last number given
    assert [link.case_id for link in missing(first)] == [first.pk]
    case = ordered(world)
    serve(order_of(case), by=official, served_on=clock.today())
    order_of(case).service.delete()
    assert [link.case_id for link in missing(case)] == [case.pk]


def missing(case) -> list:
    return [link for link in chain.verify(cases=[case]) if link.papers_missing]
