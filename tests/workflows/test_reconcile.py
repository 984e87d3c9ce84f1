"""四查三比对: a township's 户籍 list imported with the roster's machinery (preview, then commit),
and compared with the roll: the school-age children on no roll, and 脱贫户 students with an
open case."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from cases import clock
from cases.models import HouseholdChild, ImportKind, ImportMode, Role, RosterImport
from workflows import services
from workflows.roster import importing
from workflows.views.reconcile import years_before

from ..factories import id_number

HEADER = ["姓名", "公民身份号码", "户籍乡镇", "村", "家庭住址"]
RECONCILE = reverse("work:reconcile:index")


def household_csv(rows) -> bytes:
    lines = [",".join(HEADER), *(",".join(row) for row in rows)]
    return ("\n".join(lines) + "\n").encode("gb18030")


def child(world, name: str, age: int = 10) -> list[str]:
    born = years_before(clock.today(), age) - datetime.timedelta(days=30)
    return [name, id_number(born), world.township.name, world.village.name, "某村1号"]


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def official(world):
    return world[Role.TOWNSHIP_OFFICIAL]


def import_list(world, official, rows):
    places = importing.places_under([world.township], own_townships=True)
    roster_import, checked = importing.start(
        data=household_csv(rows),
        file_name="户籍.csv",
        by=official,
        places=places,
        kind=ImportKind.HOUSEHOLD,
    )
    importing.commit(roster_import, by=official, places=places, mode=ImportMode.CLEAN_ROWS)
    return roster_import, checked


def test_a_household_list_is_previewed_then_committed_and_again_changes_nothing(world, official):
    rows = [child(world, "张小一"), child(world, "张小二", age=8)]
    places = importing.places_under([world.township], own_townships=True)
    roster_import, _checked = importing.start(
        data=household_csv(rows), file_name="户籍.csv", by=official, places=places, kind="household"
    )
    assert (roster_import.new, roster_import.refused) == (2, 0)
    assert not HouseholdChild.objects.exists()  # the preview writes nothing

    importing.commit(roster_import, by=official, places=places, mode=ImportMode.ALL_OR_NOTHING)
    assert HouseholdChild.objects.count() == 2
    record = HouseholdChild.objects.get(name="张小一").history.get()
    assert (record.history_user, record.history_change_reason) == (
        official,
        roster_import.change_reason,
    )

    again, _checked = importing.start(
        data=household_csv(rows), file_name="户籍.csv", by=official, places=places, kind="household"
    )
    assert (again.new, again.changed, again.unchanged) == (0, 0, 2)


def test_a_township_lists_only_its_own_children(world, official, elsewhere):
    row = child(world, "张小一")
    row[2] = elsewhere.township.name
    _import, checked = import_list(world, official, [row])
    assert [(r.row, r.field) for r in checked.refusals] == [(2, "township")]
    assert not HouseholdChild.objects.exists()


def test_the_school_age_children_on_no_roll_are_listed_by_township(world, official):
    enrolled = world.student(name="在册生")
    on_roll = child(world, "在册生")
    on_roll[1] = enrolled.id_number
    rows = [on_roll, child(world, "失学儿童"), child(world, "太小", age=3)]
    import_list(world, official, rows)

    page = signed_in(official).get(RECONCILE).content.decode()

    assert 'data-count="unenrolled">1<' in page
    assert "失学儿童" in page
    assert "在册生" not in page
    assert "太小" not in page
    assert f"{world.township.name}：1" in page
    assert HouseholdChild.objects.get(name="失学儿童").id_number not in page  # masked


def test_students_of_poor_households_with_an_open_case_are_listed(world, official):
    poor = world.student(name="脱贫户学生", poor_household="registered_poor")
    case = services.case_open(student=poor, by=world[Role.HOMEROOM_TEACHER])
    page = signed_in(world[Role.COUNTY_SUPERVISOR]).get(RECONCILE).content.decode()
    assert reverse("work:case_detail", args=[case.pk]) in page


def test_reconciliation_is_for_townships_and_the_county(world):
    for role in Role:
        allowed = role in (Role.TOWNSHIP_OFFICIAL, Role.COUNTY_SUPERVISOR)
        assert signed_in(world[role]).get(RECONCILE).status_code == (200 if allowed else 403)


def test_a_township_official_uploads_a_household_list_on_the_page(world, official):
    client = signed_in(official)
    upload = SimpleUploadedFile("户籍.csv", household_csv([child(world, "张小一")]))
    response = client.post(reverse("work:roster:index"), {"file": upload, "kind": "household"})
    roster_import = RosterImport.objects.get()
    assert response.status_code == 302
    assert roster_import.kind == ImportKind.HOUSEHOLD
    client.post(reverse("work:roster_preview", args=[roster_import.pk]), {"action": "all"})
    assert HouseholdChild.objects.get().name == "张小一"
    # ... and may not bring in a school's roll
    upload = SimpleUploadedFile("名册.csv", household_csv([]))
    refused = client.post(reverse("work:roster:index"), {"file": upload, "kind": "roster"})
    assert refused.status_code == 422


@pytest.mark.parametrize(
    ("today", "earliest", "latest"),
    [
        (datetime.date(2026, 12, 1), datetime.date(2010, 12, 2), datetime.date(2020, 12, 1)),
        (datetime.date(2028, 2, 29), datetime.date(2012, 3, 1), datetime.date(2022, 2, 28)),
    ],
)
def test_school_age_is_six_to_fifteen_leap_days_too(today, earliest, latest):
    from workflows.views.reconcile import born_between

    assert born_between(today) == (earliest, latest)


def test_counts_per_township_add_up(world, official):
    import_list(world, official, [child(world, f"儿童{n}") for n in range(3)])
    page = signed_in(official).get(RECONCILE).content.decode()
    assert f"{world.township.name}：3" in page


def test_a_child_on_another_townships_list_is_refused_not_taken_over(world, elsewhere, official):
    theirs = child(elsewhere, "外镇儿童")
    import_list(elsewhere, elsewhere[Role.TOWNSHIP_OFFICIAL], [theirs])
    mine = child(world, "外镇儿童")
    mine[1] = theirs[1]
    _import, checked = import_list(world, official, [mine])
    assert [(r.row, r.field) for r in checked.refusals] == [(2, "id_number")]
    assert HouseholdChild.objects.get().township == elsewhere.township


def test_a_child_a_new_list_no_longer_names_leaves_the_unenrolled(world, official):
    rows = [child(world, "留下"), child(world, "迁走")]
    import_list(world, official, rows)
    second, _checked = import_list(world, official, rows[:1])
    assert second.left_roll == 1
    moved = HouseholdChild.objects.get(name="迁走")
    assert moved.delisted_at is not None  # kept, marked
    page = signed_in(official).get(RECONCILE).content.decode()
    assert "迁走" not in page
    # ... and a later list naming the child again brings them back
    import_list(world, official, rows)
    moved.refresh_from_db()
    assert moved.delisted_at is None


def test_students_away_for_weeks_with_no_case_are_listed(world, official, elsewhere):
    from cases.models import Absence, Term

    Term.objects.create(
        county=world.county,
        name="本学期",
        starts_on=clock.today() - datetime.timedelta(days=120),
        ends_on=clock.today() + datetime.timedelta(days=30),
    )
    away, back = world.student(name="离校"), world.student(name="在校")
    theirs = elsewhere.student(name="外县")
    teacher, now = world[Role.HOMEROOM_TEACHER], clock.now()
    day, written = clock.today(), 0
    while written < 12:
        if day.weekday() < 5:
            for student in (away, theirs):
                Absence.objects.create(
                    student=student,
                    date=day,
                    kind="unexcused",
                    recorded_by=teacher,
                    recorded_at=now,
                )
            if written < 3:
                Absence.objects.create(
                    student=back, date=day, kind="unexcused", recorded_by=teacher, recorded_at=now
                )
            written += 1
        day -= datetime.timedelta(days=1)

    page = signed_in(official).get(RECONCILE).content.decode()

    assert f'data-absent="{away.pk}"' in page
    assert f'data-absent="{back.pk}"' not in page  # three days: not weeks
    assert f'data-absent="{theirs.pk}"' not in page  # lives in another county
