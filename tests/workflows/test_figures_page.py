"""The figures page: per school and in total, each count of cases opening the cases behind it,
within the reader's reach; the page's queries do not grow with the schools."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import clock
from cases.models import MovementKind, Role
from workflows import services

from .. import factories
from .test_figures import build_year

URL = reverse("work:figures:index")
QUERY = {"year": 2025, "as_of": "2026-07-15", "band": "primary"}


def test_the_county_sees_each_school_and_the_total(client, world):
    build_year(world)
    client.force_login(world[Role.COUNTY_SUPERVISOR])
    page = client.get(URL, {**QUERY, "unit": world.county.pk}).content.decode()
    assert f'data-school="{world.school.pk}"' in page
    assert 'data-rate="lianji" data-of="1/390"' in page
    assert 'data-rate="dictionary" data-of="4/390"' in page
    assert 'data-rate="consolidation" data-of="185/197"' in page
    assert "0.26%" in page
    assert "93.91%" in page


def test_a_count_opens_the_cases_behind_it(client, world):
    build_year(world)
    client.force_login(world[Role.COUNTY_SUPERVISOR])
    listed = client.get(
        reverse("work:figure_cases", args=[MovementKind.DROPPED_OUT]),
        {**QUERY, "unit": world.county.pk},
    ).content.decode()
    assert listed.count("data-case=") == 2


def test_the_cases_listed_are_within_the_readers_reach(client, world):
    build_year(world)
    # a second school of the district, with a dropout of its own
    other = factories.SchoolFactory(parent=world.district, name="另一小学")
    klass = factories.ClassFactory(parent=factories.GradeFactory(parent=other))
    teacher, officer = factories.UserFactory(), factories.UserFactory()
    factories.StaffRoleFactory(user=teacher, role=Role.HOMEROOM_TEACHER, unit=klass)
    factories.StaffRoleFactory(user=officer, role=Role.SCHOOL_OFFICER, unit=other)
    with clock.frozen(datetime.datetime(2025, 11, 3, 9, tzinfo=clock.TZ)):
        student = factories.StudentFactory(
            klass=klass, residence_township=world.township, residence_village=world.village
        )
        case = services.case_open(student=student, by=teacher, whereabouts="在家")
        case = services.case_report(case=case, by=teacher, reasons=["weary"], whereabouts="在家")
        services.case_start_home_visit(case=case, by=officer)
    dropped = reverse("work:figure_cases", args=[MovementKind.DROPPED_OUT])
    client.force_login(world[Role.COUNTY_SUPERVISOR])
    assert (
        client.get(dropped, {**QUERY, "unit": world.county.pk}).content.decode().count("data-case=")
        == 3
    )
    # the world's school officer asks for the county: only their own school's are listed
    client.force_login(world[Role.SCHOOL_OFFICER])
    listed = client.get(dropped, {**QUERY, "unit": world.county.pk}).content.decode()
    assert listed.count("data-case=") == 2
    assert f'data-case="{case.pk}"' not in listed


def test_a_teacher_is_refused(client, world):
    client.force_login(world[Role.HOMEROOM_TEACHER])
    assert client.get(URL).status_code == 403


def test_the_pages_queries_do_not_grow_with_the_schools(client, world):
    build_year(world)
    client.force_login(world[Role.COUNTY_SUPERVISOR])
    query = {**QUERY, "unit": world.county.pk}
    client.get(URL, query)
    with CaptureQueriesContext(connection) as few:
        client.get(URL, query)
    for n in range(3):
        factories.SchoolFactory(parent=world.district, name=f"新学校{n}")
    with CaptureQueriesContext(connection) as many:
        client.get(URL, query)
    assert len(many) == len(few)


def test_a_day_before_the_year_shows_no_figures_and_no_error(client, world):
    client.force_login(world[Role.COUNTY_SUPERVISOR])
    day = datetime.date(2025, 8, 1).isoformat()
    response = client.get(URL, {"year": 2025, "as_of": day, "unit": world.county.pk})
    assert response.status_code == 200


def test_the_page_shows_timeliness_and_durability(client, world):
    build_year(world)
    client.force_login(world[Role.COUNTY_SUPERVISOR])
    page = client.get(URL, {**QUERY, "unit": world.county.pk}).content.decode()
    assert 'data-timeliness="schools"' in page
    assert 'data-timeliness="owners"' in page
    assert 'data-rate="durability"' in page
    assert 'data-late="' in page
    late = client.get(
        reverse("work:figure_cases", args=["late"]), {**QUERY, "unit": world.county.pk}
    ).content.decode()
    assert "data-case=" in late


def test_the_township_table_counts_the_cases_of_its_children(client, world):
    build_year(world)
    client.force_login(world[Role.COUNTY_SUPERVISOR])
    page = client.get(URL, {**QUERY, "unit": world.county.pk}).content.decode()
    # all the world's cases live in its township: 2 dropouts, 1 transfer; 1 of 3 back
    assert f'data-township="{world.township.name}"' in page
    assert 'data-rate="township-returned" data-of="1/3"' in page


def test_the_pages_queries_do_not_grow_with_the_months_of_the_trend(client, world):
    build_year(world)
    client.force_login(world[Role.COUNTY_SUPERVISOR])
    # by the end of April every kind of record the page reads exists; more months add none
    april = {**QUERY, "unit": world.county.pk, "as_of": "2026-04-30"}
    client.get(URL, april)
    with CaptureQueriesContext(connection) as eight_months:
        first = client.get(URL, april)
    with CaptureQueriesContext(connection) as eleven_months:
        later = client.get(URL, {**QUERY, "unit": world.county.pk})
    assert len(first.context["charts"]["trend"]["months"]) == 8
    assert len(later.context["charts"]["trend"]["months"]) == 11
    assert len(eleven_months) == len(eight_months)
    # 两基 at each month's end over 390, the events as they stood then: September, the 3
    # transferred in (−3: −0.77 %); October, A's dropout (−2: −0.51 %), so in November (B back
    # in a week) and December; January, the other decrease (−1: −0.26 %), February too (those
    # left without enrolling are not in 两基); March, C's and D's dropouts (+1: 0.26 %); April,
    # D closed as a transfer (a 转出 instead of a dropout: 0.26 %), and so on to July
    assert later.context["charts"]["trend"]["lianji"] == [
        -0.77, -0.51, -0.51, -0.51, -0.26, -0.26, 0.26, 0.26, 0.26, 0.26, 0.26,
    ]  # fmt: skip
