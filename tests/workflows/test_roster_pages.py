"""The roster import pages: upload, preview with refused rows, the refused rows downloaded with
their reasons, commit of the clean rows, the students left off the roll listed to settle."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from cases.models import ImportStatus, Role, RosterImport, Student

from .test_roster_import import HEADER, csv_bytes, person

UPLOAD = reverse("work:roster:index")


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def upload(client, data: bytes, name="名册.csv"):
    return client.post(UPLOAD, {"file": SimpleUploadedFile(name, data), "encoding": ""})


@pytest.fixture
def officer(world):
    return world[Role.SCHOOL_OFFICER]


def test_only_school_officers_townships_and_county_supervisors_import(world):
    for role in Role:
        status = signed_in(world[role]).get(UPLOAD).status_code
        allowed = role in (Role.SCHOOL_OFFICER, Role.TOWNSHIP_OFFICIAL, Role.COUNTY_SUPERVISOR)
        assert status == (200 if allowed else 403), role


def test_upload_preview_download_refused_then_commit_clean_rows(world, officer):
    client = signed_in(officer)
    rows = [person(world, "王小明"), person(world, "李小红", 身份证件号="3.40422E+17")]

    # When the officer uploads a GBK file with one good and one mangled row
    response = upload(client, csv_bytes(rows))

    # Then they see the preview: one new, one refused with its row, column and reason
    roster_import = RosterImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("work:roster_preview", args=[roster_import.pk])
    page = client.get(response["Location"]).content.decode()
    assert 'data-count="new">1<' in page
    assert 'data-count="refused" class="kc-overdue">1<' in page
    assert 'data-refused-row="4"' in page  # title row, header, 王小明, then 李小红
    assert not Student.objects.exists()

    # When they download the refused rows
    download = client.get(reverse("work:roster_refused", args=[roster_import.pk]))

    # Then it is the row as it was, with the reason in a last column
    sheet = openpyxl.load_workbook(io.BytesIO(download.content)).active
    table = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert table[0][: len(HEADER)] == HEADER
    assert table[1][1] == "李小红"
    assert "Excel" in table[1][-1]

    # When they import the clean rows
    response = client.post(
        reverse("work:roster_preview", args=[roster_import.pk]), {"action": "clean"}
    )

    # Then the clean row is on the roll and the import is done
    assert response.status_code == 302
    assert list(Student.objects.values_list("name", flat=True)) == ["王小明"]
    roster_import.refresh_from_db()
    assert roster_import.status == ImportStatus.COMMITTED


def test_all_or_nothing_refused_keeps_the_page_and_says_why(world, officer):
    client = signed_in(officer)
    upload(client, csv_bytes([person(world, "王小明"), person(world, "李小红", 性别="?")]))
    roster_import = RosterImport.objects.get()
    response = client.post(
        reverse("work:roster_preview", args=[roster_import.pk]), {"action": "all"}
    )
    assert response.status_code == 409
    assert "vf-form__error" in response.content.decode()
    assert not Student.objects.exists()


def test_a_file_that_cannot_be_read_is_refused_on_the_form(world, officer):
    response = upload(signed_in(officer), b"", name="empty.csv")
    assert response.status_code == 422
    assert not RosterImport.objects.exists()


def test_another_persons_import_is_not_found(world, officer):
    upload(signed_in(officer), csv_bytes([person(world, "王小明")]))
    roster_import = RosterImport.objects.get()
    supervisor = signed_in(world[Role.COUNTY_SUPERVISOR])
    for name in ("work:roster_preview", "work:roster_refused"):
        assert supervisor.get(reverse(name, args=[roster_import.pk])).status_code == 404


def test_after_the_commit_the_students_left_off_are_listed_to_settle(world, officer):
    client = signed_in(officer)
    staying, leaving = person(world, "王小明"), person(world, "李小红")
    upload(client, csv_bytes([staying, leaving]))
    first = RosterImport.objects.get()
    client.post(reverse("work:roster_preview", args=[first.pk]), {"action": "all"})

    upload(client, csv_bytes([staying]))
    second = RosterImport.objects.latest("pk")
    client.post(reverse("work:roster_preview", args=[second.pk]), {"action": "all"})

    page = client.get(reverse("work:roster_preview", args=[second.pk])).content.decode()
    student = Student.objects.get(name="李小红")
    assert "李小红" in page
    assert reverse("work:case_open", args=[student.pk]) in page


def test_a_student_left_off_is_settled_as_a_transfer_or_by_a_case(world, officer):
    from cases.models import RosterDeparture, Settlement
    from workflows import services

    client = signed_in(officer)
    staying, moved, missing = (person(world, n) for n in ("王小明", "李小红", "赵小刚"))
    upload(client, csv_bytes([staying, moved, missing]))
    client.post(
        reverse("work:roster_preview", args=[RosterImport.objects.get().pk]), {"action": "all"}
    )
    upload(client, csv_bytes([staying]))
    second = RosterImport.objects.latest("pk")
    page = reverse("work:roster_preview", args=[second.pk])
    client.post(page, {"action": "all"})
    moved_away = RosterDeparture.objects.get(student__name="李小红")

    # A transfer needs the receiving school
    refused = client.post(page, {"action": "transferred", "departure": moved_away.pk})
    assert refused.status_code == 422
    client.post(
        page,
        {"action": "transferred", "departure": moved_away.pk, "receiving_school": "县实验小学"},
    )
    moved_away.refresh_from_db()
    assert (moved_away.settlement, moved_away.receiving_school, moved_away.settled_by) == (
        Settlement.TRANSFERRED,
        "县实验小学",
        officer,
    )

    # A case opened for the other settles theirs
    services.case_open(student=Student.objects.get(name="赵小刚"), by=world[Role.HOMEROOM_TEACHER])
    assert RosterDeparture.objects.get(student__name="赵小刚").settlement == Settlement.CASE_OPENED


def test_a_student_back_on_a_later_roll_is_settled(world, officer):
    from cases.models import RosterDeparture, Settlement

    client = signed_in(officer)
    rows = [person(world, "王小明"), person(world, "李小红")]
    for roll in (rows, rows[:1], rows):
        upload(client, csv_bytes(roll))
        latest = RosterImport.objects.latest("pk")
        client.post(reverse("work:roster_preview", args=[latest.pk]), {"action": "all"})
    departure = RosterDeparture.objects.get()
    assert departure.settlement == Settlement.BACK_ON_ROLL
