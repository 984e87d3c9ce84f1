"""One case carried from identified to closed through the services, over two and a half months,
and its timeline read back in order."""

import datetime

from cases import clock
from cases.models import Case, ClosureReason, ContactKind, Role, Stage
from workflows import services
from workflows.selectors import case_timeline

START = datetime.datetime(2026, 9, 1, 8, 30, tzinfo=clock.TZ)


def at(days: int, hours: int = 0) -> datetime.datetime:
    return START + datetime.timedelta(days=days, hours=hours)


def test_identified_to_closed(world, student, django_assert_max_num_queries):
    teacher, officer = world[Role.HOMEROOM_TEACHER], world[Role.SCHOOL_OFFICER]
    township, cadre = world[Role.TOWNSHIP_OFFICIAL], world[Role.VILLAGE_CADRE]
    subject = world[Role.SUBJECT_TEACHER]

    with clock.frozen(at(0)):
        case = services.case_open(student=student, by=teacher, last_seen_on=START.date())
    with clock.frozen(at(0, 3)):
        case = services.case_report(
            case=case, by=teacher, reasons=["work"], whereabouts="随亲戚在外打工"
        )
    with clock.frozen(at(1)):
        case = services.case_start_home_visit(case=case, by=officer, note="已报乡镇和教体局")
    with clock.frozen(at(2)):
        services.contact_record(
            case=case,
            by=teacher,
            kind=ContactKind.HOME_VISIT,
            occurred_on=at(2).date(),
            place="学生家中",
            participants=[subject],
            guardian_attitude="opposed",
            result="家长不同意返校",
        )
    with clock.frozen(at(8)):
        case = services.case_escalate(case=case, by=teacher, note="辍学报告单已交学校")
    with clock.frozen(at(10)):
        services.contact_record(
            case=case,
            by=township,
            kind=ContactKind.JOINT_VISIT,
            occurred_on=at(10).date(),
            participants=[cadre],
            guardian_attitude="hesitant",
            result="送达返校通知书",
        )
    with clock.frozen(at(12)):
        case = services.case_order_enforcement(case=case, by=township, days=7)
    with clock.frozen(at(16)):
        case = services.case_mark_returned(case=case, by=teacher, returned_on=at(16).date())
    with clock.frozen(at(17)):
        case = services.case_start_followup(case=case, by=teacher, tutor=subject)
    with clock.frozen(at(17 + 56)):
        case = services.case_close(case=case, by=officer, note="连续八周正常到校")

    steps = list(case.events.values_list("step", "to_stage"))
    assert steps == [
        ("open", Stage.IDENTIFIED),
        ("report", Stage.REPORTED),
        ("start_home_visit", Stage.HOME_VISIT),
        ("escalate", Stage.TOWNSHIP_PERSUASION),
        ("order_enforcement", Stage.LEGAL_ENFORCEMENT),
        ("mark_returned", Stage.RETURNED),
        ("start_followup", Stage.TUTORING_FOLLOWUP),
        ("close", Stage.CLOSED),
    ]
    assert case.closed_at == at(73)
    assert case.history.count() == len(steps)

    with django_assert_max_num_queries(6):
        timeline = case_timeline(case)
    assert [entry.at for entry in timeline] == sorted(entry.at for entry in timeline)
    kinds = [entry.kind for entry in timeline]
    assert kinds.count("event") == 8
    assert kinds.count("contact") == 2
    # The report's reasons and whereabouts show as field changes right after the report event.
    report = kinds.index("change")
    assert timeline[report - 1].item.step == "report"
    assert {change.field for change in timeline[report].changes} == {
        label("reasons"),
        label("whereabouts"),
    }
    # The last entries: the close event, then the closure reason it set, as people read it.
    assert timeline[-2].item.step == "close"
    [closure] = timeline[-1].changes
    assert (closure.field, closure.old, closure.new) == (
        label("closure_reason"),
        "—",
        str(ClosureReason.RETURNED_STABLE.label),
    )
    tutor_change = next(c for e in timeline for c in e.changes if c.field == label("tutor"))
    assert tutor_change.new == subject.get_full_name()


def label(field: str) -> str:
    return str(Case._meta.get_field(field).verbose_name)
