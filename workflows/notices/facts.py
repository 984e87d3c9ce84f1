"""What a document states, taken from the case at issue and kept with it: the values of the
wording's {placeholders} and the lines the layout prints around them. Never an identity or phone
number: the registry number is read from the student when the PDF is made, masked or not by the
reader's right."""

import datetime

from django.db.models import Count, Q

from cases.ladder import VISIT_KINDS
from cases.models import Case, DocumentKind, DropoutReason, Unit, Wording

from .. import workdays

UNKNOWN = "不详"


def chinese_date(day: datetime.date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else UNKNOWN


def days_absent(case: Case, until: datetime.date) -> int:
    """Working days from the day after the student was last seen up to `until`."""
    if case.last_seen_on is None or case.last_seen_on >= until:
        return 0
    start = case.last_seen_on + datetime.timedelta(days=1)
    working = workdays.judge_between(start, until, case.county_id)
    return sum(
        working(start + datetime.timedelta(days=offset))
        for offset in range((until - start).days + 1)
    )


def addressee_of(facts: dict, kind: str) -> str:
    if kind == DocumentKind.DROPOUT_REPORT:
        return f"{facts['乡镇']}人民政府、{facts['县']}教育行政部门"
    return facts["监护人"]


def guardian_name(case: Case, guardian) -> str:
    return guardian.name if guardian else f"{case.student.name}的监护人"


def units_of(case: Case) -> dict:
    """The case's school, class, township and county by id, in one query."""
    return Unit.objects.in_bulk([case.school_id, case.klass_id, case.township_id, case.county_id])


def facts_of(
    case: Case, kind: str, *, units: dict, guardian=None, today, return_by=None, days=None
) -> dict:
    """The document's facts: every placeholder of its kind, and what the layout prints. The
    report, addressed to the township, names the student's first guardian on record."""
    student = case.student
    if guardian is None and kind == DocumentKind.DROPOUT_REPORT:
        guardian = student.guardians.first()
    reasons = "、".join(str(DropoutReason(code).label) for code in case.reasons) or UNKNOWN
    contacts = case.contacts.aggregate(
        visits=Count("id", filter=Q(kind__in=VISIT_KINDS)), all=Count("id")
    )
    facts = {
        "学生": student.name,
        "性别": student.get_gender_display(),
        "学校": units[case.school_id].name,
        "班级": units[case.klass_id].name,
        "乡镇": units[case.township_id].name,
        "县": units[case.county_id].name,
        "住址": student.address or UNKNOWN,
        "监护人": guardian_name(case, guardian),
        "关系": guardian.get_relation_display() if guardian else "",
        "离校日期": chinese_date(case.last_seen_on),
        "缺勤天数": str(days_absent(case, today)),
        "原因": reasons,
        "去向": case.whereabouts or UNKNOWN,
        "家访次数": str(contacts["visits"]),
        "劝返次数": str(contacts["all"]),
    }
    if return_by is not None:
        facts["返校日期"] = chinese_date(return_by)
    if days is not None:
        facts["期限天数"] = str(days)
    return facts


def filled(wording: Wording, facts: dict) -> str:
    """The wording with the document's facts in its placeholders."""
    return wording.body.format_map(facts)
