"""Rates per township: by the township the schools stand in (按学校所在乡镇, over the enrolment of
those schools) beside what the cases show per township the children live in (按户籍/居住乡镇),
each count opening what lies behind it. Numbers worked out by hand in the comments."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cases import clock
from cases.models import Case, ClosureReason, CountSource, Enrolment, Movement, MovementKind, Role
from workflows import services
from workflows.figures import rates

from .. import factories
from .test_figures import at

DAY = datetime.date(2026, 7, 15)


class School:
    """A school of the world's district with its own grade-5 class, teacher and officer."""

    def __init__(self, world, name: str, township) -> None:
        self.unit = factories.SchoolFactory(parent=world.district, name=name, township=township)
        self.klass = factories.ClassFactory(parent=factories.GradeFactory(parent=self.unit))
        self.teacher, self.officer = factories.UserFactory(), factories.UserFactory()
        factories.StaffRoleFactory(user=self.teacher, role=Role.HOMEROOM_TEACHER, unit=self.klass)
        factories.StaffRoleFactory(user=self.officer, role=Role.SCHOOL_OFFICER, unit=self.unit)


def confirmed(teacher, officer, student, day: datetime.datetime):
    with clock.frozen(day):
        case = services.case_open(
            student=student, by=teacher, reasons=["weary"], whereabouts="在家"
        )
        case = services.case_report(case=case, by=teacher, reasons=["weary"], whereabouts="在家")
    with clock.frozen(day + datetime.timedelta(hours=2)):
        return services.case_start_home_visit(case=case, by=officer)


def by_hand(school, kind, grade, on, count):
    with clock.frozen(at(on.year, on.month, on.day, 18)):
        Movement.objects.create(
            school=school, grade_level=grade, kind=kind, on=on, count=count,
            source=CountSource.HAND,
        )  # fmt: skip


def enrol(school, grade, count, year):
    with clock.frozen(at(year, 9, 5)):
        Enrolment.objects.create(
            school=school, grade_level=grade, school_year=year, count=count,
            source=CountSource.HAND, taken_on=datetime.date(year, 9, 1),
        )  # fmt: skip


@pytest.fixture
def county(world):
    """The world's school (A) stands in the world's township (T1); school B in a second
    township T2; school C has no township entered.

    A: enrolment 200 (grade 5); two dropouts confirmed in October, one child living in T1, one
       in T2.
    B: enrolment 100 (grade 5) + 50 (grade 6); a child living in T2 closed as a transfer in
       April; 1 other decrease in grade 6 by hand; the cohort graduating in 2026 entered grade 1
       in 2020 with 55, 3 of it transferred out of grade 4 in 2023, 48 graduated.
    C: enrolment 40 (grade 5); 1 other decrease by hand.
    """
    t2 = factories.TownshipFactory(parent=world.county, name="二镇")
    v2 = factories.VillageFactory(parent=t2, name="二村")
    world.school.township = world.township
    world.school.save()
    b = School(world, "二小", t2)
    c = School(world, "三小", None)
    enrol(world.school, 5, 200, 2025)
    enrol(b.unit, 5, 100, 2025)
    enrol(b.unit, 6, 50, 2025)
    enrol(b.unit, 1, 55, 2020)
    enrol(c.unit, 5, 40, 2025)
    teacher, officer = world[Role.HOMEROOM_TEACHER], world[Role.SCHOOL_OFFICER]
    confirmed(teacher, officer, world.student(), at(2025, 10, 9))
    confirmed(
        teacher,
        officer,
        world.student(residence_township=t2, residence_village=v2),
        at(2025, 10, 10),
    )
    moving = confirmed(
        b.teacher,
        b.officer,
        world.student(klass=b.klass, residence_township=t2, residence_village=v2),
        at(2026, 3, 20),
    )
    with clock.frozen(at(2026, 4, 1)):
        moving = services.case_request_closure(
            case=moving, by=b.officer, reason=ClosureReason.TRANSFERRED,
            receiving_school="县实验小学", note="随父母转学",
        )  # fmt: skip
    with clock.frozen(at(2026, 4, 1, 11)):
        services.case_approve_closure(case=moving, by=world[Role.DISTRICT_SUPERVISOR])
    by_hand(b.unit, MovementKind.OTHER_OUT, 6, datetime.date(2026, 1, 10), 1)
    by_hand(b.unit, MovementKind.TRANSFERRED_OUT, 4, datetime.date(2023, 10, 1), 3)
    by_hand(b.unit, MovementKind.GRADUATED, 6, datetime.date(2026, 7, 1), 48)
    by_hand(c.unit, MovementKind.OTHER_OUT, 5, datetime.date(2026, 2, 1), 1)
    world.t2, world.b, world.c = t2, b, c
    return world


def of(rate):
    return (rate.numerator, rate.denominator, rate.percent)


def test_the_rates_per_township_the_schools_stand_in(county):
    found = rates.table(county.county, 2025, DAY, band="primary")
    rows = dict(found.townships)
    # in name order ("w镇" before "二镇"), the schools with no township last
    assert [t for t, _ in found.townships] == [county.township.pk, county.t2.pk, None]
    t1, t2, unset = rows[county.township.pk], rows[county.t2.pk], rows[None]
    # T1 = school A: 2 dropouts over 200: 两基 2/200 = 1.00 %, dictionary the same
    assert t1.enrolment == 200
    assert of(t1.dropout_lianji) == (2, 200, Decimal("1.00"))
    assert of(t1.dropout_dictionary) == (2, 200, Decimal("1.00"))
    assert of(t1.consolidation) == (0, 0, None)  # no intake entered for A's cohort
    # T2 = school B: 1 转出 (the case) + 1 其他减少 over 150: 2/150 = 1.33 %; dictionary 0
    assert t2.enrolment == 150
    assert of(t2.dropout_lianji) == (2, 150, Decimal("1.33"))
    assert of(t2.dropout_dictionary) == (0, 150, Decimal("0.00"))
    # 巩固率 of B's cohort: 48 / (55 − 3) = 48 / 52 = 92.31 %
    assert of(t2.consolidation) == (48, 52, Decimal("92.31"))
    # no township entered (school C): 1 其他减少 over 40 = 2.50 %
    assert unset.label == str(rates.NO_TOWNSHIP)
    assert of(unset.dropout_lianji) == (1, 40, Decimal("2.50"))
    # the rows add up to the total: (2 + 2 + 1) / 390 = 1.28 %
    assert of(found.total.dropout_lianji) == (5, 390, Decimal("1.28"))


def test_the_residence_table_counts_the_cases_of_the_children_living_there(county):
    found = rates.table(county.county, 2025, DAY, band="primary")
    lines = {line.township_id: line for line in found.residence}
    # T1: A's first dropout; T2: A's second dropout and B's transfer
    assert lines[county.township.pk].moved == {MovementKind.DROPPED_OUT: 1}
    assert lines[county.t2.pk].moved == {
        MovementKind.DROPPED_OUT: 1,
        MovementKind.TRANSFERRED_OUT: 1,
    }


def test_a_hand_over_moves_a_case_to_its_new_township_from_that_day_on(county):
    found = rates.table(county.county, 2025, DAY, band="primary")
    first = next(
        m for m in found.total.cases if found.gathered.residence[m.case_id] == county.township.pk
    )
    case = first.case_id
    with clock.frozen(at(2026, 5, 11)):
        services.case_hand_over(
            case=Case.objects.get(pk=case), by=county[Role.SCHOOL_OFFICER],
            township=county.t2, note="全家迁往二镇",
        )  # fmt: skip
    before = rates.table(county.county, 2025, datetime.date(2026, 5, 10), band="primary")
    after = rates.table(county.county, 2025, DAY, band="primary")
    assert {line.township_id for line in before.residence} == {county.township.pk, county.t2.pk}
    assert {line.township_id for line in after.residence} == {county.t2.pk}
    assert after.residence[0].moved[MovementKind.DROPPED_OUT] == 2


QUERY = {"year": 2025, "as_of": DAY.isoformat(), "band": "primary"}


def test_the_page_shows_both_township_tables_and_each_count_opens_its_list(client, county):
    client.force_login(county[Role.COUNTY_SUPERVISOR])
    query = {**QUERY, "unit": county.county.pk}
    page = client.get(reverse("work:figures:index"), query).content.decode()
    assert "按学校所在乡镇" in page
    assert "按户籍/居住乡镇" in page
    assert f'data-scope="township={county.t2.pk}"' in page
    assert 'data-rate="lianji" data-of="2/150"' in page
    assert 'data-rate="consolidation" data-of="48/52"' in page
    assert 'data-scope="township=0"' in page  # the schools with none entered
    dropped = reverse("work:figure_cases", args=[MovementKind.DROPPED_OUT])
    assert f"{dropped}?" in page
    assert f"&amp;township={county.township.pk}" in page
    assert "&amp;residence=" in page
    # the dropouts of the schools standing in T1: A's two
    listed = client.get(dropped, {**query, "township": county.township.pk}).content.decode()
    assert listed.count("data-case=") == 2
    # none in T2's schools
    listed = client.get(dropped, {**query, "township": county.t2.pk}).content.decode()
    assert listed.count("data-case=") == 0
    # of the children living in T2: one dropout (at A)
    listed = client.get(dropped, {**query, "residence": county.t2.pk}).content.decode()
    assert listed.count("data-case=") == 1
    # B's transfer, by the school's township
    moved = reverse("work:figure_cases", args=[MovementKind.TRANSFERRED_OUT])
    listed = client.get(moved, {**query, "township": county.t2.pk}).content.decode()
    assert listed.count("data-case=") == 1
    # a township asked for that is not a number lists nothing, and says so
    listed = client.get(dropped, {**query, "township": "x"}).content.decode()
    assert listed.count("data-case=") == 0


def test_a_township_is_for_schools_of_the_same_county(world, elsewhere):
    world.school.township = elsewhere.township
    with pytest.raises(ValidationError) as refused:
        world.school.full_clean()
    assert "township" in refused.value.message_dict
    world.school.township = world.village  # a village is not a township
    with pytest.raises(ValidationError):
        world.school.full_clean()
    world.district.township = world.township
    with pytest.raises(ValidationError) as refused:
        world.district.full_clean()
    assert "township" in refused.value.message_dict
    world.school.township = world.township
    world.school.full_clean()


def test_the_admin_sets_a_schools_township_and_keeps_its_history(admin_client, world):
    url = reverse("admin:cases_unit_change", args=[world.school.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    data["township"] = world.township.pk
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    world.school.refresh_from_db()
    assert world.school.township == world.township
    assert world.school.history.first().township_id == world.township.pk
