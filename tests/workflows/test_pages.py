"""The role pages: reach (404 outside it, 403 for the wrong role), forms that keep what the
user typed, conflicts, and query counts that do not grow with the rows."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import clock
from cases.models import Case, CaseEvent, ContactKind, Role, Stage
from workflows import errors, services

from .. import factories
from ..builders import add_contact, case_in_stage


def login(client, user):
    client.force_login(user)
    return client


def queries(client, url: str, method: str = "get", data=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = getattr(client, method)(url, data or {})
    assert response.status_code == 200, response.status_code
    return len(captured)


def detail(case) -> str:
    return reverse("work:case_detail", args=[case.pk])


def step_url(case, step: str) -> str:
    return reverse("work:case_step", args=[case.pk, step])


# Reach ----------------------------------------------------------------------------------------


def test_case_outside_reach_is_404_on_every_case_url(client, world, elsewhere):
    case = case_in_stage(world, Stage.HOME_VISIT)
    login(client, elsewhere[Role.HOMEROOM_TEACHER])
    urls = [
        detail(case),
        step_url(case, "escalate"),
        reverse("work:case_contact", args=[case.pk]),
        reverse("work:case_open", args=[case.student.pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"note": "x"}).status_code == 404, url
    assert CaseEvent.objects.count() == 0


def test_step_not_for_this_role_is_403(client, world):
    case = case_in_stage(world, Stage.REPORTED)
    login(client, world[Role.HOMEROOM_TEACHER])
    url = step_url(case, "start_home_visit")  # the school officer's step
    assert client.get(url).status_code == 403
    response = client.post(url, {"seen_stage": Stage.REPORTED, "note": ""})
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.stage == Stage.REPORTED


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("work:reports:index", Role.SCHOOL_OFFICER),
        ("work:township:index", Role.TOWNSHIP_OFFICIAL),
        ("work:overdue:index", Role.DISTRICT_SUPERVISOR),
        ("work:schools:index", Role.COUNTY_SUPERVISOR),
    ],
)
def test_queues_are_for_their_roles(client, world, url, allowed):
    login(client, world[Role.HOMEROOM_TEACHER])
    assert client.get(reverse(url)).status_code == 403
    login(client, world[allowed])
    assert client.get(reverse(url)).status_code == 200


def test_anonymous_is_sent_to_sign_in(client, world):
    case = case_in_stage(world, Stage.HOME_VISIT)
    for url in [reverse("work:mine:index"), detail(case), reverse("work:students:index")]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


# The case page --------------------------------------------------------------------------------


def test_case_page_masks_numbers_and_offers_only_allowed_steps(client, world):
    case = case_in_stage(world, Stage.HOME_VISIT)
    factories.GuardianFactory(student=case.student, phone="13812345678")
    login(client, world[Role.HOMEROOM_TEACHER])
    response = client.get(detail(case))
    html = response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert case.student.id_number not in html
    assert case.student.id_number[6:14] not in html  # not even the birth-date digits
    assert "13812345678" not in html
    assert "138****5678" in html
    offered = {
        step
        for step in ("escalate", "mark_returned", "record_contact")
        if f'data-step="{step}"' in html
    }
    assert offered == {"escalate", "mark_returned", "record_contact"}
    for step in ("order_enforcement", "dismiss", "override", "close", "start_followup"):
        assert f'data-step="{step}"' not in html


def test_blocked_step_shows_its_reason(client, world):
    case = case_in_stage(world, Stage.REPORTED)
    case = services.case_start_home_visit(case=case, by=world[Role.SCHOOL_OFFICER])
    login(client, world[Role.HOMEROOM_TEACHER])
    html = client.get(detail(case)).content.decode()
    assert 'data-step="escalate" data-blocked="1"' in html
    from cases.ladder import has_home_visit

    assert str(has_home_visit.message) in html
    assert client.get(step_url(case, "escalate")).status_code == 302  # back to the case


def test_case_page_queries_do_not_grow_with_contacts_and_events(client, world):
    teacher = world[Role.HOMEROOM_TEACHER]
    small, large = case_in_stage(world, Stage.HOME_VISIT), case_in_stage(world, Stage.HOME_VISIT)
    for case, count in ((small, 10), (large, 100)):
        for _ in range(count):
            add_contact(
                case, by=teacher, stage=Stage.HOME_VISIT, participants=[world[Role.SUBJECT_TEACHER]]
            )
            services.case_reassign(
                case=case,
                by=world[Role.SCHOOL_OFFICER],
                owner=world[Role.SUBJECT_TEACHER] if case.owner == teacher else teacher,
                note="轮换",
            )
            case.refresh_from_db()
    login(client, world[Role.SCHOOL_OFFICER])
    assert queries(client, detail(small)) == queries(client, detail(large))


@pytest.mark.parametrize(
    ("url", "role"),
    [
        ("work:mine:index", Role.HOMEROOM_TEACHER),
        ("work:all:index", Role.SCHOOL_OFFICER),
        ("work:overdue:index", Role.DISTRICT_SUPERVISOR),
        ("work:schools:index", Role.COUNTY_SUPERVISOR),
        ("work:students:index", Role.SCHOOL_OFFICER),
    ],
)
def test_list_queries_do_not_grow_with_rows(client, world, url, role):
    login(client, world[role])
    past = clock.now() - datetime.timedelta(days=30)

    def add(count):
        for _ in range(count):
            factories.CaseFactory(
                student=world.student(),
                stage=Stage.HOME_VISIT,
                owner=world[Role.HOMEROOM_TEACHER],
                deadline=past,
            )

    from workflows import cache

    add(10)
    cache.clear()  # both counts with the process's policy and calendar copies cold
    ten = queries(client, reverse(url))
    add(90)
    cache.clear()
    hundred = queries(client, reverse(url))
    assert ten == hundred


# Forms ----------------------------------------------------------------------------------------


def test_report_step_writes_the_event_and_returns_to_the_case(client, world):
    case = case_in_stage(world, Stage.IDENTIFIED)
    teacher = world[Role.HOMEROOM_TEACHER]
    login(client, teacher)
    response = client.post(
        step_url(case, "report"),
        {
            "seen_stage": Stage.IDENTIFIED,
            "reasons": ["work"],
            "whereabouts": "外出打工",
            "note": "当日上报",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == detail(case)
    case.refresh_from_db()
    assert (case.stage, case.whereabouts, case.reasons) == (Stage.REPORTED, "外出打工", ["work"])
    event = case.events.get()
    assert (event.step, event.actor, event.note) == ("report", teacher, "当日上报")


def test_invalid_form_keeps_what_was_typed(client, world):
    case = case_in_stage(world, Stage.IDENTIFIED)
    login(client, world[Role.HOMEROOM_TEACHER])
    response = client.post(
        step_url(case, "report"),
        {
            "seen_stage": Stage.IDENTIFIED,
            "reasons": [],
            "whereabouts": "在亲戚家",
            "note": "家长说下周回来",
        },
    )
    assert response.status_code == 422
    html = response.content.decode()
    from cases.ladder import has_reasons

    assert str(has_reasons.message) in html
    assert "在亲戚家" in html
    assert "家长说下周回来" in html
    assert case.events.count() == 0


def test_conflict_keeps_the_form_and_says_what_happened(client, world):
    case = case_in_stage(world, Stage.REPORTED)
    officer = world[Role.SCHOOL_OFFICER]
    login(client, officer)
    services.case_start_home_visit(case=case, by=officer)  # someone else was faster
    response = client.post(
        step_url(case, "dismiss"),
        {"seen_stage": Stage.REPORTED, "dismissal_reason": "sick_leave", "note": "经核实为病假"},
    )
    assert response.status_code == 409
    html = response.content.decode()
    expected = str(errors.CONFLICT) % {"stage": Stage.HOME_VISIT.label}
    assert expected in html
    assert "经核实为病假" in html
    assert Case.objects.get(pk=case.pk).stage == Stage.HOME_VISIT


def test_future_return_date_is_refused_on_the_form(client, world):
    case = case_in_stage(world, Stage.HOME_VISIT)
    login(client, world[Role.HOMEROOM_TEACHER])
    tomorrow = clock.today() + datetime.timedelta(days=1)
    response = client.post(
        step_url(case, "mark_returned"),
        {"seen_stage": Stage.HOME_VISIT, "returned_on": tomorrow.isoformat(), "note": ""},
    )
    assert response.status_code == 422
    from cases.ladder import return_date_not_future

    assert str(return_date_not_future.message) in response.content.decode()
    assert tomorrow.isoformat() in response.content.decode()


def test_contact_form_records_a_visit(client, world):
    case = case_in_stage(world, Stage.TOWNSHIP_PERSUASION)
    official, cadre = world[Role.TOWNSHIP_OFFICIAL], world[Role.VILLAGE_CADRE]
    login(client, official)
    response = client.post(
        reverse("work:case_contact", args=[case.pk]),
        {
            "kind": ContactKind.JOINT_VISIT,
            "occurred_on": clock.today().isoformat(),
            "place": "学生家中",
            "participants": [cadre.pk],
            "guardian_attitude": "hesitant",
            "result": "送达返校通知书",
        },
    )
    assert response.status_code == 302
    contact = case.contacts.latest("id")
    assert set(contact.participants.all()) == {official, cadre}
    assert contact.stage == Stage.TOWNSHIP_PERSUASION


def test_open_case_from_student(client, world):
    student = world.student()
    teacher = world[Role.HOMEROOM_TEACHER]
    login(client, teacher)
    url = reverse("work:case_open", args=[student.pk])
    response = client.post(
        url,
        {"reasons": ["weary"], "whereabouts": "在家", "last_seen_on": clock.today().isoformat()},
    )
    case = Case.objects.get(student=student)
    assert response["Location"] == detail(case)
    assert case.owner == teacher
    assert case.events.get().step == "open"
    again = client.get(url)
    assert detail(case) in again.content.decode()  # points to the open case


def test_student_search_is_by_post_and_finds_by_registry_number(client, world):
    wanted = world.student(name="张三丰")
    world.student(name="李四")
    login(client, world[Role.HOMEROOM_TEACHER])
    url = reverse("work:students:index")
    by_name = client.post(url, {"query": "张三"}).content.decode()
    assert "张三丰" in by_name
    assert "李四" not in by_name
    by_number = client.post(url, {"query": wanted.student_no.lower()}).content.decode()
    assert "张三丰" in by_number
    assert "李四" not in by_number
    assert wanted.student_no not in by_number  # the number is not echoed back on the page


def test_overdue_queue_lists_only_overdue_cases_in_reach_with_filters(client, world, elsewhere):
    past = clock.now() - datetime.timedelta(days=3)
    future = clock.now() + datetime.timedelta(days=3)
    late_visit = factories.CaseFactory(
        student=world.student(name="甲"), stage=Stage.HOME_VISIT, deadline=past
    )
    late_report = factories.CaseFactory(
        student=world.student(name="乙"), stage=Stage.REPORTED, deadline=past
    )
    factories.CaseFactory(student=world.student(name="丙"), stage=Stage.HOME_VISIT, deadline=future)
    factories.CaseFactory(
        student=elsewhere.student(name="丁"), stage=Stage.HOME_VISIT, deadline=past
    )
    login(client, world[Role.DISTRICT_SUPERVISOR])
    url = reverse("work:overdue:index")

    everything = client.get(url, {"_orderby": "student_name"})
    assert [case.student.name for case in everything.context["object_list"]] == ["乙", "甲"]
    assert "kc-overdue" in everything.content.decode()
    by_stage = client.get(url, {"stage": Stage.HOME_VISIT})
    assert [case.pk for case in by_stage.context["object_list"]] == [late_visit.pk]
    newest_first = client.get(url, {"_orderby": "-student_name"})
    assert [case.pk for case in newest_first.context["object_list"]] == [
        late_visit.pk,
        late_report.pk,
    ]


def test_closed_case_without_owner_has_a_page(client, world):
    case = case_in_stage(world, Stage.CLOSED)
    assert case.owner is None
    login(client, world[Role.SCHOOL_OFFICER])
    response = client.get(detail(case))
    assert response.status_code == 200
    assert 'data-stage="closed"' in response.content.decode()


def test_only_those_who_may_open_a_case_get_the_form(client, world):
    student = world.student()
    url = reverse("work:case_open", args=[student.pk])
    login(client, world[Role.TOWNSHIP_OFFICIAL])  # reaches the student, opens no cases
    assert client.get(url).status_code == 403
    login(client, world[Role.SUBJECT_TEACHER])
    listing = client.get(reverse("work:students:index")).content.decode()
    assert url not in listing
    login(client, world[Role.HOMEROOM_TEACHER])
    assert url in client.get(reverse("work:students:index")).content.decode()


def test_two_reassignments_at_once_are_a_conflict(client, world):
    case = case_in_stage(world, Stage.HOME_VISIT)
    officer = world[Role.SCHOOL_OFFICER]
    login(client, officer)
    seen = {"seen_stage": case.stage, "seen_version": case.version}
    services.case_reassign(case=case, by=officer, owner=world[Role.SUBJECT_TEACHER], note="先改")
    response = client.post(
        step_url(case, "reassign"),
        {**seen, "owner": world[Role.HOMEROOM_TEACHER].pk, "note": "后改"},
    )
    assert response.status_code == 409
    assert "后改" in response.content.decode()
    case.refresh_from_db()
    assert case.owner == world[Role.SUBJECT_TEACHER]
    assert case.events.count() == 1


@pytest.mark.parametrize(
    "url", ["work:mine:index", "work:all:index", "work:overdue:index", "work:reports:index"]
)
def test_lists_decrypt_no_numbers(client, world, url, monkeypatch):
    """A list shows names, never identity or registry numbers: it does not read them at all."""
    from cases import crypto

    for stage in (Stage.REPORTED, Stage.HOME_VISIT):
        factories.CaseFactory(
            student=world.student(),
            stage=stage,
            owner=world[Role.SCHOOL_OFFICER],
            deadline=clock.now() - datetime.timedelta(days=3),
        )
    decrypted = []
    real = crypto.decrypt
    monkeypatch.setattr(crypto, "decrypt", lambda token: decrypted.append(1) or real(token))
    login(client, world[Role.COUNTY_SUPERVISOR if "overdue" in url else Role.SCHOOL_OFFICER])
    page = client.get(reverse(url))
    assert page.status_code == 200
    assert decrypted == []
