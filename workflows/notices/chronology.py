"""A case's whole course as one PDF for a court or a penalty decision (处置经过): who the child
and the guardians are, then every step, contact, document and proof of service in time order,
and whether the audit chain still holds.

Rows known only to the day (a visit on a date, a service on a date) are placed at the time they
were recorded when that was the same day, else at the end of their day, and say when they were
recorded. Labels are the model's choices read in Chinese; the documents' names and the methods
of service are those printed on the documents themselves (pdf.py). The number of queries does not
grow with the number of rows.
"""

import dataclasses
import datetime

from django.template.loader import render_to_string
from django.utils import translation

from cases import chain, clock
from cases.masking import mask_id_number, mask_phone, mask_student_no
from cases.models import (
    Case,
    CaseEvent,
    Contact,
    Document,
    DocumentKind,
    DropoutReason,
    ServiceMethod,
    Stage,
)
from cases.staff import name_of

from .facts import chinese_date
from .pdf import KIND_NAMES, METHOD_NAMES, TEMPLATES, minute, to_pdf

NONE = "—"

# Within one instant: the step first, then what it issued or recorded.
EVENT, DOCUMENT, SERVICE, CONTACT = range(4)
CATEGORIES = {EVENT: "流程", DOCUMENT: "文书", SERVICE: "送达", CONTACT: "联系"}


@dataclasses.dataclass(frozen=True)
class Row:
    at: datetime.datetime  # where the row sorts
    order: int  # EVENT, DOCUMENT, SERVICE or CONTACT
    pk: int
    shown: str  # the date and time printed
    lines: tuple[str, ...]
    actor: str

    @property
    def category(self) -> str:
        return CATEGORIES[self.order]


def dated(day: datetime.date, recorded_at: datetime.datetime) -> tuple[datetime.datetime, str, str]:
    """Where a row known to the day sorts, what it prints as its time, and the line saying when
    it was recorded if that was another day."""
    if recorded_at.astimezone(clock.TZ).date() == day:
        return recorded_at, minute(recorded_at), ""
    return clock.end_of_day(day), f"{day:%Y-%m-%d}", f"（{minute(recorded_at)} 登记）"


def stage_name(code: str) -> str:
    return str(Stage(code).label) if code in Stage.values else code


def event_row(event: CaseEvent) -> Row:
    if event.from_stage and event.from_stage != event.to_stage:
        stages = f"阶段：{stage_name(event.from_stage)} → {stage_name(event.to_stage)}"
    else:
        stages = f"阶段：{stage_name(event.to_stage)}"
    lines = [event.get_step_display(), stages]
    if event.note:
        lines.append(f"说明：{event.note}")
    return Row(event.at, EVENT, event.pk, minute(event.at), tuple(lines), name_of(event.actor))


def contact_row(contact: Contact) -> Row:
    at, shown, late = dated(contact.occurred_on, contact.recorded_at)
    people = [name_of(person) for person in contact.participants.all()]
    if contact.other_participants:
        people.append(contact.other_participants)
    lines = [
        f"{contact.get_kind_display()}（{stage_name(contact.stage)}）",
        f"地点：{contact.place or NONE}",
        f"参与人员：{'、'.join(people) or NONE}",
        f"监护人态度：{contact.get_guardian_attitude_display()}",
        f"结果：{contact.result}",
    ]
    if contact.next_step:
        lines.append(f"下一步：{contact.next_step}")
    if late:
        lines.append(late)
    return Row(at, CONTACT, contact.pk, shown, tuple(lines), name_of(contact.recorded_by))


def document_row(document: Document) -> Row:
    lines = [
        f"{KIND_NAMES.get(document.kind, document.kind)} {document.number}",
        f"受文人：{document.addressee}",
        f"签发人：{document.signer}",
    ]
    if document.kind == DocumentKind.ORDER and document.limit_days:
        lines.append(f"限期：自送达之日起{document.limit_days}日内复学")
    if document.kind == DocumentKind.RETURN_NOTICE and document.facts.get("返校日期"):
        lines.append(f"返校期限：{document.facts['返校日期']}前")
    if document.replaces_id:
        reason = f"，原因：{document.correction_reason}" if document.correction_reason else ""
        lines.append(f"更正并替代 {document.replaces.number}{reason}")
    replaced_by = getattr(document, "replaced_by", None)
    if replaced_by is not None:
        lines.append(f"已作废：由 {replaced_by.number} 更正替代")
    shown = minute(document.issued_at)
    return Row(
        document.issued_at, DOCUMENT, document.pk, shown, tuple(lines), name_of(document.issued_by)
    )


def service_row(document: Document) -> Row:
    service = document.service
    at, shown, late = dated(service.served_on, service.recorded_at)
    signed = service.received_by or NONE
    if service.relation:
        signed = f"{signed}（代收，与受送达人关系：{service.relation}）"
    lines = [
        f"送达 {KIND_NAMES.get(document.kind, document.kind)} {document.number}",
        f"方式：{METHOD_NAMES.get(service.method, service.method)}；"
        f"送达日期：{service.served_on:%Y-%m-%d}",
        f"送达人：{name_of(service.served_by)}；签收人：{signed}",
    ]
    if service.place:
        lines.append(f"地点：{service.place}")
    if service.method == ServiceMethod.LEFT:
        lines.append(f"拒收事由：{service.refusal}；见证人：{service.witness}")
    if service.tracking_number:
        lines.append(f"邮寄单号：{service.tracking_number}")
    if service.ends_on:
        lines.append(f"复学期限届满日：{service.ends_on:%Y-%m-%d}")
    if service.note:
        lines.append(f"备注：{service.note}")
    if late:
        lines.append(late)
    return Row(at, SERVICE, document.pk, shown, tuple(lines), name_of(service.served_by))


def broken_lines(broken, events, contacts, documents) -> list[str]:
    """What `chain.verify` found, said in words an official can check against the rows."""
    events = {event.pk: event for event in events}
    contacts = {contact.pk: contact for contact in contacts}
    documents = {document.pk: document for document in documents}
    lines = []
    for link in broken:
        if link.papers_missing:
            lines.append("有文书或送达回证已被删除（文号不连续，或送达记录少于案件记录）")
        elif link.document_id is not None:
            document = documents.get(link.document_id)
            number = document.number if document else f"#{link.document_id}"
            lines.append(f"文书 {number} 或其送达回证的记录与签发时的校验值不符")
        elif link.contact_id is not None:
            contact = contacts.get(link.contact_id)
            what = (
                f"{contact.occurred_on:%Y-%m-%d} {contact.get_kind_display()}"
                if contact
                else f"#{link.contact_id}"
            )
            lines.append(f"联系记录（{what}）起，联系记录链不符")
        elif link.event_id is not None:
            event = events.get(link.event_id)
            what = (
                f"{minute(event.at)} {event.get_step_display()}" if event else f"#{link.event_id}"
            )
            lines.append(f"事件记录（{what}）起，事件链或案件当前状态与记录不符")
        else:
            lines.append("案件没有任何事件记录")
    return lines


def loaded(case: Case) -> Case:
    return (
        Case.objects.select_related("student", "county", "school", "klass", "township", "village")
        .prefetch_related("student__guardians")
        .get(pk=case.pk)
    )


def context_of(case: Case, *, full_numbers: bool) -> dict:
    case = loaded(case)
    student = case.student
    events = list(case.events.select_related("actor").order_by("at", "id"))
    contacts = list(
        case.contacts.select_related("recorded_by")
        .prefetch_related("participants")
        .order_by("occurred_on", "id")
    )
    documents = list(
        case.documents.select_related(
            "issued_by", "replaces", "replaced_by", "service__served_by"
        ).order_by("issued_at", "id")
    )
    rows = [event_row(event) for event in events]
    rows += [contact_row(contact) for contact in contacts]
    rows += [document_row(document) for document in documents]
    rows += [service_row(document) for document in documents if document.is_served]
    rows.sort(key=lambda row: (row.at, row.order, row.pk))
    broken = chain.verify(cases=[case])
    student_no, id_number = student.student_no or "", student.id_number or ""
    return {
        "case": case,
        "student": student,
        "gender": student.get_gender_display(),
        "birth_date": chinese_date(student.birth_date),
        "stage": stage_name(case.stage),
        "opened_at": minute(case.opened_at),
        "reasons": "、".join(
            str(DropoutReason(code).label) if code in DropoutReason.values else code
            for code in case.reasons
        )
        or NONE,
        "student_no": (student_no if full_numbers else mask_student_no(student_no)) or NONE,
        "id_number": (id_number if full_numbers else mask_id_number(id_number)) or NONE,
        "guardians": [
            {
                "name": guardian.name,
                "relation": guardian.get_relation_display(),
                "phone": (guardian.phone if full_numbers else mask_phone(guardian.phone))
                if guardian.phone
                else NONE,
            }
            for guardian in student.guardians.all()
        ],
        "rows": rows,
        "counts": (len(events), len(contacts), len(documents)),
        "broken": broken_lines(broken, events, contacts, documents),
        "generated_at": minute(clock.now()),
    }


def render(case: Case, *, full_numbers: bool = False) -> bytes:
    """The case's chronology as an A4 PDF. `full_numbers`: print the registry, identity and
    phone numbers unmasked; the caller has checked that the reader may see them."""
    with translation.override("zh-hans"):
        context = context_of(case, full_numbers=full_numbers)
        html = render_to_string(f"{TEMPLATES}/chronology.html", context)
    return to_pdf(html)
