"""The notices and the case chronology as PDF: issued through the services, rendered, and read
back with pypdf. What an official serves must say what was issued (number, title, addressee,
text), mask the registry number unless the reader may see it, carry its proof of service, and
print every character in an embedded Noto CJK font (no tofu, no font the printer lacks)."""

import datetime
import functools
import io
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from fontTools.ttLib import TTCollection, TTFont
from pypdf import PdfReader

from cases import clock
from cases.masking import mask_id_number, mask_phone, mask_student_no
from cases.models import ContactKind, Document, DocumentKind, Role, ServiceMethod, Stage
from workflows import services
from workflows.notices import chronology, issuing, pdf, serving

from .. import factories
from ..builders import case_in_stage

TZ = clock.TZ
FONTS = Path("/usr/share/fonts/opentype/noto")  # Debian's fonts-noto-cjk
ISSUED = datetime.datetime(2026, 12, 1, 10, tzinfo=TZ)
RECEIPT_FIELDS = (
    "送达回证",
    "沿此线剪下",
    "送达机关",
    "文书名称及文号",
    "受送达人",
    "送达地点",
    "送达方式",
    "受送达人签名（盖章）",
    "签收日期",
    "代收人签名",
    "与受送达人关系",
    "送达人签名",
    "拒收事由（留置送达）",
    "见证人签名（留置送达）",
    "留置日期",
)


# Reading a PDF back -------------------------------------------------------------------------


def flat(text: str) -> str:
    """Text without whitespace: pypdf breaks lines where the layout wrapped them."""
    return "".join(text.split())


def fonts_in(resources):
    """Every font a page or one of its form XObjects uses."""
    resources = resources.get_object() if resources is not None else {}
    for font in (resources.get("/Font") or {}).values():
        yield font.get_object()
    for xobject in (resources.get("/XObject") or {}).values():
        xobject = xobject.get_object()
        if xobject.get("/Subtype") == "/Form":
            yield from fonts_in(xobject.get("/Resources"))


def font_program(font) -> bytes:
    """The embedded font file of a font, or of its descendant (CID) font."""
    for candidate in [font, *(d.get_object() for d in font.get("/DescendantFonts", []))]:
        descriptor = candidate.get("/FontDescriptor")
        if descriptor is None:
            continue
        descriptor = descriptor.get_object()
        for key in ("/FontFile", "/FontFile2", "/FontFile3"):
            if key in descriptor:
                return descriptor[key].get_object().get_data()
    raise AssertionError(f"font {font.get('/BaseFont')} is not embedded")


@functools.cache
def system_cmap(base_font: str) -> dict[int, str]:
    """The character map of the installed face a PDF font names (`ABCDEF+Noto-Serif-CJK-SC-Bold`:
    Noto Serif CJK SC, bold, in NotoSerifCJK-Bold.ttc)."""
    name = base_font.lstrip("/").split("+", 1)[-1]
    weight = "Bold" if name.endswith("-Bold") else "Regular"
    family = " ".join(name.removesuffix("-Bold").split("-"))  # Noto Serif CJK SC
    path = FONTS / f"{family.rsplit(' ', 1)[0].replace(' ', '')}-{weight}.ttc"
    faces = TTCollection(path, lazy=True).fonts
    (face,) = [face for face in faces if face["name"].getDebugName(1) == family]
    return face.getBestCmap()


def read(data: bytes) -> str:
    """The PDF's text, after checking its fonts: each is embedded and a Noto CJK face, and has a
    glyph for every character printed in it. The face installed is asked, not the embedded
    subset: the layout prints some characters with a glyph their Chinese form substitutes (the
    em dash), which the subset maps from another code point."""
    reader = PdfReader(io.BytesIO(data))
    printed: dict[str, set[str]] = {}

    def visit(text, _cm, _tm, font, _size):
        if font is not None and text.strip():
            printed.setdefault(str(font["/BaseFont"]), set()).update(flat(text))

    text = "\n".join(page.extract_text(visitor_text=visit) for page in reader.pages)
    embedded = set()
    for page in reader.pages:
        for font in fonts_in(page.get("/Resources")):
            name = str(font["/BaseFont"])
            assert "+Noto-" in name, name
            assert "-CJK-" in name, name
            program = TTFont(io.BytesIO(font_program(font)))
            assert program["name"].getDebugName(1).startswith("Noto"), name
            embedded.add(name)
    assert printed, "no text was printed"
    for name, characters in printed.items():
        assert name in embedded, name
        covered = system_cmap(name)
        missing = {c for c in characters if ord(c) not in covered}
        assert not missing, f"{name} has no glyph for {sorted(missing)}"
    return flat(text)


def body_sentences(document: Document) -> list[str]:
    """The document's paragraphs as printed (the salutation is the addressee line)."""
    return [flat(p) for p in document.body.split("\n") if p.strip()]


# Building documents through the services ----------------------------------------------------


def escalated(world) -> Document:
    with clock.frozen(ISSUED):
        case = case_in_stage(world, Stage.HOME_VISIT)
        services.case_escalate(case=case, by=world[Role.HOMEROOM_TEACHER])
    return Document.objects.get(case=case, kind=DocumentKind.DROPOUT_REPORT)


def with_guardian(case, name="王大山"):
    return factories.GuardianFactory(student=case.student, name=name)


def ordered(world) -> Document:
    case = case_in_stage(world, Stage.TOWNSHIP_PERSUASION)
    guardian = with_guardian(case)
    with clock.frozen(ISSUED):
        services.case_order_enforcement(
            case=case, by=world[Role.TOWNSHIP_OFFICIAL], days=10, guardian=guardian
        )
    return Document.objects.get(case=case, kind=DocumentKind.ORDER)


def noticed(world, *, stage=Stage.HOME_VISIT, by=Role.SCHOOL_OFFICER) -> Document:
    case = case_in_stage(world, stage)
    guardian = with_guardian(case)
    with clock.frozen(ISSUED):
        return issuing.notice_issue(
            case=case, by=world[by], return_by=datetime.date(2026, 12, 8), guardian=guardian
        )


# The documents ------------------------------------------------------------------------------


def test_the_dropout_report_states_the_case_to_the_township_and_county(world):
    report = escalated(world)

    text = read(pdf.render(report))

    assert report.number == "w小学〔2026〕1号"
    assert report.number in text
    assert report.wording.title == "辍学报告单"
    assert "w小学" + report.number in text  # 版头, then the number under it
    assert "w镇人民政府、w县教育行政部门：" in text
    for sentence in body_sentences(report):
        assert sentence in text
    assert "签发人：" + report.signer in text
    assert "（盖章）w小学2026年12月1日" in text
    assert f"文本版本v{report.wording.version}{report.number}" in text
    student_no = report.case.student.student_no
    assert mask_student_no(student_no) in text
    assert student_no not in text
    assert "送达回证" not in text  # the report goes to offices, not to a guardian


def test_full_numbers_print_the_registry_number_unmasked(world):
    report = escalated(world)

    text = read(pdf.render(report, full_numbers=True))

    assert report.case.student.student_no in text


def test_the_return_notice_carries_a_blank_receipt(world):
    notice = noticed(world)

    text = read(pdf.render(notice))

    assert "辍学生返校通知书" in text
    assert notice.number in text
    assert "王大山：" in text
    for sentence in body_sentences(notice)[1:]:
        assert sentence in text
    assert "请于2026年12月8日前送其返校就读" in text
    assert "《中华人民共和国义务教育法》第五条、第十一条" in text
    assert mask_student_no(notice.case.student.student_no) in text
    assert notice.case.student.student_no not in text
    for field in RECEIPT_FIELDS:
        assert field in text
    for method in ("直接送达", "留置送达", "邮寄送达", "委托送达", "公告送达"):
        assert pdf.BOX + method in text
    assert pdf.TICKED not in text
    assert f"辍学生返校通知书（{notice.number}）" in text  # the receipt names what it serves


def test_the_order_comes_from_the_township_and_its_receipt_fills_in_once_served(world):
    order = ordered(world)
    official = world[Role.TOWNSHIP_OFFICIAL]

    unserved = read(pdf.render(order))

    assert order.number == "w镇〔2026〕1号"
    assert "w镇人民政府" + order.number in unserved
    assert "责令限期复学通知书" in unserved
    assert "王大山：" in unserved
    for sentence in body_sentences(order)[1:]:
        assert sentence in unserved
    assert "现责令你自接到本通知书之日起10日内送其到w小学复学" in unserved
    assert "（盖章）w镇人民政府2026年12月1日" in unserved
    assert pdf.TICKED not in unserved

    with clock.frozen(ISSUED + datetime.timedelta(hours=3)):
        serving.service_record(
            document=order,
            by=official,
            method=ServiceMethod.LEFT,
            served_on=ISSUED.date(),
            place="学生家中",
            refusal="监护人拒绝签收",
            witness="村委会李四",
        )
    served = read(pdf.render(order))

    assert pdf.TICKED + "留置送达" in served
    assert pdf.BOX + "直接送达" in served
    assert "送达地点学生家中" in served
    assert "监护人拒绝签收" in served
    assert "村委会李四留置日期：2026年12月1日" in served
    assert "送达人签名" + official.get_full_name() in served
    assert "本回证据2026-12-0113:00登记的送达记录填写" in served


def test_a_receipt_signed_on_the_guardians_behalf_names_who_signed(world):
    order = ordered(world)
    with clock.frozen(ISSUED):
        serving.service_record(
            document=order,
            by=world[Role.TOWNSHIP_OFFICIAL],
            method=ServiceMethod.DIRECT,
            served_on=ISSUED.date(),
            received_by="王老汉",
            relation="祖父",
        )

    text = read(pdf.render(order))

    assert pdf.TICKED + "直接送达" in text
    assert "代收人签名王老汉与受送达人关系祖父" in text
    assert "签收日期：2026年12月1日" in text


def test_a_voided_notice_says_so_and_names_its_correction(world):
    notice = noticed(world, stage=Stage.TOWNSHIP_PERSUASION, by=Role.TOWNSHIP_OFFICIAL)
    with clock.frozen(ISSUED + datetime.timedelta(hours=1)):
        correction = issuing.document_correct(
            document=notice,
            by=world[Role.TOWNSHIP_OFFICIAL],
            reason="返校日期写错",
            guardian=notice.guardian,
            return_by=datetime.date(2026, 12, 9),
        )

    voided = read(pdf.render(notice))
    corrected = read(pdf.render(correction))

    assert "已作废" in voided
    assert f"本文书已由{correction.number}更正替代（更正原因：返校日期写错）" in voided
    assert "送达回证" not in voided  # a voided notice is not served
    assert "已作废" not in corrected
    assert f"本文书更正并替代{notice.number}，更正原因：返校日期写错" in corrected
    assert "请于2026年12月9日前送其返校就读" in corrected
    assert "送达回证" in corrected


def test_text_is_escaped_not_read_as_markup(world):
    case = case_in_stage(world, Stage.TOWNSHIP_PERSUASION)
    guardian = with_guardian(case, name="<b>王</b>&amp;")
    with clock.frozen(ISSUED):
        notice = issuing.notice_issue(
            case=case,
            by=world[Role.TOWNSHIP_OFFICIAL],
            return_by=datetime.date(2026, 12, 8),
            guardian=guardian,
        )

    text = read(pdf.render(notice))

    assert "<b>王</b>&amp;：" in text


# The chronology -----------------------------------------------------------------------------


START = datetime.datetime(2026, 11, 2, 8, 30, tzinfo=TZ)


def at(days: int, hours: int = 0) -> datetime.datetime:
    return START + datetime.timedelta(days=days, hours=hours)


def journey(world):
    """A case opened, visited, escalated, noticed, ordered, and both notices served."""
    teacher, officer = world[Role.HOMEROOM_TEACHER], world[Role.SCHOOL_OFFICER]
    township, cadre = world[Role.TOWNSHIP_OFFICIAL], world[Role.VILLAGE_CADRE]
    student = world.student()
    guardian = factories.GuardianFactory(student=student, name="王大山", phone="13812345678")
    with clock.frozen(at(0)):
        case = services.case_open(student=student, by=teacher, last_seen_on=START.date())
    with clock.frozen(at(0, 3)):
        case = services.case_report(case=case, by=teacher, reasons=["work"], whereabouts="在外打工")
    with clock.frozen(at(1)):
        case = services.case_start_home_visit(case=case, by=officer, note="已报乡镇和教体局")
    with clock.frozen(at(2)):
        services.contact_record(
            case=case,
            by=teacher,
            kind=ContactKind.HOME_VISIT,
            occurred_on=at(2).date(),
            place="学生家中",
            participants=[world[Role.SUBJECT_TEACHER]],
            guardian_attitude="opposed",
            result="家长不同意返校",
        )
    with clock.frozen(at(8)):
        case = services.case_escalate(case=case, by=teacher, note="家访未果")
    with clock.frozen(at(9)):
        notice = issuing.notice_issue(
            case=case, by=township, return_by=at(15).date(), guardian=guardian
        )
    with clock.frozen(at(10)):
        serving.service_record(
            document=notice,
            by=township,
            method=ServiceMethod.DIRECT,
            served_on=at(9).date(),
            received_by="王大山",
        )
        services.contact_record(
            case=case,
            by=township,
            kind=ContactKind.JOINT_VISIT,
            occurred_on=at(10).date(),
            participants=[cadre],
            guardian_attitude="hesitant",
            result="监护人答应考虑",
        )
    case.refresh_from_db()
    with clock.frozen(at(12)):
        services.case_order_enforcement(case=case, by=township, days=7, guardian=guardian)
    order = Document.objects.get(case=case, kind=DocumentKind.ORDER)
    with clock.frozen(at(12, 4)):
        serving.service_record(
            document=order,
            by=township,
            method=ServiceMethod.DIRECT,
            served_on=at(12).date(),
            received_by="王大山",
        )
    case.refresh_from_db()
    return case, guardian


def test_the_chronology_tells_the_case_in_order_and_checks_its_chain(world):
    case, guardian = journey(world)
    report, notice, order = case.documents.order_by("id")

    with clock.frozen(at(20)):
        text = read(chronology.render(case))

    assert f"案件{case.pk}w县w小学w镇" in text
    in_order = [
        "2026-11-0208:30流程立案",
        "2026-11-0211:30流程上报学校",
        "确认并开始家访",
        "2026-11-0408:30联系家访（家访劝返）",
        "家长不同意返校",
        "2026-11-1008:30流程上报乡镇劝返",
        f"文书辍学报告单{report.number}",
        f"文书辍学生返校通知书{notice.number}",
        # served on the 11th, recorded on the 12th: at the end of its day, saying so
        f"2026-11-11送达送达辍学生返校通知书{notice.number}",
        "（2026-11-1208:30登记）",
        "联系与乡镇或村联合家访",
        "监护人答应考虑",
        "2026-11-1408:30流程责令限期复学",
        f"文书责令限期复学通知书{order.number}",
        "限期：自送达之日起7日内复学",
        f"送达责令限期复学通知书{order.number}",
        "方式：直接送达；送达日期：2026-11-14",
        "复学期限届满日：2026-11-23",
    ]
    positions = [text.find(part) for part in in_order]
    assert -1 not in positions, [p for p, i in zip(in_order, positions, strict=True) if i < 0]
    assert positions == sorted(positions)
    events = case.events.count()
    assert f"审计链校验：完整（共{events}条事件、2条联系记录、3份文书）" in text
    assert "生成时间：2026-11-2208:30" in text
    student = case.student
    assert mask_student_no(student.student_no) in text
    assert mask_id_number(student.id_number) in text
    assert "王大山母亲" + mask_phone(guardian.phone) in text
    for number in (student.student_no, student.id_number, guardian.phone):
        assert number not in text

    full = read(chronology.render(case, full_numbers=True))

    for number in (student.student_no, student.id_number, guardian.phone):
        assert number in full


def test_a_document_edited_in_the_database_breaks_the_chronologys_check(world):
    case, _ = journey(world)
    order = case.documents.get(kind=DocumentKind.ORDER)
    Document.objects.filter(pk=order.pk).update(body="x")

    text = read(chronology.render(case))

    assert "审计链校验：发现异常" in text
    assert "完整（共" not in text
    assert f"文书{order.number}或其送达回证的记录与签发时的校验值不符" in text


@pytest.mark.parametrize("render", [chronology.render, pdf.render], ids=["chronology", "notice"])
def test_queries_do_not_grow_with_the_rows(world, render):
    case = case_in_stage(world, Stage.TOWNSHIP_PERSUASION)
    guardian = with_guardian(case)
    official = world[Role.TOWNSHIP_OFFICIAL]

    with clock.frozen(ISSUED):
        notice = issuing.notice_issue(
            case=case, by=official, return_by=datetime.date(2026, 12, 8), guardian=guardian
        )
    target = case if render is chronology.render else notice

    def counted():
        with CaptureQueriesContext(connection) as queries:
            render(target)
        return len(queries)

    few = counted()
    with clock.frozen(ISSUED):
        serving.service_record(
            document=notice,
            by=official,
            method=ServiceMethod.DIRECT,
            served_on=ISSUED.date(),
            received_by="王大山",
        )
        for _ in range(3):
            services.contact_record(
                case=case,
                by=official,
                kind=ContactKind.PHONE,
                occurred_on=ISSUED.date(),
                guardian_attitude="hesitant",
                result="电话督促",
                participants=[world[Role.VILLAGE_CADRE]],
            )
        case.refresh_from_db()
        services.case_order_enforcement(case=case, by=official, days=10, guardian=guardian)

    assert counted() == few
