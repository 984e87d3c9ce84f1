"""The monthly report: its register counts for a month from the events, frozen when signed
(later changes leave the signed content and its files alone), corrections as new versions."""

import datetime
import io

import openpyxl
import pypdf
import pytest
from django.urls import reverse

from cases import clock
from cases.models import Enrolment, MonthlyReport, Role
from workflows.errors import GuardFailed
from workflows.figures import monthly, report_files

from .test_figures import build_year, confirmed

MARCH = datetime.date(2026, 3, 1)


def test_the_months_register_counts_come_from_the_events(world):
    build_year(world)
    content = monthly.compose(world.county, MARCH)
    registers = content["registers"]
    # March: C opened and confirmed on the 2nd and visited on the 12th; D opened and confirmed
    # on the 20th (closed only in April)
    assert (registers["opened"], registers["confirmed"], registers["contacts"]) == (2, 2, 1)
    assert (registers["returned"], registers["closed"]) == (0, 0)
    # out of school on 31 March: E (since June 2025), A, C and D
    assert registers["out_at_end"] == 4
    primary = content["bands"]["primary"]
    assert primary["enrolment"] == 390
    assert content["as_of"] == "2026-03-31"


def test_a_signed_report_does_not_change_and_a_correction_needs_a_reason(world):
    build_year(world)
    supervisor = world[Role.COUNTY_SUPERVISOR]
    month = datetime.date(2026, 7, 1)
    with clock.frozen(datetime.datetime(2026, 7, 10, 8, tzinfo=clock.TZ)):
        signed = monthly.sign(world.county, month, by=supervisor)
    before = signed.content["registers"]["opened"]
    confirmed(world, datetime.datetime(2026, 7, 10, 9, tzinfo=clock.TZ))  # a case opened since
    with clock.frozen(datetime.datetime(2026, 7, 10, 16, tzinfo=clock.TZ)):
        assert monthly.compose(world.county, month)["registers"]["opened"] == before + 1
        signed.refresh_from_db()
        assert signed.content["registers"]["opened"] == before
        with pytest.raises(GuardFailed):
            monthly.sign(world.county, month, by=supervisor)
        corrected = monthly.sign(world.county, month, by=supervisor, reason="补录当日新案件")
    assert (corrected.version, corrected.content["registers"]["opened"]) == (2, before + 1)
    # the first version's files still say what was signed
    sheet = openpyxl.load_workbook(io.BytesIO(report_files.xlsx(signed))).active
    values = {row[1]: row[2] for row in sheet.iter_rows(min_row=3, values_only=True)}
    assert values["上报疑似辍学"] == str(before)
    text = "".join(
        page.extract_text() for page in pypdf.PdfReader(io.BytesIO(report_files.pdf(signed))).pages
    )
    assert "第1版" in text


def test_a_supervisor_signs_on_the_page_and_others_may_only_read(client, world):
    build_year(world)
    url = reverse("work:monthly:index")
    query = {"unit": world.county.pk, "month": "2026-03"}
    client.force_login(world[Role.SCHOOL_OFFICER])
    assert client.get(url).status_code == 200
    assert client.post(url, {"unit": world.school.pk, "month": "2026-03"}).status_code == 403
    client.force_login(world[Role.COUNTY_SUPERVISOR])
    response = client.post(url, query)
    assert response.status_code == 302
    report = MonthlyReport.objects.get()
    again = client.post(url, query)  # signed already: the reason is asked for
    assert again.status_code == 422
    assert "更正" in again.content.decode()
    for fmt in ("xlsx", "pdf"):
        download = client.get(reverse("work:monthly_file", args=[report.pk, fmt]))
        assert download.status_code == 200
    client.force_login(world[Role.HOMEROOM_TEACHER])
    assert client.get(reverse("work:monthly_file", args=[report.pk, "pdf"])).status_code == 404


def test_a_report_outside_the_readers_units_is_not_found(client, world, elsewhere):
    build_year(world)
    report = monthly.sign(world.county, MARCH, by=world[Role.COUNTY_SUPERVISOR])
    client.force_login(elsewhere[Role.COUNTY_SUPERVISOR])
    assert client.get(reverse("work:monthly_file", args=[report.pk, "xlsx"])).status_code == 404


def test_a_correction_of_a_past_month_takes_a_count_fixed_since(world):
    build_year(world)
    supervisor = world[Role.COUNTY_SUPERVISOR]
    with clock.frozen(datetime.datetime(2026, 4, 2, 10, tzinfo=clock.TZ)):
        first = monthly.sign(world.county, MARCH, by=supervisor)
    row = Enrolment.objects.get(school=world.school, grade_level=5, school_year=2025)
    with clock.frozen(datetime.datetime(2026, 4, 3, 10, tzinfo=clock.TZ)):
        row.count = 150
        row.save()
    with clock.frozen(datetime.datetime(2026, 4, 4, 10, tzinfo=clock.TZ)):
        second = monthly.sign(world.county, MARCH, by=supervisor, reason="五年级人数更正")
    assert first.content["bands"]["primary"]["enrolment"] == 390
    assert second.content["bands"]["primary"]["enrolment"] == 340
