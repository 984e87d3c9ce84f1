"""Identity and phone numbers are encrypted at rest, found by digest, masked on every page, and
shown in full only with the permission and a stated reason, which is logged."""

import io
import re

import pytest
from cryptography.fernet import Fernet
from django.apps import apps
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import translation

from cases import crypto
from cases.models import AccessAction, AccessLog, Guardian, Role, StaffPhone, Stage, Student

from .. import factories
from ..builders import case_in_stage

ID_PATTERN = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
MOBILE_PATTERN = re.compile(r"(?<![0-9A-Za-z])1[3-9]\d{9}(?![0-9A-Za-z])")


def raw_dump() -> str:
    """Every text value of every table, read with SQL past the ORM: what a database dump holds."""
    parts = []
    with connection.cursor() as cursor:
        for model in apps.get_models(include_auto_created=True):
            table = model._meta.db_table
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            parts.extend(str(value) for row in cursor.fetchall() for value in row if value)
    return "\n".join(parts)


def test_numbers_are_ciphertext_in_the_database(world):
    student = world.student()
    factories.GuardianFactory(student=student, phone="13912345678")
    dump = raw_dump()
    assert student.id_number not in dump
    assert student.student_no not in dump
    assert "13912345678" not in dump
    # ... and the ORM still reads them back.
    fresh = Student.objects.get(pk=student.pk)
    assert fresh.id_number == student.id_number
    assert Guardian.objects.get(student=student).phone == "13912345678"


def test_demo_database_holds_no_plaintext_numbers(db):
    call_command("load_demo", stdout=io.StringIO())
    dump = raw_dump()
    assert Student.objects.count() > 1000
    assert not ID_PATTERN.findall(dump)
    assert not MOBILE_PATTERN.findall(dump)


def test_exact_lookup_by_digest(world):
    student = world.student()
    found = Student.objects.get(student_no_digest=crypto.digest(student.student_no))
    assert found == student


def test_keys_rotate_without_losing_a_number(world, settings):
    student = world.student()
    factories.GuardianFactory(student=student, phone="13712345678")
    staff_phone = StaffPhone.objects.create(
        user=world[Role.TOWNSHIP_OFFICIAL], mobile="13512345678"
    )
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    call_command("rotate_field_keys", stdout=io.StringIO())
    settings.FIELD_ENCRYPTION_KEYS = [new_key]  # the old key is gone
    fresh = Student.objects.get(pk=student.pk)
    assert fresh.id_number == student.id_number
    assert Guardian.objects.get(student=student).phone == "13712345678"
    assert StaffPhone.objects.get(pk=staff_phone.pk).mobile == "13512345678"
    assert staff_phone.history.first().mobile == "13512345678"  # history tables too
    assert Student.objects.get(student_no_digest=crypto.digest(student.student_no)) == fresh


def grant_unmask(user):
    user.user_permissions.add(Permission.objects.get(codename="view_identity"))


def test_unmasking_needs_the_permission_and_a_reason_and_is_logged(client, world):
    case = case_in_stage(world, Stage.HOME_VISIT)
    factories.GuardianFactory(student=case.student, phone="13612345678")
    officer = world[Role.SCHOOL_OFFICER]
    client.force_login(officer)
    url = reverse("work:case_unmask", args=[case.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"reason": "核对学籍转出"}).status_code == 403

    grant_unmask(officer)
    client.force_login(officer)  # permissions are cached per user object
    assert client.post(url, {"reason": ""}).status_code == 422
    assert not AccessLog.objects.filter(action=AccessAction.UNMASK).exists()
    shown = client.post(url, {"reason": "核对学籍转出"})
    html = shown.content.decode()
    assert case.student.id_number in html
    assert "13612345678" in html
    assert "no-store" in shown["Cache-Control"]
    entry = AccessLog.objects.get(action=AccessAction.UNMASK)
    assert (entry.user, entry.case, entry.reason) == (officer, case, "核对学籍转出")
    assert Role.SCHOOL_OFFICER in entry.roles


def test_unmasking_out_of_reach_is_404_even_with_the_permission(client, world, elsewhere):
    case = case_in_stage(world, Stage.HOME_VISIT)
    outsider = elsewhere[Role.SCHOOL_OFFICER]
    grant_unmask(outsider)
    client.force_login(outsider)
    url = reverse("work:case_unmask", args=[case.pk])
    assert client.post(url, {"reason": "好奇"}).status_code == 404
    assert not AccessLog.objects.exists()


def test_every_case_page_view_is_logged_without_numbers(client, world):
    case = case_in_stage(world, Stage.HOME_VISIT)
    teacher = world[Role.HOMEROOM_TEACHER]
    client.force_login(teacher)
    client.get(reverse("work:case_detail", args=[case.pk]))
    client.get(reverse("work:case_detail", args=[case.pk]))
    entries = AccessLog.objects.filter(case=case, action=AccessAction.VIEW_CASE, user=teacher)
    assert entries.count() == 2
    text = " ".join(f"{e.roles} {e.reason}" for e in entries)
    assert not ID_PATTERN.search(text)


@pytest.mark.parametrize("action", ["add", "change", "delete"])
def test_nobody_can_edit_the_access_log_in_the_admin(admin_client, world, action):
    case = case_in_stage(world, Stage.HOME_VISIT)
    entry = AccessLog.objects.create(
        user=world[Role.HOMEROOM_TEACHER],
        case=case,
        action=AccessAction.VIEW_CASE,
        at=case.opened_at,
    )
    args = [] if action == "add" else [entry.pk]
    response = admin_client.post(reverse(f"admin:cases_accesslog_{action}", args=args), {})
    assert response.status_code == 403
    assert AccessLog.objects.filter(pk=entry.pk, reason="").exists()


def test_yearly_access_summary(client, world):
    case = case_in_stage(world, Stage.HOME_VISIT)
    client.force_login(world[Role.HOMEROOM_TEACHER])
    client.get(reverse("work:case_detail", args=[case.pk]))
    client.get(reverse("work:case_detail", args=[case.pk]))
    client.force_login(world[Role.SCHOOL_OFFICER])
    client.get(reverse("work:case_detail", args=[case.pk]))
    out = io.StringIO()
    with translation.override("en"):
        call_command("access_summary", year=case.opened_at.year, stdout=out)
    lines = out.getvalue().splitlines()[1:]
    assert lines == [
        "homeroom_teacher,owner\tViewed a case\t2 entries by 1 people",
        "school_officer\tViewed a case\t1 entries by 1 people",
    ]


def test_an_unmasking_reason_may_not_carry_a_number(client, world):
    case = case_in_stage(world, Stage.HOME_VISIT)
    officer = world[Role.SCHOOL_OFFICER]
    grant_unmask(officer)
    client.force_login(officer)
    url = reverse("work:case_unmask", args=[case.pk])
    response = client.post(url, {"reason": f"核对{case.student.id_number}"})
    assert response.status_code == 422
    assert not AccessLog.objects.filter(action=AccessAction.UNMASK).exists()
