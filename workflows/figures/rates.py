"""The figures of a unit (a school, a district, the county) for a school year, seen from a day,
in a band of grades (primary 1-6, junior 7-9, or all nine), by FORMATS.md's formulas:

- 辍学率 (两基): dropouts ÷ enrolment at the start of the school year, where dropouts =
  (休学 + 退学 + 死亡 + 转出 + 其他减少) − (转入 + 其他增加);
- 辍学率 (dictionary): (退学 + 休学 + 转出未入学) ÷ the same enrolment: transfers and deaths
  are not dropping out;
- 九年义务教育巩固率 of the cohort graduating this year: graduates ÷ (its intake 6 years earlier
  for primary, 3 for junior + its transfers in − its transfers out since), capped at 100 %;
- the return rate: confirmed dropouts of the year back in class by the year's end (or the day)
  ÷ all confirmed.

Each is a `Rate` with its numerator and denominator, so a page can show how it was reached; no
denominator, no figure. `table` gives, from one `counts.gather` (so its queries do not grow with
the schools): every school of a unit; every township its schools stand in (按学校所在乡镇: the
rates over the enrolment of those schools); the total; and what the cases show per township
the children live in (按户籍/居住乡镇: no rate, the enrolment is the schools').
"""

import dataclasses
import datetime
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext_lazy as _

from cases.models import MovementKind as K
from cases.models import Unit

from . import counts, years

LIANJI_OUT = (K.SUSPENDED, K.DROPPED_OUT, K.DECEASED, K.TRANSFERRED_OUT, K.OTHER_OUT)
LIANJI_IN = (K.TRANSFERRED_IN, K.OTHER_IN)
DICTIONARY_OUT = (K.DROPPED_OUT, K.SUSPENDED, K.LEFT_NOT_ENROLLED)
ENTRY_GRADE = {"primary": 1, "junior": 7}
GRADUATING_GRADE = {"primary": 6, "junior": 9}
SPAN = max(GRADUATING_GRADE[band] - ENTRY_GRADE[band] for band in ENTRY_GRADE)
NO_TOWNSHIP = _("Township not set")  # schools whose township nobody entered yet


@dataclasses.dataclass(frozen=True)
class Rate:
    numerator: int
    denominator: int
    cap: bool = False  # 巩固率 never shows above 100 %

    @property
    def percent(self) -> Decimal | None:
        if self.denominator <= 0:
            return None
        value = Decimal(100 * self.numerator) / Decimal(self.denominator)
        if self.cap:
            value = min(value, Decimal(100))
        return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclasses.dataclass(frozen=True)
class Figures:
    label: str  # the school's name, the township's, or the unit's for the total
    school_ids: frozenset
    year: int
    as_of: datetime.date
    band: str
    enrolment: int
    enrolment_counted: int  # of which counted from the roll (the rest entered by hand)
    moved: dict  # MovementKind -> students (recorded, from the roll and from the cases)
    by_hand: dict  # MovementKind -> of which entered by hand or imported
    dropout_lianji: Rate
    dropout_dictionary: Rate
    consolidation: Rate | None  # for a band of one school kind
    returned: Rate
    cases: tuple  # the CaseMovements of the year behind the counts, for the lists
    from_roll: tuple  # the RollMovements of the year (transfers the roll shows)


@dataclasses.dataclass(frozen=True)
class TownshipLine:
    """What the cases show for the children living in one township (按户籍/居住乡镇): the
    township persuades them, but the enrolment is the schools', so no rate over it."""

    township_id: int | None
    moved: dict  # MovementKind -> students
    returned: Rate


@dataclasses.dataclass(frozen=True)
class Table:
    schools: list  # Figures per school, in name order
    townships: list  # (township id or None, Figures) per township the schools stand in
    total: Figures
    residence: list  # TownshipLine per residence township
    gathered: counts.Gathered


def figures(
    unit: Unit,
    year: int,
    as_of: datetime.date,
    band: str = "all",
    records_on=None,
    *,
    cohorts: bool = True,
) -> Figures:
    """The unit's figures, all its schools together."""
    return table(unit, year, as_of, band, records_on, cohorts=cohorts).total


def table(
    unit: Unit,
    year: int,
    as_of: datetime.date,
    band: str = "all",
    records_on=None,
    *,
    cohorts: bool = True,
    calendar=None,
) -> Table:
    """Per school, per township the schools stand in, the total and per residence township
    (`counts.gather` says what the days mean). Without `cohorts`, only the year itself is read:
    no 巩固率."""
    gathered = counts.gather(
        unit, year - SPAN if cohorts else year, year, as_of, records_on, calendar=calendar
    )
    return of_gathered(gathered, unit.name, year, band)


def of_gathered(gathered: counts.Gathered, label: str, year: int, band: str) -> Table:
    schools = [
        of_schools(gathered, name, frozenset({school_id}), year, band)
        for school_id, name, _township in gathered.schools
    ]
    everything = frozenset(school_id for school_id, _, _ in gathered.schools)
    total = of_schools(gathered, label, everything, year, band)
    return Table(
        schools=schools,
        townships=by_school_township(gathered, year, band),
        total=total,
        residence=by_residence(total, gathered.residence),
        gathered=gathered,
    )


def of_schools(gathered, label: str, school_ids: frozenset, year: int, band: str) -> Figures:
    grades = years.BANDS[band]

    def ours(movement) -> bool:
        return (
            movement.school_id in school_ids
            and movement.grade_level in grades
            and movement.year == year
        )

    from_cases = [m for m in gathered.from_cases if ours(m)]
    from_roll = [m for m in gathered.from_roll if ours(m)]
    by_hand: dict = defaultdict(int)
    for (school_id, kind, grade, moved_year), count in gathered.recorded.items():
        if school_id in school_ids and grade in grades and moved_year == year:
            by_hand[kind] += count
    moved: dict = defaultdict(int, by_hand)
    for movement in [*from_cases, *from_roll]:
        if movement.kind != counts.RETURNED:
            moved[movement.kind] += 1
    enrolled = counted = 0
    for key, count in gathered.enrolled.items():
        school_id, grade, enrolled_year = key
        if school_id in school_ids and grade in grades and enrolled_year == year:
            enrolled += count
            counted += count if key in gathered.counted else 0
    confirmed = [m for m in from_cases if m.kind in (counts.RETURNED, K.DROPPED_OUT)]
    lianji = sum(moved[k] for k in LIANJI_OUT) - sum(moved[k] for k in LIANJI_IN)
    return Figures(
        label=label,
        school_ids=school_ids,
        year=year,
        as_of=gathered.as_of,
        band=band,
        enrolment=enrolled,
        enrolment_counted=counted,
        moved={kind: count for kind, count in moved.items() if count},
        by_hand={kind: count for kind, count in by_hand.items() if count},
        dropout_lianji=Rate(lianji, enrolled),
        dropout_dictionary=Rate(sum(moved[k] for k in DICTIONARY_OUT), enrolled),
        consolidation=(
            consolidation(gathered, school_ids, year, band)
            if band in ENTRY_GRADE and gathered.first < year
            else None
        ),
        returned=Rate(sum(1 for m in confirmed if m.kind == counts.RETURNED), len(confirmed)),
        cases=tuple(from_cases),
        from_roll=tuple(from_roll),
    )


def consolidation(gathered, school_ids: frozenset, year: int, band: str) -> Rate:
    """巩固率 of the cohort that graduates in `year`: it entered its first grade some years
    earlier; its transfers are those of the grade it was in, in each year since."""
    first, last = ENTRY_GRADE[band], GRADUATING_GRADE[band]
    entered = year - (last - first)

    def cohort(grade: int, moved_year: int) -> bool:
        return (
            grade is not None and first <= grade <= last and moved_year - entered == grade - first
        )

    intake = sum(
        count
        for (school_id, grade, enrolled_year), count in gathered.enrolled.items()
        if school_id in school_ids and grade == first and enrolled_year == entered
    )
    moved: dict = defaultdict(int)
    for (school_id, kind, grade, moved_year), count in gathered.recorded.items():
        if school_id in school_ids and cohort(grade, moved_year):
            moved[kind] += count
    for movement in [*gathered.from_cases, *gathered.from_roll]:
        if movement.school_id in school_ids and cohort(movement.grade_level, movement.year):
            moved[movement.kind] += 1
    graduates = sum(
        count
        for (school_id, kind, grade, moved_year), count in gathered.recorded.items()
        if school_id in school_ids and kind == K.GRADUATED and grade == last and moved_year == year
    )
    base = intake + moved[K.TRANSFERRED_IN] - moved[K.TRANSFERRED_OUT]
    return Rate(graduates, base, cap=True)


def by_school_township(gathered, year: int, band: str) -> list:
    """[(township id, Figures)] per township the unit's schools stand in, in name order; the
    schools with no township entered last (None), so the rows add up to the total."""
    members: dict = defaultdict(set)
    for school_id, _name, township_id in gathered.schools:
        members[township_id].add(school_id)
    order = sorted(members, key=lambda t: (t is None, gathered.townships.get(t, ""), t or 0))
    return [
        (
            township_id,
            of_schools(
                gathered,
                gathered.townships[township_id] if township_id else str(NO_TOWNSHIP),
                frozenset(members[township_id]),
                year,
                band,
            ),
        )
        for township_id in order
    ]


def by_residence(total: Figures, residence: dict) -> list[TownshipLine]:
    """What the cases show per township the children live in, as the cases' history placed
    them on the day the figures are seen from (a hand-over since does not move them)."""
    lines = []
    groups: dict = defaultdict(list)
    for movement in total.cases:
        groups[residence.get(movement.case_id)].append(movement)
    for township_id in sorted(groups, key=lambda t: (t is None, t or 0)):
        own = groups[township_id]
        moved: dict = defaultdict(int)
        for movement in own:
            if movement.kind != counts.RETURNED:
                moved[movement.kind] += 1
        confirmed = [m for m in own if m.kind in (counts.RETURNED, K.DROPPED_OUT)]
        back = sum(1 for m in confirmed if m.kind == counts.RETURNED)
        lines.append(TownshipLine(township_id, dict(moved), Rate(back, len(confirmed))))
    return lines
