"""A document as the PDF that is printed, sealed and served: an A4 page laid out as GB/T 9704-2012
has it (approximately: 版头 in red, 发文字号 under it, the title, 主送, the text, the signature
block with the date in Chinese, and a footer with the wording's version), and for the notices
served on a guardian a tear-off 送达回证 (proof of service), blank for the server to fill in by
hand, or filled from the service already recorded. A voided document prints as void, with the
number of the correction that replaced it.

Everything printed is Chinese: these are legal documents, not pages of the application, so the
names below are the documents' own and are not translated. The registry number is read from the
student when the PDF is made and is masked unless the caller says the reader may see it; it is
never stored with the document.
"""

import dataclasses
import datetime
from pathlib import Path

from django.template.loader import render_to_string

from cases import clock
from cases.masking import mask_student_no
from cases.models import Document, DocumentKind, ServiceMethod, UnitKind
from cases.staff import name_of

from .facts import chinese_date

TEMPLATES = "workflows/notices"
# Relative URLs (none are used) resolve inside the templates, never elsewhere on the server.
BASE_URL = str(Path(__file__).resolve().parent.parent / "templates" / TEMPLATES)

# The documents' names as printed (the kind's label is an English UI string).
KIND_NAMES = {
    DocumentKind.DROPOUT_REPORT: "辍学报告单",
    DocumentKind.RETURN_NOTICE: "辍学生返校通知书",
    DocumentKind.ORDER: "责令限期复学通知书",
}
# The boxes of a 送达回证, in the order printed.
METHOD_NAMES = {
    ServiceMethod.DIRECT: "直接送达",
    ServiceMethod.LEFT: "留置送达",
    ServiceMethod.POST: "邮寄送达",
    ServiceMethod.ENTRUSTED: "委托送达",
    ServiceMethod.PUBLIC: "公告送达",
}
# Noto Serif CJK has no ☐ (U+2610): a font without it would print a box of its own, or tofu.
BOX, TICKED = "□", "■"
BLANK_DATE = "　　　　年　　月　　日"
CUT_LINE = "-----------沿此线剪下-----------"


def issuer_name(unit) -> str:
    """The issuing body as it signs: a township signs as its people's government."""
    if unit.kind == UnitKind.TOWNSHIP and not unit.name.endswith("政府"):
        return f"{unit.name}人民政府"
    return unit.name


def registry_number(student, *, full_numbers: bool) -> str:
    number = student.student_no or ""
    if not number:
        return "—"
    return number if full_numbers else mask_student_no(number)


@dataclasses.dataclass(frozen=True)
class Receipt:
    """The 送达回证's fields; empty strings are lines left for the server's pen."""

    issuer: str
    document: str
    person: str
    place: str = ""
    methods: tuple[tuple[str, bool], ...] = ()  # (name, ticked)
    tracking_number: str = ""
    signed_by: str = ""  # the person served, as they signed
    signed_on: str = BLANK_DATE
    proxy: str = ""  # who signed on the person's behalf
    proxy_relation: str = ""
    server: str = ""
    refusal: str = ""
    witness: str = ""
    left_on: str = BLANK_DATE
    note: str = ""
    recorded: str = ""  # when the service was recorded: the receipt is filled from it


def receipt_of(document: Document, issuer: str, title: str) -> Receipt:
    blank = Receipt(
        issuer=issuer,
        document=f"{title}（{document.number}）",
        person=document.addressee,
        methods=tuple((name, False) for name in METHOD_NAMES.values()),
    )
    service = getattr(document, "service", None)
    if service is None:
        return blank
    served_on = chinese_date(service.served_on)
    left = service.method == ServiceMethod.LEFT
    on_behalf = bool(service.relation)
    return dataclasses.replace(
        blank,
        place=service.place,
        methods=tuple((name, code == service.method) for code, name in METHOD_NAMES.items()),
        tracking_number=service.tracking_number,
        signed_by="" if on_behalf or left else service.received_by,
        signed_on=BLANK_DATE if left else served_on,
        proxy=service.received_by if on_behalf and not left else "",
        proxy_relation=service.relation if not left else "",
        server=name_of(service.served_by),
        refusal=service.refusal if left else "",
        witness=service.witness if left else "",
        left_on=served_on if left else BLANK_DATE,
        note=service.note,
        recorded=minute(service.recorded_at),
    )


def minute(moment: datetime.datetime) -> str:
    """A moment as the documents print it: Beijing time, to the minute."""
    return f"{moment.astimezone(clock.TZ):%Y-%m-%d %H:%M}"


def paragraphs_of(document: Document) -> list[str]:
    """The text's paragraphs, without the salutation a wording may open with: the layout prints
    the addressee itself."""
    paragraphs = [line.strip() for line in document.body.split("\n") if line.strip()]
    if paragraphs and paragraphs[0].rstrip("：:") == document.addressee:
        paragraphs = paragraphs[1:]
    return paragraphs


def context_of(document: Document, *, full_numbers: bool) -> dict:
    kind = DocumentKind(document.kind)
    issuer = issuer_name(document.issuer)
    title = document.wording.title or KIND_NAMES[kind]
    replaced_by = getattr(document, "replaced_by", None)
    return {
        "document": document,
        "kind_name": KIND_NAMES[kind],
        "title": title,
        "issuer": issuer,
        "facts": document.facts,
        "paragraphs": paragraphs_of(document),
        "registry_number": registry_number(document.case.student, full_numbers=full_numbers),
        "issued_on": chinese_date(document.issued_on),
        "version": document.wording.version,
        "replaced_by": replaced_by,
        # A voided document is not served: its receipt prints only as a record of a service.
        "receipt": receipt_of(document, issuer, title)
        if document.needs_service and (replaced_by is None or document.is_served)
        else None,
        "box": BOX,
        "ticked": TICKED,
        "cut_line": CUT_LINE,
    }


def loaded(document: Document) -> Document:
    """The document with everything printed, read afresh: a service or a correction recorded
    since the caller read it shows."""
    return Document.objects.select_related(
        "issuer",
        "wording",
        "case__student",
        "replaces",
        "replaced_by",
        "service__served_by",
    ).get(pk=document.pk)


def _refuse(url: str, *args, **kwargs):
    """No document names an external resource; should text ever smuggle one in, the renderer
    fetches nothing (no file of the server, no address inside its network)."""
    raise ValueError("notices fetch no resources")


class PdfUnavailable(RuntimeError):
    """WeasyPrint cannot load Debian's pango here: the pages work, the PDFs do not."""


def to_pdf(html: str) -> bytes:
    try:
        # Imported here: it loads pango when imported, and the rest of the site runs without.
        import weasyprint
    except OSError as error:
        raise PdfUnavailable(str(error)) from error
    return weasyprint.HTML(string=html, base_url=BASE_URL, url_fetcher=_refuse).write_pdf()


def render(document: Document, *, full_numbers: bool = False) -> bytes:
    """The document as an A4 PDF. `full_numbers`: print the registry number unmasked; the
    caller has checked that the reader may see it."""
    document = loaded(document)
    context = context_of(document, full_numbers=full_numbers)
    html = render_to_string(f"{TEMPLATES}/{document.kind}.html", context)
    return to_pdf(html)
