"""Durability: of the students who came back in a school year, the share still in school 30,
90 and 180 days later, by the step that brought them back (the stage the case was in when the
return was recorded: home visits, the township, the order). Still in school: the case did not
relapse and no new case was opened for the student within those days. A return is counted for
a span only once the span has passed by the day the figures are seen from."""

import dataclasses
import datetime
from collections import defaultdict

from cases import clock
from cases.models import Case, CaseEvent, Step

from .rates import Rate

SPANS = (30, 90, 180)


@dataclasses.dataclass(frozen=True)
class Return:
    case_id: int
    student_id: int
    school_id: int
    by_stage: str  # where the case was when the child came back
    on: datetime.date
    out_again: datetime.date | None  # the first relapse or new case after, if any


def returns(schools, year: int, as_of: datetime.date, calendar) -> list[Return]:
    """`calendar`: the county's school years (`years.of_unit`)."""
    start, end = calendar.first_day(year), min(as_of, calendar.last_day(year))
    if end < start:
        return []
    seen_until = clock.end_of_day(as_of)
    rows = CaseEvent.objects.filter(
        case__school__in=schools,
        step=Step.MARK_RETURNED,
        at__gte=clock.end_of_day(start - datetime.timedelta(days=1)),
        at__lte=clock.end_of_day(end),
    ).values_list("case_id", "case__student_id", "case__school_id", "from_stage", "at")
    rows = list(rows)
    case_ids = [row[0] for row in rows]
    relapses = defaultdict(list)
    for case_id, at in CaseEvent.objects.filter(
        case_id__in=case_ids, step=Step.RELAPSE, at__lte=seen_until
    ).values_list("case_id", "at"):
        relapses[case_id].append(at)
    later_cases = defaultdict(list)
    for student_id, opened in Case.objects.filter(
        student_id__in={row[1] for row in rows}, opened_at__lte=seen_until
    ).values_list("student_id", "opened_at"):
        later_cases[student_id].append(opened)
    found = []
    for case_id, student_id, school_id, stage, at in rows:
        after = [moment for moment in relapses[case_id] + later_cases[student_id] if moment > at]
        out_again = _local(min(after)) if after else None
        found.append(Return(case_id, student_id, school_id, stage, _local(at), out_again))
    return found


def curve(found: list[Return], as_of: datetime.date) -> dict:
    """{stage: {days: Rate(still in school, measurable)}}, and "all" over every stage."""
    totals: dict = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for back in found:
        for days in SPANS:
            until = back.on + datetime.timedelta(days=days)
            if until > as_of:
                continue
            stayed = back.out_again is None or back.out_again > until
            for stage in (back.by_stage, "all"):
                totals[stage][days][0] += stayed
                totals[stage][days][1] += 1
    return {stage: {days: Rate(*spans[days]) for days in SPANS} for stage, spans in totals.items()}


def _local(moment: datetime.datetime) -> datetime.date:
    return moment.astimezone(clock.TZ).date()
