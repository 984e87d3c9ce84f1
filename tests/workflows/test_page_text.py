"""What the pages say: refusals and missing pages in Chinese with a way back, lists that say
when they are empty, actions by weight, consequences before an irreversible step, forms that
ask for what is required first, and supervisors' student search."""

import datetime
import logging

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from cases import clock
from cases.models import Role, Stage, Step
from project.middleware import ErrorPagesMiddleware
from workflows.forms import ContactForm, DismissForm, ReportForm

from .. import factories
from ..builders import case_in_stage

MY_WORK = reverse("work:mine:index")


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def text(response) -> str:
    return response.content.decode()


# Refused, missing and failed pages ---------------------------------------------------------------


def test_a_page_of_another_role_is_refused_in_chinese_with_a_way_back(world):
    response = signed_in(world[Role.HOMEROOM_TEACHER]).get(reverse("work:overdue:index"))
    assert response.status_code == 403
    assert "您无权查看此页面" in text(response)
    assert f'href="{MY_WORK}"' in text(response)
    assert "Access Forbidden" not in text(response)


def test_a_missing_page_is_chinese_with_a_way_back(world):
    response = signed_in(world[Role.HOMEROOM_TEACHER]).get("/no-such-page/")
    assert response.status_code == 404
    assert "页面不存在" in text(response)
    assert f'href="{MY_WORK}"' in text(response)


def test_signed_out_the_missing_page_offers_to_sign_in(db):
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    assert f'href="{reverse("login")}"' in text(response)


@pytest.mark.parametrize("path", ["/no-such-page/", "case-out-of-reach"])
def test_under_debug_a_missing_page_is_still_the_users_page(world, elsewhere, settings, path):
    # Given the demo's settings (DEBUG on)
    settings.DEBUG = True
    if path == "case-out-of-reach":
        path = reverse("work:case_detail", args=[case_in_stage(elsewhere, Stage.HOME_VISIT).pk])

    # When a teacher opens an address that does not exist, or a case out of their reach
    response = signed_in(world[Role.HOMEROOM_TEACHER]).get(path)

    # Then they see the Chinese page, not Django's technical one
    assert response.status_code == 404
    assert "页面不存在" in text(response)
    assert "URLconf" not in text(response)
    assert "Django" not in text(response)


def test_a_developer_may_switch_the_users_pages_off_under_debug(world, settings):
    settings.DEBUG = True
    settings.ERROR_PAGES_UNDER_DEBUG = False
    response = signed_in(world[Role.HOMEROOM_TEACHER]).get("/no-such-page/")
    assert response.status_code == 404
    assert "页面不存在" not in text(response)


def test_under_debug_a_server_error_is_the_users_page_and_is_logged(world, settings, caplog):
    settings.DEBUG = True
    request = RequestFactory().get("/work/cases/1/")
    request.user = world[Role.HOMEROOM_TEACHER]
    middleware = ErrorPagesMiddleware(lambda request: None)

    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = middleware.process_exception(request, RuntimeError("boom"))

    assert response.status_code == 500
    assert "系统出错了" in text(response)
    assert [record.exc_info[0] for record in caplog.records] == [RuntimeError]


def test_without_debug_the_server_error_page_is_chinese(db):
    from django.views.defaults import server_error

    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert "系统出错了" in text(response)
    assert 'href="/accounts/login/"' in text(response)  # rendered without a signed-in user


def test_the_lockout_page_is_chinese_with_a_way_back_to_sign_in(db):
    factories.UserFactory(username="locked")
    guesser = Client(REMOTE_ADDR="10.0.0.99")
    for attempt in range(5):
        response = guesser.post(
            reverse("login"), {"username": "locked", "password": f"wrong-{attempt}"}
        )
    assert response.status_code == 429
    assert "登录已锁定" in text(response)
    assert "等待 30 分钟" in text(response)  # the cool-off the settings give
    assert f'href="{reverse("login")}"' in text(response)


# Lists -------------------------------------------------------------------------------------------


def test_pagination_reads_in_chinese(world):
    case_in_stage(world, Stage.HOME_VISIT)
    response = signed_in(world[Role.HOMEROOM_TEACHER]).get(MY_WORK)
    assert "第 1–1 条，共 1 条" in text(response)
    assert " of " not in text(response)


@pytest.mark.parametrize(
    ("role", "url", "says"),
    [
        (Role.HOMEROOM_TEACHER, "work:mine:index", "暂无需要您处理的案件"),
        (Role.SCHOOL_OFFICER, "work:reports:index", "暂无待确认的上报"),
        (Role.TOWNSHIP_OFFICIAL, "work:township:index", "暂无等待乡镇处理的案件"),
        (Role.COUNTY_SUPERVISOR, "work:overdue:index", "没有超过阶段期限的案件"),
        (Role.COUNTY_SUPERVISOR, "work:all:index", "您辖区内暂无案件"),
    ],
)
def test_an_empty_list_says_so_and_what_brings_cases_here(world, role, url, says):
    response = signed_in(world[role]).get(reverse(url))
    assert response.status_code == 200
    assert says in text(response)
    assert 'data-empty="1"' in text(response)
    assert "<table" not in text(response)


def test_a_list_with_rows_has_no_empty_notice(world):
    case_in_stage(world, Stage.HOME_VISIT)
    response = signed_in(world[Role.HOMEROOM_TEACHER]).get(MY_WORK)
    assert 'data-empty="1"' not in text(response)


def test_a_filter_that_matches_nothing_says_so_and_offers_to_clear_it(world):
    case_in_stage(world, Stage.HOME_VISIT)
    url = reverse("work:all:index")
    response = signed_in(world[Role.COUNTY_SUPERVISOR]).get(url, {"stage": Stage.RETURNED})
    assert "没有符合筛选条件的案件" in text(response)
    assert 'data-action="clear-filter"' in text(response)


def test_the_overdue_filter_is_a_bar_of_choices_with_names_applied_on_change(world):
    case = case_in_stage(world, Stage.HOME_VISIT)
    case.deadline = clock.now() - datetime.timedelta(days=2)
    case.save(update_fields=["deadline"])
    teacher = world[Role.HOMEROOM_TEACHER]
    teacher.first_name = "叶红梅"
    teacher.save()

    html = text(signed_in(world[Role.COUNTY_SUPERVISOR]).get(reverse("work:overdue:index")))

    assert 'class="kc-filter" data-autosubmit="1"' in html
    assert "vf-list-filter" not in html  # not viewflow's drawer over the columns
    assert f'<option value="{teacher.pk}">叶红梅</option>' in html
    assert "---------" not in html


# The case page and its forms ---------------------------------------------------------------------


def test_the_step_that_moves_the_case_forward_is_the_primary_action(world):
    case = case_in_stage(world, Stage.REPORTED)
    html = text(
        signed_in(world[Role.SCHOOL_OFFICER]).get(reverse("work:case_detail", args=[case.pk]))
    )
    primary = f'data-step="{Step.START_HOME_VISIT}" data-weight="primary"'
    secondary = f'data-step="{Step.DISMISS}" data-weight="secondary"'
    assert primary in html
    assert secondary in html
    assert html.index(primary) < html.index(secondary)


@pytest.mark.parametrize(
    ("role", "stage", "step", "says"),
    [
        (Role.SCHOOL_OFFICER, Stage.REPORTED, Step.DISMISS, "提交后案件即结案"),
        (Role.TOWNSHIP_OFFICIAL, Stage.TOWNSHIP_PERSUASION, Step.ORDER_ENFORCEMENT, "不能撤回"),
        (Role.COUNTY_SUPERVISOR, Stage.HOME_VISIT, Step.OVERRIDE, "不经常规核查"),
    ],
)
def test_an_irreversible_step_says_what_will_happen_on_its_form(world, role, stage, step, says):
    case = case_in_stage(world, stage)
    url = reverse("work:case_step", args=[case.pk, step])
    html = text(signed_in(world[role]).get(url))
    assert 'data-consequence="1"' in html
    assert says in html


def test_a_step_that_can_be_undone_has_no_warning(world):
    case = case_in_stage(world, Stage.REPORTED)
    url = reverse("work:case_step", args=[case.pk, Step.START_HOME_VISIT])
    assert 'data-consequence="1"' not in text(signed_in(world[Role.SCHOOL_OFFICER]).get(url))


def visible_fields(form) -> list[str]:
    return [field.name for field in form.visible_fields()]


def test_forms_ask_for_what_is_required_first_and_the_note_last(world):
    case = case_in_stage(world, Stage.IDENTIFIED)
    assert visible_fields(ReportForm(case=case)) == [
        "reasons",
        "whereabouts",
        "reason_note",
        "last_seen_on",
        "note",
    ]
    # A required reason (the note of a dismissal) comes after the required choice, before the
    # optional receiving school.
    assert visible_fields(DismissForm(case=case)) == [
        "dismissal_reason",
        "note",
        "receiving_school",
    ]
    contact = visible_fields(ContactForm(case=case, user=world[Role.HOMEROOM_TEACHER]))
    assert contact[:4] == ["kind", "occurred_on", "guardian_attitude", "result"]


# Students ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.DISTRICT_SUPERVISOR, Role.COUNTY_SUPERVISOR])
def test_supervisors_get_a_search_not_every_student(world, role):
    student = world.student(name="王小明")
    client = signed_in(world[role])

    page = text(client.get(reverse("work:students:index")))
    assert "王小明" not in page
    assert "按姓名或学籍号查找" in page  # why the page is there

    found = text(client.post(reverse("work:students:index"), {"query": "小明"}))
    assert "王小明" in found
    # supervisors do not open cases (schools do): the row offers no such link
    assert reverse("work:case_open", args=[student.pk]) not in found


def test_a_teacher_still_sees_the_class_without_searching(world):
    world.student(name="李小红")
    page = text(signed_in(world[Role.HOMEROOM_TEACHER]).get(reverse("work:students:index")))
    assert "李小红" in page
