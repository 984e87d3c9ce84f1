"""Grade bands, and the school years of a county: from the first day of its autumn term (or
1 September where none is entered) to the day before the next (`cases.school_years`)."""

from cases.school_years import PLAIN, SchoolYears, of_unit, of_units

PRIMARY = range(1, 7)  # grades of 小学
JUNIOR = range(7, 10)  # grades of 初中
BANDS = {"primary": PRIMARY, "junior": JUNIOR, "all": range(1, 10)}

__all__ = ["BANDS", "JUNIOR", "PLAIN", "PRIMARY", "SchoolYears", "of_unit", "of_units"]
