"""The registers as Excel, read back with openpyxl: a title row with the jurisdiction and dates,
the FORMATS.md columns frozen under it, dates as dates, numbers masked unless the user may see
them and says why, and every export in the access log with its count and never its contents."""

import datetime
import io

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from cases import clock
from cases.models import AccessAction, AccessLog, ContactKind, Role, Stage
from workflows import services
from workflows.registers.registers import REGISTERS

from ..builders import add_contact

URL = reverse("work:registers:index")


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def cases(world):
    """Three reports this month: one still being checked, one confirmed, one dismissed."""
    teacher, officer = world[Role.HOMEROOM_TEACHER], world[Role.SCHOOL_OFFICER]
    last_seen = clock.today() - datetime.timedelta(days=5)
    made = {}
    for name in ("待核查", "已确认", "已排除"):
        student = world.student(name=name)
        case = services.case_open(student=student, by=teacher, last_seen_on=last_seen)
        made[name] = services.case_report(
            case=case, by=teacher, reasons=["weary"], whereabouts="在家"
        )
    made["已确认"] = services.case_start_home_visit(case=made["已确认"], by=officer)
    made["已排除"] = services.case_dismiss(
        case=made["已排除"], by=officer, reason="sick_leave", note="病假条已核实"
    )
    add_contact(made["已确认"], by=teacher, stage=Stage.HOME_VISIT)
    return made


def export(client, register: str, **extra):
    today = clock.today()
    data = {
        "register": register,
        "start": (today - datetime.timedelta(days=30)).isoformat(),
        "end": today.isoformat(),
        **extra,
    }
    return client.post(URL, data)


def table(response) -> tuple[list[list], object]:
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)], sheet


def test_the_suspected_register_reads_back_as_officials_keep_it(world, cases):
    officer = world[Role.SCHOOL_OFFICER]
    response = export(signed_in(officer), "suspected")

    assert response.status_code == 200
    rows, sheet = table(response)
    register = REGISTERS["suspected"]
    assert world.school.name in rows[0][0]
    assert str(register.title) in rows[0][0]
    assert rows[1] == register.header()
    assert sheet.freeze_panes == "A3"
    body = {row[6]: row for row in rows[2:]}
    assert set(body) == {"待核查", "已确认", "已排除"}
    header = register.header()
    confirmed = dict(zip(header, body["已确认"], strict=True))
    assert confirmed["核查结果"] == "辍学"
    assert confirmed["核查日期"].date() == clock.today()  # a date cell, not text
    assert confirmed["首次缺勤日期"].date() == clock.today() - datetime.timedelta(days=4)
    assert dict(zip(header, body["已排除"], strict=True))["核查结果"] == "其他"
    assert dict(zip(header, body["待核查"], strict=True))["核查结果"] == "核查中"
    # Identity numbers masked: the officer holds no permission to see them
    student = cases["已确认"].student
    assert confirmed["身份证件号"] != student.id_number
    assert "*" in confirmed["身份证件号"]


def test_full_numbers_need_the_permission_and_a_reason_and_are_logged(world, cases):
    officer = world[Role.SCHOOL_OFFICER]
    officer.user_permissions.add(Permission.objects.get(codename="view_identity"))
    client = signed_in(officer)

    refused = export(client, "suspected", full_numbers="on", reason="")
    assert refused.status_code == 422

    response = export(client, "suspected", full_numbers="on", reason="县局核查需要")
    rows, _sheet = table(response)
    student = cases["已确认"].student
    assert student.id_number in [row[8] for row in rows[2:]]
    entry = AccessLog.objects.get(action=AccessAction.EXPORT)
    assert "县局核查需要" in entry.reason
    assert " 3 " in entry.reason  # the count of rows
    assert student.id_number not in entry.reason
    assert student.name not in entry.reason


def test_without_the_permission_the_form_offers_no_full_numbers(world, cases):
    officer = world[Role.SCHOOL_OFFICER]
    response = export(signed_in(officer), "suspected", full_numbers="on", reason="想看")
    rows, _sheet = table(response)
    assert all("*" in row[8] for row in rows[2:])
    assert "full_numbers" not in signed_in(officer).get(URL).content.decode()


def test_the_dropout_register_holds_only_confirmed_dropouts(world, cases):
    response = export(signed_in(world[Role.COUNTY_SUPERVISOR]), "dropouts")
    rows, _sheet = table(response)
    header = REGISTERS["dropouts"].header()
    assert [row[6] for row in rows[2:]] == ["已确认"]
    row = dict(zip(header, rows[2], strict=True))
    assert row["当前状态"] == "家访劝返"
    assert row["辍学认定日期"].date() == clock.today()


def test_the_persuasion_register_has_a_row_per_attempt(world, cases):
    case = cases["已确认"]
    add_contact(
        case, by=world[Role.HOMEROOM_TEACHER], stage=Stage.HOME_VISIT, kind=ContactKind.PHONE
    )
    rows, _sheet = table(export(signed_in(world[Role.SCHOOL_OFFICER]), "persuasion"))
    assert [(row[0], row[3]) for row in rows[2:]] == [("已确认", 1), ("已确认", 2)]


def test_the_home_visit_register_leaves_out_phone_calls(world, cases):
    case = cases["已确认"]
    add_contact(
        case, by=world[Role.HOMEROOM_TEACHER], stage=Stage.HOME_VISIT, kind=ContactKind.PHONE
    )
    rows, _sheet = table(export(signed_in(world[Role.SCHOOL_OFFICER]), "visits"))
    assert len(rows) == 3  # the title, the header and the one home visit


def test_the_childrens_register_lists_the_roll_with_each_childs_state(world, cases):
    world.student(name="在校生")
    rows, _sheet = table(export(signed_in(world[Role.SCHOOL_OFFICER]), "children"))
    states = {row[6]: row[13] for row in rows[2:]}
    assert states == {"在校生": "在校", "待核查": "疑似辍学", "已确认": "辍学", "已排除": "在校"}


def test_another_countys_cases_are_not_in_the_register(world, elsewhere, cases):
    rows, _sheet = table(export(signed_in(elsewhere[Role.COUNTY_SUPERVISOR]), "suspected"))
    assert rows[2:] == []


def test_the_registers_are_for_officers_townships_and_supervisors(world):
    for role in Role:
        allowed = role not in (Role.HOMEROOM_TEACHER, Role.SUBJECT_TEACHER, Role.VILLAGE_CADRE)
        assert signed_in(world[role]).get(URL).status_code == (200 if allowed else 403)


def test_an_end_before_the_start_is_refused(world):
    response = signed_in(world[Role.SCHOOL_OFFICER]).post(
        URL, {"register": "suspected", "start": "2026-11-30", "end": "2026-11-01"}
    )
    assert response.status_code == 422
    assert not AccessLog.objects.filter(action=AccessAction.EXPORT).exists()


def test_a_number_in_the_reason_is_refused_and_not_logged(world, cases):
    officer = world[Role.SCHOOL_OFFICER]
    officer.user_permissions.add(Permission.objects.get(codename="view_identity"))
    number = cases["已确认"].student.id_number
    response = export(signed_in(officer), "suspected", full_numbers="on", reason=f"核对 {number}")
    assert response.status_code == 422
    assert not AccessLog.objects.filter(action=AccessAction.EXPORT).exists()


def test_text_that_looks_like_a_formula_stays_text(world, cases):
    case = cases["已确认"]
    case.student.name = '=HYPERLINK("http://example.invalid","点我")'
    case.student.save()
    _rows, sheet = table(export(signed_in(world[Role.SCHOOL_OFFICER]), "suspected"))
    names = [row[6] for row in sheet.iter_rows(min_row=3)]
    cell = next(cell for cell in names if str(cell.value).startswith("="))
    assert cell.data_type == "s"


def test_the_childrens_register_gives_the_state_at_the_periods_end(world, cases):
    # Given a dismissal today, and a period that ended before it
    client = signed_in(world[Role.SCHOOL_OFFICER])
    yesterday = clock.today() - datetime.timedelta(days=1)
    before = {"start": (yesterday - datetime.timedelta(days=30)).isoformat()}
    # ... the cases were all opened today: seen from yesterday, nobody was a suspected dropout
    rows, _sheet = table(export(client, "children", **before, end=yesterday.isoformat()))
    assert {row[13] for row in rows[2:]} == {"在校"}
    # ... while at today's end the confirmed case reads as a dropout
    rows, _sheet = table(export(client, "children"))
    assert {row[6]: row[13] for row in rows[2:]}["已确认"] == "辍学"
