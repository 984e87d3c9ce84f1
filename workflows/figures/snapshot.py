"""Enrolment at the start of a school year, counted from the roll: the students of each school
and grade who are on it, that is not gone from the last imported roll unsettled or as a
transfer, and not in a case closed as a transfer, a move out or a death. Taken by a daily job
once a county's autumn term has begun, and on demand; rows entered by hand or imported are
kept (the source says which)."""

import datetime
from collections import defaultdict

from django.db import transaction
from django.db.models import Exists, OuterRef
from simple_history.utils import bulk_create_with_history

from cases import clock
from cases.models import (
    Case,
    CountSource,
    Enrolment,
    RosterDeparture,
    Stage,
    Student,
    Unit,
    UnitKind,
)

from . import counts, years


def on_roll(schools):
    """The students of `schools` on the roll now. A departure or a case at another school (the
    child moved on from there) does not take them off this one's; nor does a closure only
    requested, or one followed by a later case (a child back after 休学)."""
    # gone unsettled from the last roll; a transfer not followed by a return is on_roll's
    departed = RosterDeparture.objects.filter(
        settled_at__isnull=True, student=OuterRef("pk"), school=OuterRef("school")
    )
    latest = {}
    cases = Case.objects.filter(school__in=schools).order_by("student_id", "opened_at", "id")
    for student_id, school_id, now_at, stage, reason in cases.values_list(
        "student_id", "school_id", "student__school_id", "stage", "closure_reason"
    ):
        latest[student_id] = (school_id == now_at, stage, reason)
    left = [
        student_id
        for student_id, (here, stage, reason) in latest.items()
        if here and stage == Stage.CLOSED and reason in counts.CLOSED_AS
    ]
    students = Student.objects.filter(school__in=schools).on_roll().exclude(Exists(departed))
    return students.exclude(pk__in=left)


@transaction.atomic
def take(unit: Unit, year: int, *, by=None, today: datetime.date | None = None) -> int:
    """Count the roll of `unit`'s schools as the enrolment of `year`; the rows counted from the
    roll before are replaced, those entered by hand or imported kept. Returns the rows written."""
    today = today or clock.today()
    schools = counts.schools_under(unit)
    # the students counted, kept with the count: it opens their list as it stood that day
    tally = defaultdict(list)
    rows = (
        on_roll(schools).order_by("pk").values_list("school_id", "klass__parent__grade_level", "pk")
    )
    for school_id, grade, student_id in rows.iterator(chunk_size=2000):
        tally[school_id, grade].append(student_id)
    kept = set(
        Enrolment.objects.filter(school__in=schools, school_year=year)
        .exclude(source=CountSource.SNAPSHOT)
        .values_list("school_id", "grade_level")
    )
    Enrolment.objects.filter(
        school__in=schools, school_year=year, source=CountSource.SNAPSHOT
    ).delete()
    rows = [
        Enrolment(
            school_id=school_id,
            grade_level=grade,
            school_year=year,
            count=len(students),
            source=CountSource.SNAPSHOT,
            taken_on=today,
            recorded_by=by,
            student_ids=students,
        )
        for (school_id, grade), students in sorted(tally.items())
        if (school_id, grade) not in kept
    ]
    bulk_create_with_history(rows, Enrolment, default_user=by, default_date=clock.now())
    return len(rows)


def take_due(today: datetime.date | None = None) -> list[str]:
    """The schools of counties whose autumn term has begun (the first day of their school
    year) that have no enrolment of this school year yet: their roll is counted now. Returns
    their names."""
    today = today or clock.today()
    counties = list(Unit.objects.filter(kind=UnitKind.COUNTY))
    calendars = years.of_units(counties)
    taken = []
    for county in counties:
        calendar = calendars[county.pk]
        year = calendar.year_of(today)
        if not calendar.has_term(year):
            continue  # no autumn term entered: the school year's start is not known for sure
        counted = Enrolment.objects.filter(school_year=year).values("school_id")
        for school in counts.schools_under(county).exclude(pk__in=counted):
            take(school, year, today=today)
            taken.append(school.name)
    return taken
