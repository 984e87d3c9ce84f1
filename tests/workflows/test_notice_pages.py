"""The documents on the case page: the list with each document's status, the notice and
service forms (what the user typed kept on a refusal), the downloads and their access log, and
receipt photos saved without the place they were taken."""

import datetime
import io

import PIL.Image
import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import clock
from cases.models import AccessAction, AccessLog, Document, DocumentKind, Role, Stage, Step
from workflows import services
from workflows.notices import issuing, pdf

from .. import factories
from ..builders import case_in_stage

GPS_TAG = 0x8825  # EXIF's GPS information


@pytest.fixture(autouse=True)
def _receipts_in_tmp(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "receipts": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "receipts")},
        },
    }


def ordered(world):
    case = case_in_stage(world, Stage.TOWNSHIP_PERSUASION)
    guardian = factories.GuardianFactory(student=case.student, name="王大山")
    return services.case_order_enforcement(
        case=case, by=world[Role.TOWNSHIP_OFFICIAL], days=10, guardian=guardian
    )


def photo_with_location() -> bytes:
    image = PIL.Image.new("RGB", (40, 30), "white")
    exif = PIL.Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif.get_ifd(GPS_TAG)[2] = (32.0, 30.0, 0.0)  # GPSLatitude
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def case_page(client, case) -> str:
    return client.get(reverse("work:case_detail", args=[case.pk])).content.decode()


def test_the_case_page_lists_each_document_with_its_status(client, world):
    case = ordered(world)
    client.force_login(world[Role.TOWNSHIP_OFFICIAL])
    page = case_page(client, case)
    order = case.documents.get(kind=DocumentKind.ORDER)
    assert order.number in page
    assert 'data-status="issued"' in page
    assert reverse("work:document_serve", args=[case.pk, order.pk]) in page
    assert 'id="kc-order"' in page  # the order waits for its service


def test_the_case_pages_queries_do_not_grow_with_its_documents(client, world):
    case = ordered(world)
    client.force_login(world[Role.TOWNSHIP_OFFICIAL])
    case_page(client, case)
    with CaptureQueriesContext(connection) as few:
        case_page(client, case)
    officer = world[Role.SCHOOL_OFFICER]
    for _ in range(3):
        issuing.issue(case, by=officer, kind=DocumentKind.DROPOUT_REPORT)
    with CaptureQueriesContext(connection) as many:
        case_page(client, case)
    assert len(many) == len(few)


def test_recording_service_with_a_photo_strips_its_location(client, world):
    case = ordered(world)
    order = case.documents.get(kind=DocumentKind.ORDER)
    official = world[Role.TOWNSHIP_OFFICIAL]
    client.force_login(official)
    url = reverse("work:document_serve", args=[case.pk, order.pk])
    assert client.get(url).status_code == 200
    taken = photo_with_location()
    with PIL.Image.open(io.BytesIO(taken)) as original:
        assert GPS_TAG in original.getexif()  # the photo as a phone takes it
    response = client.post(
        url,
        {
            "method": "direct",
            "served_on": clock.today().isoformat(),
            "served_by": official.pk,
            "received_by": "王大山",
            "receipt": SimpleUploadedFile("回证.jpg", taken, "image/jpeg"),
        },
    )
    assert response.status_code == 302
    service = Document.objects.get(pk=order.pk).service
    with service.receipt.open("rb") as stored, PIL.Image.open(stored) as image:
        exif = image.getexif()
        assert GPS_TAG not in exif
        assert 0x010F not in exif
    receipt = client.get(reverse("work:service_receipt", args=[case.pk, order.pk]))
    assert receipt.status_code == 200
    assert receipt["Content-Type"] == "image/jpeg"
    logged = AccessLog.objects.filter(user=official, action=AccessAction.DOWNLOAD)
    assert logged.filter(reason=f"送达回证 {order.number}").exists()
    case.refresh_from_db()
    assert case.order_served_on == clock.today()


def test_a_refused_service_keeps_what_was_typed(client, world):
    case = ordered(world)
    order = case.documents.get(kind=DocumentKind.ORDER)
    client.force_login(world[Role.TOWNSHIP_OFFICIAL])
    response = client.post(
        reverse("work:document_serve", args=[case.pk, order.pk]),
        {
            "method": "left",
            "served_on": clock.today().isoformat(),
            "served_by": world[Role.TOWNSHIP_OFFICIAL].pk,
            "refusal": "家长拒绝签收并关门",
        },
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "家长拒绝签收并关门" in page
    assert "留置送达" in page  # the method's name in the error: the witness is required
    assert not hasattr(Document.objects.get(pk=order.pk), "service")


def test_a_notice_is_issued_from_its_page(client, world):
    case = case_in_stage(world, Stage.HOME_VISIT)
    guardian = factories.GuardianFactory(student=case.student, name="李梅")
    client.force_login(world[Role.SCHOOL_OFFICER])
    url = reverse("work:notice_issue", args=[case.pk])
    assert reverse("work:notice_issue", args=[case.pk]) in case_page(client, case)
    too_late = clock.today() + datetime.timedelta(days=40)
    refused = client.post(url, {"guardian": guardian.pk, "return_by": too_late.isoformat()})
    assert refused.status_code == 422
    assert "30 天以内" in refused.content.decode()
    assert not Document.objects.exists()
    return_by = clock.today() + datetime.timedelta(days=3)
    response = client.post(url, {"guardian": guardian.pk, "return_by": return_by.isoformat()})
    assert response.status_code == 302
    notice = Document.objects.get()
    assert (notice.kind, notice.guardian) == (DocumentKind.RETURN_NOTICE, guardian)
    assert case.events.latest("id").step == Step.ISSUE_DOCUMENT


def test_each_download_is_in_the_access_log(client, world):
    case = ordered(world)
    order = case.documents.get(kind=DocumentKind.ORDER)
    teacher = world[Role.HOMEROOM_TEACHER]
    client.force_login(teacher)
    response = client.get(reverse("work:document_pdf", args=[case.pk, order.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    chronology = client.get(reverse("work:case_chronology", args=[case.pk]))
    assert chronology.content.startswith(b"%PDF")
    reasons = set(
        AccessLog.objects.filter(user=teacher, action=AccessAction.DOWNLOAD).values_list(
            "reason", flat=True
        )
    )
    assert reasons == {order.number, "案件时序"}


def test_full_numbers_in_the_chronology_need_the_right_and_a_reason(client, world):
    case = ordered(world)
    url = reverse("work:case_chronology", args=[case.pk])
    client.force_login(world[Role.SCHOOL_OFFICER])
    assert client.post(url, {"reason": "法院调取材料"}).status_code == 403
    unmasker = factories.UserFactory(username="unmasker")
    factories.StaffRoleFactory(user=unmasker, role=Role.SCHOOL_OFFICER, unit=world.school)
    unmasker.user_permissions.add(Permission.objects.get(codename="view_identity"))
    client.force_login(unmasker)
    assert client.post(url, {"reason": ""}).status_code == 302  # back to the case, with why
    response = client.post(url, {"reason": "法院调取材料"})
    assert response.content.startswith(b"%PDF")
    assert AccessLog.objects.filter(
        user=unmasker, action=AccessAction.UNMASK, reason="法院调取材料"
    ).exists()


def test_someone_outside_the_reach_finds_nothing(client, world, elsewhere):
    case = ordered(world)
    order = case.documents.get(kind=DocumentKind.ORDER)
    client.force_login(elsewhere[Role.TOWNSHIP_OFFICIAL])
    for name in ("work:document_pdf", "work:document_serve", "work:document_correct"):
        assert client.get(reverse(name, args=[case.pk, order.pk])).status_code == 404
    assert client.get(reverse("work:case_chronology", args=[case.pk])).status_code == 404
    assert not AccessLog.objects.filter(action=AccessAction.DOWNLOAD).exists()


def test_a_server_without_pango_says_so(client, world, monkeypatch):
    case = ordered(world)
    order = case.documents.get(kind=DocumentKind.ORDER)

    def unavailable(html):
        raise pdf.PdfUnavailable("libpango-1.0-0: cannot open shared object file")

    monkeypatch.setattr(pdf, "to_pdf", unavailable)
    client.force_login(world[Role.TOWNSHIP_OFFICIAL])
    response = client.get(reverse("work:document_pdf", args=[case.pk, order.pk]))
    assert response.status_code == 503
    assert "fonts-noto-cjk" in response.content.decode()
    assert "服务器" in response.content.decode()
