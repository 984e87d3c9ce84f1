"""What lies behind each count: the students the roll counts (the enrolment counted from it,
the transfers its departures show) listed within the reader's reach with their numbers masked;
a count entered by hand says who entered it, when and from where, and has no list."""

import datetime
import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import clock
from cases.masking import mask_student_no
from cases.models import (
    CountSource,
    Enrolment,
    Movement,
    MovementKind,
    Role,
    RosterDeparture,
    RosterImport,
)
from cases.staff import name_of
from workflows.figures import rates, snapshot
from workflows.roster import departures

from .. import factories
from .test_figures import at, confirmed, transferred

D = datetime.date
DAY = D(2026, 7, 15)
QUERY = {"year": 2025, "as_of": DAY.isoformat()}


def departed(world, student, day):
    """A roll imported on `day` no longer lists the student; the officer settles it as a
    transfer an hour later."""
    officer = world[Role.SCHOOL_OFFICER]
    with clock.frozen(at(day.year, day.month, day.day)):
        found_by = RosterImport.objects.create(
            uploaded_by=officer, uploaded_at=clock.now(), file_name="名册.csv",
            file_sha256="0" * 64,
        )  # fmt: skip
        departure = RosterDeparture.objects.create(
            student=student, school=world.school, found_by=found_by
        )
    with clock.frozen(at(day.year, day.month, day.day, 10)):
        departures.settle_transfer(departure, by=officer, receiving_school="县一中")


@pytest.fixture
def year(world):
    """School year 2025 at the world's school (grade 5):
    - five students on the roll, counted on 5 September: enrolment 5 from the roll;
    - a sixth joins on 1 October (after the count);
    - the first's departure settled as a transfer on 3 November: 转出 from the roll;
    - the second's case closed as a transfer on 20 October, and their departure settled as a
      transfer on 5 November: one transfer, counted by the case;
    - grade 6's enrolment, 30, and 1 other decrease in grade 5, entered by hand by the
      district supervisor."""
    with clock.frozen(at(2025, 9, 1)):
        pupils = [world.student() for _ in range(5)]
    with clock.frozen(at(2025, 9, 5)):
        snapshot.take(world.county, 2025, by=world[Role.SCHOOL_OFFICER])
    with clock.frozen(at(2025, 10, 1)):
        world.late_comer = world.student()
    departed(world, pupils[0], D(2025, 11, 3))
    case = confirmed(world, at(2025, 10, 9))  # a student of its own: the case's child
    transferred(world, case, at(2025, 10, 20))
    departed(world, case.student, D(2025, 11, 5))
    supervisor = world[Role.DISTRICT_SUPERVISOR]
    with clock.frozen(at(2025, 9, 6, 15)):
        Enrolment.objects.create(
            school=world.school, grade_level=6, school_year=2025, count=30,
            source=CountSource.HAND, taken_on=D(2025, 9, 1), recorded_by=supervisor,
        )  # fmt: skip
        Movement.objects.create(
            school=world.school, grade_level=5, kind=MovementKind.OTHER_OUT,
            on=D(2025, 9, 6), count=1, source=CountSource.HAND, recorded_by=supervisor,
            note="学籍系统核减",
        )  # fmt: skip
    world.pupils, world.case = pupils, case
    return world


def test_the_counts_from_the_roll(year):
    seen = rates.figures(year.county, 2025, DAY)
    # enrolment: the 5 counted from the roll + 30 by hand
    assert (seen.enrolment, seen.enrolment_counted) == (35, 5)
    # 转出: the first's departure and the second's case, each child once
    assert seen.moved[MovementKind.TRANSFERRED_OUT] == 2
    assert [m.student_id for m in seen.from_roll] == [year.pupils[0].pk]
    assert [m.case_id for m in seen.cases] == [year.case.pk]
    # 两基: (2 转出 + 1 其他减少) / 35 = 8.57 %
    assert (seen.dropout_lianji.numerator, seen.dropout_lianji.percent) == (3, Decimal("8.57"))
    assert seen.by_hand == {MovementKind.OTHER_OUT: 1}
    # before the departure was settled, only the case had counted
    assert rates.figures(year.county, 2025, D(2025, 11, 2)).moved[MovementKind.TRANSFERRED_OUT] == 1


def test_a_departure_settled_before_the_case_closed_counts_and_the_case_does_not(world):
    case = confirmed(world, at(2025, 10, 9))
    departed(world, case.student, D(2025, 10, 15))
    transferred(world, case, at(2025, 10, 20))
    seen = rates.figures(world.county, 2025, DAY)
    assert seen.moved == {MovementKind.TRANSFERRED_OUT: 1}
    assert [m.student_id for m in seen.from_roll] == [case.student_id]
    assert [m.kind for m in seen.cases] == []


def listed(client, kind, **extra):
    page = client.get(reverse("work:figure_cases", args=[kind]), {**QUERY, **extra})
    return page.content.decode()


def students_in(page: str) -> set[int]:
    return {int(pk) for pk in re.findall(r'data-student="(\d+)"', page)}


def test_the_enrolment_opens_the_students_counted_with_their_numbers_masked(client, year):
    client.force_login(year[Role.COUNTY_SUPERVISOR])
    page = listed(client, "enrolment", unit=year.county.pk)
    assert students_in(page) == {pupil.pk for pupil in year.pupils}  # not the late comer
    for pupil in year.pupils:
        assert pupil.student_no not in page
        assert mask_student_no(pupil.student_no) in page
    # the 30 of grade 6 were entered by hand: who, when, from where; no list
    assert 'data-hand="30"' in page
    assert name_of(year[Role.DISTRICT_SUPERVISOR]) in page
    assert "2025-09-06 15:00" in page
    figures_page = client.get(
        reverse("work:figures:index"), {**QUERY, "unit": year.county.pk}
    ).content.decode()
    assert 'data-by-hand="30"' in figures_page


def test_the_transfers_open_the_roll_and_the_case(client, year):
    client.force_login(year[Role.COUNTY_SUPERVISOR])
    page = listed(client, MovementKind.TRANSFERRED_OUT, unit=year.county.pk)
    assert students_in(page) == {year.pupils[0].pk}
    assert re.findall(r'data-case="(\d+)"', page) == [str(year.case.pk)]


def test_a_count_entered_by_hand_says_so_and_lists_nobody(client, year):
    client.force_login(year[Role.COUNTY_SUPERVISOR])
    page = listed(client, MovementKind.OTHER_OUT, unit=year.county.pk)
    assert 'data-hand="1"' in page
    assert "学籍系统核减" in page
    assert name_of(year[Role.DISTRICT_SUPERVISOR]) in page
    assert students_in(page) == set()
    assert "data-case=" not in page


def test_the_roll_as_it_stood_that_day(client, year):
    with clock.frozen(at(2025, 10, 2)):
        snapshot.take(year.county, 2025)  # counted again: the late comer too
    client.force_login(year[Role.COUNTY_SUPERVISOR])
    now = listed(client, "enrolment", unit=year.county.pk)
    then = listed(client, "enrolment", unit=year.county.pk, as_of="2025-09-30", as_recorded="on")
    assert year.late_comer.pk in students_in(now)
    assert students_in(then) == {pupil.pk for pupil in year.pupils}


def test_only_the_students_in_the_readers_reach_are_listed(client, year):
    other = factories.SchoolFactory(parent=year.district, name="另一小学")
    klass = factories.ClassFactory(parent=factories.GradeFactory(parent=other))
    stranger = year.student(klass=klass)
    snapshot.take(other, 2025, today=D(2025, 9, 5))
    client.force_login(year[Role.DISTRICT_SUPERVISOR])
    assert stranger.pk in students_in(listed(client, "enrolment", unit=year.district.pk))
    # the world's school officer: their own school's, even asking for the other school
    client.force_login(year[Role.SCHOOL_OFFICER])
    page = listed(client, "enrolment", unit=year.county.pk)
    assert stranger.pk not in students_in(page)
    assert students_in(listed(client, "enrolment", unit=year.school.pk, school=other.pk)) == set()


def test_the_lists_queries_do_not_grow_with_the_students(client, year):
    client.force_login(year[Role.COUNTY_SUPERVISOR])
    url = reverse("work:figure_cases", args=["enrolment"])
    query = {**QUERY, "unit": year.county.pk}
    client.get(url, query)
    with CaptureQueriesContext(connection) as few:
        client.get(url, query)
    for _ in range(12):
        year.student()
    snapshot.take(year.county, 2025, today=D(2025, 9, 5))
    with CaptureQueriesContext(connection) as many:
        page = client.get(url, query).content.decode()
    # counted again today: the first pupil transferred out, the late comer and the twelve in
    assert len(students_in(page)) == 4 + 1 + 12
    assert len(many) == len(few)


def test_a_counted_enrolment_corrected_in_the_admin_becomes_a_count_by_hand(admin_client, year):
    counted = Enrolment.objects.get(school=year.school, grade_level=5, school_year=2025)
    url = reverse("admin:cases_enrolment_change", args=[counted.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    data["count"] = 6
    assert admin_client.post(url, data).status_code == 302
    counted.refresh_from_db()
    assert (counted.count, counted.source, counted.student_ids) == (6, CountSource.HAND, [])
    seen = rates.figures(year.county, 2025, DAY)
    assert (seen.enrolment, seen.enrolment_counted) == (36, 0)


# From the review


def test_a_transfer_stays_in_the_grade_the_child_left_when_the_child_moves_on(year):
    # the first pupil left grade 5 (primary) on 3 November; a county-wide roll later lists
    # them in grade 7 of a junior middle school: 2025's 转出 is still primary's
    junior = factories.SchoolFactory(parent=year.district, name="县二中", school_type="junior")
    klass = factories.ClassFactory(
        parent=factories.GradeFactory(parent=junior, grade_level=7, name="七年级"),
        name="七年级(1)班",
    )
    pupil = year.pupils[0]
    pupil.klass = klass
    pupil.save()
    primary = rates.figures(year.county, 2025, DAY, band="primary")
    junior_band = rates.figures(year.county, 2025, DAY, band="junior")
    # primary: the first pupil's departure and the second's case: 2 转出, as before
    assert primary.moved[MovementKind.TRANSFERRED_OUT] == 2
    assert [m.grade_level for m in primary.from_roll] == [5]
    assert MovementKind.TRANSFERRED_OUT not in junior_band.moved


@pytest.mark.parametrize(("field", "value"), [("grade_level", 4), ("school_year", 2024)])
def test_a_counted_enrolment_moved_in_the_admin_keeps_no_list(admin_client, year, field, value):
    counted = Enrolment.objects.get(school=year.school, grade_level=5, school_year=2025)
    url = reverse("admin:cases_enrolment_change", args=[counted.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    data[field] = value
    assert admin_client.post(url, data).status_code == 302
    counted.refresh_from_db()
    # the five students were counted in grade 5 of 2025: they are not grade 4's, nor 2024's
    assert (counted.count, counted.source, counted.student_ids) == (5, CountSource.HAND, [])


def test_a_count_from_the_roll_taken_before_lists_were_kept_says_it_has_none(client, year):
    # counted from the roll before the enrolment kept its students (the rows migration 0033
    # found): grade 4, 20 students, no list
    with clock.frozen(at(2025, 9, 5, 8)):
        Enrolment.objects.create(
            school=year.school, grade_level=4, school_year=2025, count=20,
            source=CountSource.SNAPSHOT, taken_on=D(2025, 9, 5),
            recorded_by=year[Role.SCHOOL_OFFICER],
        )  # fmt: skip
    client.force_login(year[Role.COUNTY_SUPERVISOR])
    page = listed(client, "enrolment", unit=year.county.pk)
    # the five of grade 5 listed; grade 4's 20 and grade 6's 30 shown as counts with no list
    assert students_in(page) == {pupil.pk for pupil in year.pupils}
    assert 'data-hand="20"' in page
    assert 'data-hand="30"' in page
    assert name_of(year[Role.SCHOOL_OFFICER]) in page


def test_a_transfer_out_by_hand_is_refused_in_a_year_the_roll_shows_transfers(world):
    # no case at the school; the roll shows one transfer out on 3 November 2025
    with clock.frozen(at(2025, 9, 1)):
        pupil = world.student()
    departed(world, pupil, D(2025, 11, 3))
    entered = Movement(
        school=world.school, grade_level=5, kind=MovementKind.TRANSFERRED_OUT,
        on=D(2025, 12, 1), count=1, source=CountSource.HAND,
    )  # fmt: skip
    with pytest.raises(ValidationError) as refused:
        entered.full_clean()  # it would count the pupil twice: 2 转出 for 1
    assert "kind" in refused.value.message_dict
    entered.on = D(2025, 6, 1)  # 2024's: the roll shows none then
    entered.full_clean()
    entered.kind = MovementKind.OTHER_OUT  # another kind: the roll does not count it
    entered.on = D(2025, 12, 1)
    entered.full_clean()
