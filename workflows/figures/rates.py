"""The figures of a unit (a school, a district, the county) for a school year, seen from a day,
in a band of grades (primary 1-6, junior 7-9, or all nine), by FORMATS.md's formulas:

- 辍学率 (两基): dropouts ÷ enrolment at the start of the school year, where dropouts =
  (休学 + 退学 + 死亡 + 转出 + 其他减少) − (转入 + 其他增加);
- 辍学率 (dictionary): (退学 + 休学 + 转出未入学) ÷ the same enrolment: transfers and deaths
  are not dropping out;
- 九年义务教育巩固率 of the cohort graduating this year: graduates ÷ (its intake 6 years earlier
  for primary, 3 for junior + its transfers in − its transfers out since), capped at 100 %;
- the return rate: confirmed dropouts of the year back in class by the day ÷ all confirmed.

Each is a `Rate` with its numerator and denominator, so a page can show how it was reached; no
denominator, no figure (None).
"""

import dataclasses
import datetime
from decimal import ROUND_HALF_UP, Decimal

from cases.models import MovementKind as K
from cases.models import Unit

from . import counts, years

LIANJI_OUT = (K.SUSPENDED, K.DROPPED_OUT, K.DECEASED, K.TRANSFERRED_OUT, K.OTHER_OUT)
LIANJI_IN = (K.TRANSFERRED_IN, K.OTHER_IN)
DICTIONARY_OUT = (K.DROPPED_OUT, K.SUSPENDED, K.LEFT_NOT_ENROLLED)
ENTRY_GRADE = {"primary": 1, "junior": 7}
GRADUATING_GRADE = {"primary": 6, "junior": 9}


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
    unit: Unit
    year: int
    as_of: datetime.date
    band: str
    enrolment: int
    moved: dict  # MovementKind -> students (recorded and from the cases)
    dropout_lianji: Rate
    dropout_dictionary: Rate
    consolidation: Rate | None  # for a band of one school kind
    returned: Rate
    cases: tuple  # the CaseMovements behind the counts, for the lists


def figures(unit: Unit, year: int, as_of: datetime.date, band: str = "all") -> Figures:
    grades = years.BANDS[band]
    schools = counts.schools_under(unit)
    from_cases = [m for m in counts.case_movements(schools, year, as_of) if m.grade_level in grades]
    moved = _totals(counts.recorded_movements(schools, year, as_of), grades)
    for movement in from_cases:
        if movement.kind != counts.RETURNED:
            moved[movement.kind] = moved.get(movement.kind, 0) + 1
    enrolled = sum(n for grade, n in counts.enrolment(schools, year).items() if grade in grades)
    confirmed = sum(1 for m in from_cases if m.kind in (counts.RETURNED, K.DROPPED_OUT))
    back = sum(1 for m in from_cases if m.kind == counts.RETURNED)
    lianji = sum(moved.get(k, 0) for k in LIANJI_OUT) - sum(moved.get(k, 0) for k in LIANJI_IN)
    return Figures(
        unit=unit,
        year=year,
        as_of=as_of,
        band=band,
        enrolment=enrolled,
        moved=moved,
        dropout_lianji=Rate(lianji, enrolled),
        dropout_dictionary=Rate(sum(moved.get(k, 0) for k in DICTIONARY_OUT), enrolled),
        consolidation=consolidation(schools, year, as_of, band) if band in ENTRY_GRADE else None,
        returned=Rate(back, confirmed),
        cases=tuple(from_cases),
    )


def _totals(recorded: dict, grades) -> dict:
    totals: dict = {}
    for (kind, grade), count in recorded.items():
        if grade in grades:
            totals[kind] = totals.get(kind, 0) + count
    return totals


def consolidation(schools, year: int, as_of: datetime.date, band: str) -> Rate:
    """巩固率 of the cohort that graduates in `year`: it entered its first grade `span` years
    earlier; its transfers are those of the grade it was in, in each year since."""
    first, last = ENTRY_GRADE[band], GRADUATING_GRADE[band]
    entered = year - (last - first)
    intake = counts.enrolment(schools, entered).get(first, 0)
    transfers_in = transfers_out = 0
    for grade in range(first, last + 1):
        cohort_year = entered + (grade - first)
        if cohort_year > year:
            break
        recorded = counts.recorded_movements(schools, cohort_year, as_of)
        transfers_in += recorded.get((K.TRANSFERRED_IN, grade), 0)
        transfers_out += recorded.get((K.TRANSFERRED_OUT, grade), 0)
        transfers_out += sum(
            1
            for m in counts.case_movements(schools, cohort_year, as_of)
            if m.kind == K.TRANSFERRED_OUT and m.grade_level == grade
        )
    graduates = counts.recorded_movements(schools, year, as_of).get((K.GRADUATED, last), 0)
    return Rate(graduates, intake + transfers_in - transfers_out, cap=True)
