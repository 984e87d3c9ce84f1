"""The figures of a small county through a school year, checked against numbers worked out by
hand from FORMATS.md's formulas (not by calling the code under test), and the same figures for
a past day after more has happened."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from cases import clock
from cases.models import (
    ClosureReason,
    ContactKind,
    CountSource,
    Enrolment,
    Movement,
    MovementKind,
    Role,
    Term,
)
from workflows import services
from workflows.figures import counts, durability, rates, snapshot, timeliness, years

from .. import factories


def at(year, month, day, hour=9):
    return datetime.datetime(year, month, day, hour, tzinfo=clock.TZ)


def confirmed(world, day: datetime.datetime):
    """A case opened, reported and confirmed (home visits) on `day`."""
    teacher, officer = world[Role.HOMEROOM_TEACHER], world[Role.SCHOOL_OFFICER]
    with clock.frozen(day):
        case = services.case_open(
            student=world.student(),
            by=teacher,
            reasons=["weary"],
            whereabouts="在家",
            last_seen_on=day.date() - datetime.timedelta(days=3),
        )
        case = services.case_report(case=case, by=teacher, reasons=["weary"], whereabouts="在家")
    with clock.frozen(day + datetime.timedelta(hours=2)):
        return services.case_start_home_visit(case=case, by=officer)


def returned(world, case, day):
    with clock.frozen(day):
        return services.case_mark_returned(
            case=case, by=world[Role.HOMEROOM_TEACHER], returned_on=day.date()
        )


def escalated(world, case, day):
    teacher = world[Role.HOMEROOM_TEACHER]
    with clock.frozen(day):
        services.contact_record(
            case=case,
            by=teacher,
            kind=ContactKind.HOME_VISIT,
            occurred_on=day.date(),
            guardian_attitude="opposed",
            result="家长不同意返校",
            participants=[world[Role.SUBJECT_TEACHER]],
        )
        case.refresh_from_db()
        return services.case_escalate(case=case, by=teacher)


def transferred(world, case, day):
    officer = world[Role.SCHOOL_OFFICER]
    with clock.frozen(day):
        case = services.case_request_closure(
            case=case,
            by=officer,
            reason=ClosureReason.TRANSFERRED,
            receiving_school="县实验小学",
            note="随父母转学",
        )
    with clock.frozen(day + datetime.timedelta(hours=1)):
        return services.case_approve_closure(case=case, by=world[Role.DISTRICT_SUPERVISOR])


def recorded(world, kind, grade, on, count):
    """Entered by hand on the day it happened."""
    with clock.frozen(at(on.year, on.month, on.day, 18)):
        Movement.objects.create(
            school=world.school,
            grade_level=grade,
            kind=kind,
            on=on,
            count=count,
            source=CountSource.HAND,
        )


def enrol(world, grade, count, year):
    """Entered by hand in the first week of the school year."""
    with clock.frozen(at(year, 9, 5)):
        return Enrolment.objects.create(
            school=world.school,
            grade_level=grade,
            school_year=year,
            count=count,
            source=CountSource.HAND,
            taken_on=datetime.date(year, 9, 1),
        )


def build_year(world):
    """School year 2025 (1 September 2025 to 31 August 2026) at the world's one school, whose
    class is in grade 5."""
    for grade, count, year in ((5, 200, 2025), (6, 190, 2025), (1, 195, 2020)):
        enrol(world, grade, count, year)
    # E: confirmed in the year before and still out: the earlier year's dropout, not this one's
    confirmed(world, at(2025, 6, 10))
    # A: confirmed in October, still at home visits: a dropout of the year
    confirmed(world, at(2025, 10, 9))
    # B: confirmed in November, back a week later: returned
    returned(world, confirmed(world, at(2025, 11, 3)), at(2025, 11, 10))
    # C: confirmed in March, with the township since: a dropout of the year
    escalated(world, confirmed(world, at(2026, 3, 2)), at(2026, 3, 12))
    # D: confirmed, then closed in April as a transfer: transferred out, not a dropout
    transferred(world, confirmed(world, at(2026, 3, 20)), at(2026, 4, 1))
    # F: confirmed on 20 July, after the day the figures are first seen from
    f = confirmed(world, at(2026, 7, 20))
    # recorded by hand: 3 transferred into grade 5 in September; 1 other decrease and 2 left
    # without enrolling elsewhere in grade 6; 185 graduated from grade 6 in July
    recorded(world, MovementKind.TRANSFERRED_IN, 5, datetime.date(2025, 9, 15), 3)
    recorded(world, MovementKind.OTHER_OUT, 6, datetime.date(2026, 1, 10), 1)
    recorded(world, MovementKind.LEFT_NOT_ENROLLED, 6, datetime.date(2026, 2, 1), 2)
    recorded(world, MovementKind.GRADUATED, 6, datetime.date(2026, 7, 1), 185)
    # the cohort graduating in 2026 entered grade 1 in 2020 (195); 4 moved into its grade 3
    # (2022) and 2 out of its grade 4 (2023)
    recorded(world, MovementKind.TRANSFERRED_IN, 3, datetime.date(2022, 10, 1), 4)
    recorded(world, MovementKind.TRANSFERRED_OUT, 4, datetime.date(2024, 3, 1), 2)
    return f


def test_the_years_figures_as_worked_out_by_hand(world):
    build_year(world)
    seen = rates.figures(world.county, 2025, datetime.date(2026, 7, 15), band="primary")
    # enrolment at the year's start: 200 + 190
    assert seen.enrolment == 390
    # two dropouts (A, C), one transfer out (D), and what was recorded by hand
    assert seen.moved == {
        MovementKind.DROPPED_OUT: 2,
        MovementKind.TRANSFERRED_OUT: 1,
        MovementKind.TRANSFERRED_IN: 3,
        MovementKind.OTHER_OUT: 1,
        MovementKind.LEFT_NOT_ENROLLED: 2,
        MovementKind.GRADUATED: 185,
    }
    # 两基: (0 休学 + 2 退学 + 0 死亡 + 1 转出 + 1 其他减少) − (3 转入 + 0 其他增加) = 1; 1 / 390
    assert (seen.dropout_lianji.numerator, seen.dropout_lianji.denominator) == (1, 390)
    assert seen.dropout_lianji.percent == Decimal("0.26")
    # dictionary: 2 退学 + 0 休学 + 2 转出未入学 = 4; 4 / 390
    assert seen.dropout_dictionary.percent == Decimal("1.03")
    # 巩固率: 185 / (195 + 4 − 2) = 185 / 197
    assert (seen.consolidation.numerator, seen.consolidation.denominator) == (185, 197)
    assert seen.consolidation.percent == Decimal("93.91")
    # return rate: of A, B and C confirmed in the year, B is back
    assert (seen.returned.numerator, seen.returned.denominator) == (1, 3)
    # the lists behind the figures: the two dropouts' cases
    dropouts = [m for m in seen.cases if m.kind == MovementKind.DROPPED_OUT]
    assert len(dropouts) == 2


def test_a_past_day_gives_the_same_figures_after_more_has_happened(world):
    f = build_year(world)
    before = rates.figures(world.county, 2025, datetime.date(2026, 7, 15), band="primary")
    # F returns; at the year's end F's confirmation counts and so does the return
    returned(world, f, at(2026, 8, 3))
    later = rates.figures(world.county, 2025, datetime.date(2026, 7, 15), band="primary")
    assert (later.dropout_lianji, later.dropout_dictionary, later.returned) == (
        before.dropout_lianji,
        before.dropout_dictionary,
        before.returned,
    )
    year_end = rates.figures(world.county, 2025, datetime.date(2026, 8, 31), band="primary")
    assert (year_end.returned.numerator, year_end.returned.denominator) == (2, 4)


def test_a_junior_band_sees_none_of_a_primary_grades_cases(world):
    build_year(world)
    junior = rates.figures(world.county, 2025, datetime.date(2026, 7, 15), band="junior")
    assert junior.enrolment == 0
    assert junior.moved == {}
    assert junior.dropout_lianji.percent is None  # no enrolment: no figure


def test_the_consolidation_rate_never_shows_above_a_hundred():
    assert rates.Rate(199, 197, cap=True).percent == Decimal("100.00")
    assert rates.Rate(199, 197).percent == Decimal("101.02")


def test_another_countys_cases_are_not_counted(world, elsewhere):
    build_year(world)
    outside = rates.figures(elsewhere.county, 2025, datetime.date(2026, 7, 15))
    assert (outside.enrolment, outside.moved, outside.cases) == (0, {}, ())


def test_a_transfer_in_a_cohorts_year_counts_against_its_rate(world):
    build_year(world)
    # the world's class is in grade 5 in 2025: transfer D, and the 3 transferred into grade 5
    # that September, belong to the cohort that entered grade 1 in 2021 and graduates in the
    # school year 2026: 100 + 3 − 1
    enrol(world, 1, 100, 2021)
    seen = rates.figures(world.county, 2026, datetime.date(2027, 7, 15), band="primary")
    assert (seen.consolidation.numerator, seen.consolidation.denominator) == (0, 102)


def test_the_enrolment_count_takes_the_roll_and_keeps_what_was_entered_by_hand(world):
    for _ in range(4):
        world.student()
    case = confirmed(world, at(2026, 9, 10))
    transferred(world, case, at(2026, 9, 14))  # closed as a transfer: off the roll
    Enrolment.objects.create(
        school=world.school,
        grade_level=6,
        school_year=2026,
        count=41,
        source=CountSource.HAND,
        taken_on=datetime.date(2026, 9, 1),
    )
    assert snapshot.take(world.county, 2026, today=datetime.date(2026, 9, 15)) == 1
    counted = Enrolment.objects.get(school=world.school, grade_level=5, school_year=2026)
    # the four, not the one whose case closed as a transfer
    assert (counted.count, counted.source) == (4, CountSource.SNAPSHOT)
    # taken again: replaced, not added; the hand-entered row is kept
    world.student()
    snapshot.take(world.county, 2026, today=datetime.date(2026, 9, 16))
    rows = Enrolment.objects.filter(school=world.school, school_year=2026)
    assert sorted(rows.values_list("grade_level", "count", "source")) == [
        (5, 5, CountSource.SNAPSHOT),
        (6, 41, CountSource.HAND),
    ]


def test_a_count_corrected_later_leaves_the_earlier_days_figures_alone(world):
    row = enrol(world, 5, 200, 2025)
    with clock.frozen(at(2026, 3, 1)):
        row.count = 180
        row.save()
    day = datetime.date(2026, 2, 1)
    as_recorded = rates.figures(world.county, 2025, day, records_on=day)
    today = rates.figures(world.county, 2025, day)
    # what the figures said on 1 February, and what they say for it now
    assert (as_recorded.enrolment, today.enrolment) == (200, 180)


def test_timeliness_counts_the_stages_due_by_the_day(world):
    # X: opened and reported on Monday 3 November, confirmed two hours later, back on the
    # Wednesday; the returned stage's 3 working days then pass with no follow-up started
    x = confirmed(world, at(2025, 11, 3))
    returned(world, x, at(2025, 11, 5))
    # Y: confirmed the same day, escalated on the 20th, after its week of home visits; the
    # township's 10 working days run past the 30th, so that stage is not due yet
    y = confirmed(world, at(2025, 11, 3))
    escalated(world, y, at(2025, 11, 20))
    found = timeliness.spans(
        counts.schools_under(world.county), 2025, datetime.date(2025, 11, 30), years.PLAIN
    )
    by_school = timeliness.by(found, "school_id")[world.school.pk]
    # X: identified, reported, home visits on time; returned late. Y: identified, reported on
    # time; home visits late.
    assert (by_school.numerator, by_school.denominator) == (5, 7)
    by_owner = timeliness.by(found, "owner_id")
    teacher, officer = world[Role.HOMEROOM_TEACHER].pk, world[Role.SCHOOL_OFFICER].pk
    assert (by_owner[teacher].numerator, by_owner[teacher].denominator) == (3, 5)
    assert (by_owner[officer].numerator, by_owner[officer].denominator) == (2, 2)


def test_durability_by_the_step_that_brought_them_back(world):
    official = world[Role.TOWNSHIP_OFFICIAL]
    # X: back from home visits on 5 November, absent again on 20 January (day 76)
    x = returned(world, confirmed(world, at(2025, 11, 3)), at(2025, 11, 5))
    with clock.frozen(at(2026, 1, 20)):
        services.case_relapse(case=x, by=world[Role.HOMEROOM_TEACHER], note="又未到校")
    # Z: back from the township's persuasion on 2 March, and stays
    z = escalated(world, confirmed(world, at(2026, 2, 2)), at(2026, 2, 10))
    with clock.frozen(at(2026, 3, 2)):
        services.case_mark_returned(case=z, by=official, returned_on=datetime.date(2026, 3, 2))
    day = datetime.date(2026, 7, 31)
    found = durability.returns(counts.schools_under(world.county), 2025, day, years.PLAIN)
    curve = durability.curve(found, day)

    def shown(stage):
        return {days: (r.numerator, r.denominator) for days, r in curve[stage].items()}

    assert shown("home_visit") == {30: (1, 1), 90: (0, 1), 180: (0, 1)}
    # 180 days after 2 March is 29 August: not yet on 31 July
    assert shown("township_persuasion") == {30: (1, 1), 90: (1, 1), 180: (0, 0)}
    assert shown("all") == {30: (2, 2), 90: (1, 2), 180: (0, 1)}


def test_a_relapse_in_a_later_year_is_that_years_dropout(world):
    teacher = world[Role.HOMEROOM_TEACHER]
    # confirmed in May 2025 (school year 2024), back in June, absent again in October 2025
    case = returned(world, confirmed(world, at(2025, 5, 12)), at(2025, 6, 2))
    with clock.frozen(at(2025, 10, 13)):
        services.case_relapse(case=case, by=teacher, note="国庆后未返校")
    earlier = rates.figures(world.county, 2024, datetime.date(2025, 8, 31))
    assert earlier.moved == {}  # back by the end of 2024's year: a return, not a dropout
    assert (earlier.returned.numerator, earlier.returned.denominator) == (1, 1)
    later = rates.figures(world.county, 2025, datetime.date(2026, 7, 15))
    assert later.moved == {MovementKind.DROPPED_OUT: 1}
    assert (later.returned.numerator, later.returned.denominator) == (0, 1)


def test_the_roll_keeps_a_child_whose_closure_is_only_requested_and_the_job_counts_new_schools(
    world,
):
    for _ in range(3):
        world.student()
    case = confirmed(world, at(2026, 9, 10))
    with clock.frozen(at(2026, 9, 11)):
        services.case_request_closure(
            case=case,
            by=world[Role.SCHOOL_OFFICER],
            reason=ClosureReason.SUSPENDED,
            note="因病申请休学",
        )
    Term.objects.create(
        county=world.county,
        name="秋季学期",
        starts_on=datetime.date(2026, 9, 1),
        ends_on=datetime.date(2027, 1, 20),
    )
    assert snapshot.take_due(datetime.date(2026, 9, 15)) == [world.school.name]
    counted = Enrolment.objects.get(school=world.school, school_year=2026)
    assert counted.count == 4  # the child waiting for approval is still on the roll
    assert snapshot.take_due(datetime.date(2026, 9, 16)) == []  # once


def test_a_dropout_entered_by_hand_for_a_year_the_cases_cover_is_refused(world):
    confirmed(world, at(2025, 10, 9))
    covered = Movement(
        school=world.school, grade_level=5, kind=MovementKind.DROPPED_OUT,
        on=datetime.date(2026, 1, 5), source=CountSource.HAND,
    )  # fmt: skip
    with pytest.raises(ValidationError):
        covered.full_clean()
    earlier = Movement(
        school=world.school, grade_level=5, kind=MovementKind.DROPPED_OUT,
        on=datetime.date(2023, 1, 5), source=CountSource.HAND,
    )  # fmt: skip
    earlier.full_clean()


def test_timeliness_per_township_follows_the_cases_history_across_a_hand_over(world):
    other = factories.TownshipFactory(parent=world.county, name="二镇")
    official = factories.UserFactory()
    factories.StaffRoleFactory(user=official, role=Role.TOWNSHIP_OFFICIAL, unit=other)
    # confirmed on Monday 3 November, escalated on the 20th (home visits late), handed over
    # to the other township on the 25th, back in class on the 28th: within the township's
    # 10 working days from the 20th; the returned stage's 3 working days then pass with no
    # follow-up started by 31 December
    case = escalated(world, confirmed(world, at(2025, 11, 3)), at(2025, 11, 20))
    with clock.frozen(at(2025, 11, 25)):
        case = services.case_hand_over(
            case=case, by=world[Role.TOWNSHIP_OFFICIAL], township=other, note="全家迁往二镇"
        )
    with clock.frozen(at(2025, 11, 28)):
        services.case_mark_returned(case=case, by=official, returned_on=datetime.date(2025, 11, 28))
    found = timeliness.spans(
        counts.schools_under(world.county), 2025, datetime.date(2025, 12, 31), years.PLAIN
    )
    by_township = {
        township: (rate.numerator, rate.denominator)
        for township, rate in timeliness.by(found, "township_id").items()
    }
    # the first township: identified and reported on time, home visits late; the second: its
    # persuasion on time, the returned stage late
    assert by_township == {world.township.pk: (2, 3), other.pk: (1, 2)}
