"""The admin shows the roster and cases with their history, and offers no way around the
services: cases, events and contacts are read-only, nothing can be deleted."""

import datetime

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone, translation
from guardian.shortcuts import get_perms

from cases.masking import mask_id_number
from cases.models import Case, CaseEvent, Contact, Role, StaffRole, Stage, Student, Unit
from workflows import services
from workflows.models import POLICY_NO_AUTO_ESCALATION, CalendarDay, StagePolicy

from .. import factories
from ..builders import case_in_stage


@pytest.fixture
def staff_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("root", password="pass-Word-123")
    client.force_login(user)
    return client


@pytest.fixture
def moved_case(world, teacher):
    case = case_in_stage(world, Stage.IDENTIFIED)
    return services.case_report(case=case, by=teacher, reasons=["weary"], whereabouts="在家")


@pytest.mark.parametrize("model", list(admin.site._registry))
def test_every_admin_list_opens(staff_client, moved_case, model):
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    assert staff_client.get(url).status_code == 200


def test_case_page_and_its_history_open(staff_client, moved_case):
    change = reverse("admin:cases_case_change", args=[moved_case.pk])
    history = reverse("admin:cases_case_history", args=[moved_case.pk])
    assert staff_client.get(change).status_code == 200
    response = staff_client.get(history)
    assert response.status_code == 200
    assert "report" in response.content.decode()  # the change reason of the step


def test_case_cannot_be_changed_or_deleted_in_the_admin(staff_client, moved_case):
    change = reverse("admin:cases_case_change", args=[moved_case.pk])
    staff_client.post(change, {"whereabouts": "改了"})
    moved_case.refresh_from_db()
    assert moved_case.whereabouts == "在家"
    delete = reverse("admin:cases_case_delete", args=[moved_case.pk])
    assert staff_client.post(delete, {"post": "yes"}).status_code == 403
    assert Case.objects.filter(pk=moved_case.pk).exists()


@pytest.mark.parametrize("model", [Case, CaseEvent, Contact])
def test_records_of_the_ladder_cannot_be_added_in_the_admin(staff_client, model):
    url = reverse(f"admin:cases_{model._meta.model_name}_add")
    assert staff_client.get(url).status_code == 403


@pytest.mark.parametrize("model", [Unit, Student])
def test_roster_rows_cannot_be_deleted(staff_client, moved_case, model):
    row = model.objects.first()
    url = reverse(f"admin:cases_{model._meta.model_name}_delete", args=[row.pk])
    assert staff_client.post(url, {"post": "yes"}).status_code == 403
    assert model.objects.filter(pk=row.pk).exists()


def test_history_cannot_be_reverted(staff_client, moved_case):
    record = moved_case.history.last()
    url = reverse("admin:cases_case_simple_history", args=[moved_case.pk, record.history_id])
    staff_client.post(url, {})
    moved_case.refresh_from_db()
    assert moved_case.stage == Stage.REPORTED


def test_admin_shows_numbers_masked_only(staff_client, world):
    student = world.student()
    guardian = student.guardians.create(name="李桂兰", relation="mother", phone="13912345678")
    record = student.history.first()
    for url in (
        reverse("admin:cases_student_change", args=[student.pk]),
        reverse("admin:cases_student_history", args=[student.pk]),
        reverse("admin:cases_student_simple_history", args=[student.pk, record.history_id]),
    ):
        html = staff_client.get(url).content.decode()
        assert student.id_number not in html
        assert student.student_no not in html
        assert guardian.phone not in html
    assert (
        "139****5678"
        in staff_client.get(
            reverse("admin:cases_student_change", args=[student.pk])
        ).content.decode()
    )


def test_imports_and_household_lists_show_no_numbers(staff_client, world):
    from cases.models import HouseholdChild, RosterImport

    uploader = world[Role.SCHOOL_OFFICER]
    roster_import = RosterImport.objects.create(
        uploaded_by=uploader,
        uploaded_at=timezone.now(),
        file_name="名册.csv",
        file_sha256="0" * 64,
        content="MzQwNDIyMjAxNTAzMDUwMDEx",  # the stored file, base64
    )
    child = HouseholdChild.objects.create(
        name="王小明",
        gender="M",
        birth_date=datetime.date(2015, 3, 5),
        id_number=factories.id_number(datetime.date(2015, 3, 5)),
        township=world.township,
        listed_by=roster_import,
    )
    pages = [
        reverse("admin:cases_rosterimport_change", args=[roster_import.pk]),
        reverse("admin:cases_householdchild_changelist"),
        reverse("admin:cases_householdchild_change", args=[child.pk]),
        reverse("admin:cases_householdchild_history", args=[child.pk]),
    ]
    for url in pages:
        response = staff_client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert child.id_number not in html
        assert roster_import.content not in html
    changelist = staff_client.get(pages[1]).content.decode()
    assert mask_id_number(child.id_number) in changelist


def test_a_role_moved_in_the_admin_moves_its_grant(staff_client, world):
    teacher = world[Role.HOMEROOM_TEACHER]
    role = StaffRole.objects.get(user=teacher)
    other_class = factories.ClassFactory(parent=world.klass.parent, name="五年级(3)班")
    change = reverse("admin:cases_staffrole_change", args=[role.pk])
    response = staff_client.post(
        change, {"user": teacher.pk, "role": Role.HOMEROOM_TEACHER, "unit": other_class.pk}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert get_perms(teacher, world.klass) == []
    assert get_perms(teacher, other_class) == ["serve_homeroom_teacher"]


def test_a_role_ended_in_the_admin_hands_its_cases_on(staff_client, world):
    case = case_in_stage(world, Stage.HOME_VISIT)  # owned by the homeroom teacher
    teacher = world[Role.HOMEROOM_TEACHER]
    role = StaffRole.objects.get(user=teacher)
    delete = reverse("admin:cases_staffrole_delete", args=[role.pk])
    assert staff_client.post(delete, {"post": "yes"}).status_code == 302
    assert not StaffRole.objects.filter(pk=role.pk).exists()
    assert get_perms(teacher, world.klass) == []
    case.refresh_from_db()
    assert case.owner == world[Role.SCHOOL_OFFICER]
    assert case.events.latest("id").actor.username == "system"


def test_no_childs_name_is_searched_through_a_url(staff_client, moved_case):
    students = staff_client.get(reverse("admin:cases_student_changelist")).content.decode()
    assert 'name="q"' not in students  # no search box that would put a name in the URL
    cases = reverse("admin:cases_case_changelist")
    by_number = staff_client.get(cases, {"q": str(moved_case.pk)})
    assert by_number.context["cl"].result_count == 1
    by_name = staff_client.get(cases, {"q": moved_case.student.name})
    assert by_name.context["cl"].result_count == 0


def test_a_stage_policy_is_edited_in_the_admin_with_its_history(staff_client, world):
    # Given a county's policy for home visits
    policy = StagePolicy.objects.create(
        county=world.county,
        stage=Stage.HOME_VISIT,
        owner_role=Role.HOMEROOM_TEACHER,
        working_days=5,
    )
    url = reverse("admin:workflows_stagepolicy_change", args=[policy.pk])
    assert staff_client.get(url).status_code == 200

    # When the administrator gives the stage seven working days
    response = staff_client.post(
        url,
        {
            "county": world.county.pk,
            "stage": Stage.HOME_VISIT,
            "owner_role": Role.HOMEROOM_TEACHER,
            "working_days": 7,
            "reminder_days": 1,
            "escalate_to_role": "",
        },
    )

    # Then it is saved, with a history row per version, shown on the history page
    assert response.status_code == 302
    policy.refresh_from_db()
    assert policy.working_days == 7
    assert list(policy.history.order_by("history_id").values_list("working_days", flat=True)) == [
        5,
        7,
    ]
    history = reverse("admin:workflows_stagepolicy_history", args=[policy.pk])
    assert staff_client.get(history).status_code == 200
    # ... and a policy is never deleted (a stage would fall back to the defaults unnoticed)
    delete = reverse("admin:workflows_stagepolicy_delete", args=[policy.pk])
    assert staff_client.post(delete, {"post": "yes"}).status_code == 403


def test_the_admin_refuses_a_policy_the_ladder_does_not_allow(staff_client, world):
    response = staff_client.post(
        reverse("admin:workflows_stagepolicy_add"),
        {
            "county": world.county.pk,
            "stage": Stage.LEGAL_ENFORCEMENT,
            "owner_role": Role.TOWNSHIP_OFFICIAL,
            "working_days": 5,
            "reminder_days": 1,
            "escalate_to_role": "",
            "auto_escalate": "on",
        },
    )
    assert response.status_code == 200  # the form again, with the error
    assert not StagePolicy.objects.exists()
    with translation.override("zh-hans"):
        assert str(POLICY_NO_AUTO_ESCALATION) in response.content.decode()


def test_a_calendar_day_is_added_in_the_admin_and_counts_at_once(staff_client, world):
    from workflows import workdays

    day = datetime.date(2031, 1, 6)  # a Monday
    assert workdays.is_working_day(day)
    response = staff_client.post(
        reverse("admin:workflows_calendarday_add"),
        {"date": "2031-01-06", "county": "", "is_working_day": "", "note": "临时停课"},
    )
    assert response.status_code == 302
    assert CalendarDay.objects.get(date=day).history.count() == 1
    assert not workdays.is_working_day(day)
    # the administrator is told that other server processes read it a little later
    told = [str(m) for m in staff_client.get(response["Location"]).context["messages"]]
    assert any("30" in message and ("其他" in message or "others" in message) for message in told)


def test_the_case_admin_shows_labels_names_and_local_times(staff_client, world, moved_case):
    teacher = world[Role.HOMEROOM_TEACHER]
    teacher.first_name = "叶红梅"
    teacher.save()
    html = staff_client.get(reverse("admin:cases_case_change", args=[moved_case.pk])).content
    html = html.decode()
    assert "厌学" in html
    assert '["weary"]' not in html
    assert "叶红梅" in html  # the actor of the report, by name
    event = moved_case.events.get()
    local = timezone.localtime(event.at).strftime("%Y-%m-%d %H:%M")
    assert local in html  # the event's header, in Asia/Shanghai, not UTC
    assert event.at.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M") not in html
