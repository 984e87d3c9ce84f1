"""Attendance at county scale: absences through the roll's service against PostgreSQL's COPY of
the same rows, and the county's rules run over every student.

    .venv/bin/python -m benchmarks.attendance --students 1500 --rows 1000000
    .venv/bin/python -m benchmarks.attendance --students 100000 --rows 60000

A scratch database (`bench_attendance`, dropped at the end) with the units of roster_import.py
(one county, 12 schools of nine grades and four classes each, five townships with their
villages, a user, here the county's supervisor so that bulk attendance is theirs to write), the
county's autumn term 2025-09-01 to 2026-01-16 (its school days: the working days of the mainland
calendar inside the term, National Day week off), and N students written by COPY (untimed).
--rows absences (untimed to generate) fall on those school days: one student in 200 away
without reason on each of the last five (so the rules have runs to propose), the rest spread
evenly over the days, the students drawn at random: 40 % unexcused, 35 % sick, 25 % personal,
one in 20 for part of the day. Everyone else is present, and present rows are not given to the
service (an upload gives them too, since they count the class's day as reported; one that
changes nothing costs the service a dictionary look-up, not a write). At most a quarter of the
student-days are absences: a larger --rows is cut to that, and the output says so.

Printed, with the clock frozen on the day after the term's last school day (the URLs loaded
first, untimed, as in a running server):

- ours: `roll.absences_record(rows, by=user, source="upload")` in date order, 5,000 rows a
  call (--batch), each call one transaction; rows per second. The call also runs
  `rules.review` on the students whose days changed (queries, proposals): that is part of what
  is measured, and its share of the time is printed apart. It also writes a roll call for
  each class and day the rows cover (and their history), counted but not in the COPY;
- COPY: exactly the absence rows and their history rows that our code wrote (dumped untimed),
  copied into empty copies of `cases_absence` and `cases_historicalabsence` with their indexes;
  rows per second (absences, as for ours), and the ratio (target ≥ 0.2×);
- rules: `rules.review(students, today=...)` over every student of the county; seconds, and
  milliseconds per 1,000 students.

The ingest is slower than COPY by far (figures in the session notes), so a large --rows may
not finish in reasonable time: the ingest stops after the first batch that ends past
--max-minutes (default 15), the output says how many rows went through and up to which date,
and COPY copies those. A stopped run has no absences on the last days (the five days away, so
no runs to propose); a smaller --rows keeps them spread over the whole term. --profile profiles
the first batch, --profile N the Nth (cProfile, and its statements counted by shape); the
figures of that run are then not clean.

No timing is asserted anywhere; read the ratio, on this shared machine.
"""

import argparse
import collections
import datetime
import os
import random
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATABASE = "bench_attendance"
TERM = (datetime.date(2025, 9, 1), datetime.date(2026, 1, 16))
KINDS, KIND_WEIGHTS = ["unexcused", "sick", "personal"], [40, 35, 25]
PART_OF_DAY = 0.05  # share of the absences for part of the day only
AWAY = 200  # one student in AWAY is away without reason on each of the last five school days
MOST_ABSENT = 0.25  # at most this share of all student-days are absences


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=1500)
    parser.add_argument("--rows", type=int, default=20_000, help="absence rows for the service")
    parser.add_argument("--batch", type=int, default=5000, help="rows per absences_record call")
    parser.add_argument("--max-minutes", type=float, default=15, help="stop the ingest after")
    parser.add_argument(
        "--profile",
        type=int,
        nargs="?",
        const=1,
        metavar="N",
        help="profile batch N (default the first)",
    )
    args = parser.parse_args()
    if args.students > 365_000:
        parser.error("at most 365,000 students (the generated identity numbers stay unique)")
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")
    os.environ["BENCH_DB"] = DATABASE
    from benchmarks.step_trace import postgres

    postgres("dropdb", "--if-exists", DATABASE)
    postgres("createdb", DATABASE)
    try:
        run(args)
    finally:
        from django.db import connections

        connections.close_all()
        postgres("dropdb", DATABASE)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(args) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.urls import reverse

    from benchmarks.roster_import import seed_units
    from cases import clock
    from cases.models import Proposal, Role, RollCall, StaffRole, Student, Term, Unit, UnitKind
    from workflows import services
    from workflows.attendance.calendar import SchoolCalendar

    call_command("migrate", verbosity=0)
    user, county = seed_units()
    # Bulk rows are the roll's takers' or the county's to write: the user supervises the county.
    services.staff_role_save(
        staff_role=StaffRole(user=user, role=Role.COUNTY_SUPERVISOR, unit=county)
    )
    Term.objects.create(county=county, name="2025秋", starts_on=TERM[0], ends_on=TERM[1])
    seed_students(args.students, user)
    # As the upload hands them over: each student with its school and class read along.
    students = list(Student.objects.select_related("school", "klass").order_by("pk"))
    school = Unit.objects.filter(kind=UnitKind.SCHOOL).first()
    days = SchoolCalendar(school, *TERM).school_days()
    rows, note = absence_rows(students, days, args.rows)
    share = len(rows) / (len(students) * len(days))
    print(
        f"[{len(students):,} students, {len(days)} school days {days[0]}…{days[-1]},"
        f" {len(rows):,} absence rows ({share:.1%} of student-days){note}]"
        f" memory {peak_mb():.0f} MB"
    )
    # The rules look back from "today": the day after the last school day, in the evening.
    today = days[-1] + datetime.timedelta(days=1)
    moment = datetime.datetime.combine(today, datetime.time(18, 0), tzinfo=clock.TZ)
    # A proposal's message links the roll page. The first reverse() of a process imports every
    # view module (over a second here, where no bytecode is cached): a server or worker has
    # paid that before any upload, so it is paid here before the clock starts.
    reverse("work:roll:index")

    with clock.frozen(moment):
        written, ingest_s, review_s, reviewed = ingest(rows, user, args)
    proposals, rolls = Proposal.objects.count(), RollCall.objects.count()
    ours_rate = written / ingest_s
    print(
        f"  ours: absences_record, {written:,} rows in calls of {args.batch:,}:"
        f" {ingest_s:.1f} s ({ours_rate:,.0f} rows/s, peak {peak_mb():.0f} MB);"
        f" of it rules.review of the students whose days changed {review_s:.1f} s"
        f" ({review_s / ingest_s:.0%}, {reviewed:,} students looked at,"
        f" {proposals:,} proposals made); it also wrote {rolls:,} roll calls (class and day"
        f" covered), not in the COPY"
    )
    copy_s = copy_same_rows(written)
    copy_rate = written / copy_s
    print(f"  COPY: {copy_s:.2f} s ({copy_rate:,.0f} rows/s)")
    print(f"  ratio ours / COPY: {ours_rate / copy_rate:.4f}× (target ≥ 0.2×)")

    rule_run(county, today, moment)


def seed_students(count: int, user) -> None:
    """`count` students spread over all 432 classes, with valid identity numbers, written by
    COPY with their history rows (untimed)."""
    from benchmarks.roster_import import CLASSES, GRADES, SCHOOLS, TOWNSHIPS
    from cases.models import Student, Unit, UnitKind
    from cases.validators import id_check_char
    from workflows.roster.copying import create_with_history

    classes = {
        unit.code: unit
        for unit in Unit.objects.filter(kind=UnitKind.CLASS).select_related("parent__parent")
    }
    townships = list(Unit.objects.filter(kind=UnitKind.TOWNSHIP).order_by("code"))
    students = []
    for n in range(count):
        # The identity number as roster_import.roster_csv makes it (unique below 365,000).
        grade = 1 + n % GRADES
        born = datetime.date(2026 - 6 - grade, 1, 1) + datetime.timedelta(days=n % 365)
        first17 = f"340422{born:%Y%m%d}{n % 1000:03d}"
        number = first17 + id_check_char(first17)
        # n % 9 (the grade), then the school and the class from n // 9: every class is used.
        school, klass_no = (n // GRADES) % SCHOOLS, 1 + (n // (GRADES * SCHOOLS)) % CLASSES
        klass = classes[f"B-S{school}-{grade}-{klass_no}"]
        students.append(
            Student(
                student_no=f"G{number}",
                name=f"学生{n}",
                gender="1" if n % 2 else "2",
                birth_date=born,
                id_number=number,
                klass=klass,
                school=klass.parent.parent,  # what Student.save would set
                residence_township=townships[n % TOWNSHIPS],
            )
        )
    create_with_history(students, Student, by=user, reason="bench")


def absence_rows(students: list, days: list, wanted: int) -> tuple[list, str]:
    """The rows for the service, in date order, and a note when --rows had to be cut."""
    from workflows.attendance.roll import Mark, Row

    rng = random.Random(20260117)  # noqa: S311 - sample data, not secrets
    note = ""
    most = int(len(students) * len(days) * MOST_ABSENT)
    if wanted > most:
        wanted, note = most, f", --rows cut to {most:,}: a quarter of the student-days"
    away = students[::AWAY]  # away without reason on each of the last five school days
    away_pks = {student.pk for student in away}
    others = [student for student in students if student.pk not in away_pks]
    last = set(days[-5:])
    spread = wanted - len(away) * len(last)
    rows = []
    for i, day in enumerate(days):
        # this day's share of the spread rows, rounded so that they add up to `spread`
        count = round((i + 1) * spread / len(days)) - round(i * spread / len(days))
        for student in rng.sample(others, min(count, len(others))):
            mark = Mark(
                kind=rng.choices(KINDS, KIND_WEIGHTS)[0],
                part_of_day=rng.random() < PART_OF_DAY,
                contacted="",
                note="",
            )
            rows.append(Row(student=student, date=day, mark=mark))
        if day in last:
            for student in away:
                rows.append(Row(student=student, date=day, mark=Mark(kind="unexcused")))
    return rows, note


def ingest(rows: list, user, args) -> tuple[int, float, float, int]:
    """The rows through `absences_record`, a batch a call: rows written, seconds, of which in
    `rules.review`, and the students it was given."""
    from workflows.attendance import roll, rules

    # roll.absences_record calls rules.review through the module: time it there.
    review, spent = rules.review, {"seconds": 0.0, "students": 0}

    def timed_review(students, **kwargs):
        started = time.perf_counter()
        try:
            return review(students, **kwargs)
        finally:
            spent["seconds"] += time.perf_counter() - started
            spent["students"] += len(students)

    rules.review = timed_review
    written, elapsed, limit = 0, 0.0, args.max_minutes * 60
    try:
        for start in range(0, len(rows), args.batch):
            batch = rows[start : start + args.batch]

            def call(batch=batch):
                roll.absences_record(batch, by=user, source="upload")

            started = time.perf_counter()
            if args.profile == start // args.batch + 1:
                profiled(call, len(batch))
            else:
                call()
            elapsed += time.perf_counter() - started
            written += len(batch)
            if start // args.batch == 2 and written < len(rows):
                estimate = elapsed / written * len(rows)
                print(f"  (after {written:,} rows: all {len(rows):,} would take {estimate:.0f} s)")
            if elapsed > limit and written < len(rows):
                print(
                    f"  stopped after {written:,} of {len(rows):,} rows: past {args.max_minutes:g}"
                    f" minutes (dates up to {batch[-1].date})"
                )
                break
    finally:
        rules.review = review
    return written, elapsed, spent["seconds"], spent["students"]


def profiled(call, count: int) -> None:
    """Run `call` under cProfile, counting its statements; print where the time went."""
    import cProfile
    import pstats

    from django.db import connection

    statements = []

    def counted(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    profile = cProfile.Profile()
    with connection.execute_wrapper(counted):
        profile.runcall(call)
    print(f"  profiled batch: {count:,} rows, {len(statements):,} statements")
    # The statements by shape (the SQL before its parameters), most frequent first.
    for shape, times in collections.Counter(sql[:120] for sql in statements).most_common(12):
        print(f"    {times:7,} × {shape}")
    stats = pstats.Stats(profile, stream=sys.stdout)
    stats.sort_stats("tottime").print_stats(15)
    stats.sort_stats("cumulative").print_stats(r"(workflows|cases|simple_history)/", 25)


def copy_same_rows(count: int) -> float:
    """COPY of exactly the rows the service wrote (read back untimed) into empty copies of the
    absence table and its history table, with their indexes; seconds taken."""
    from benchmarks.roster_import import copy_again

    rows, seconds = copy_again(["cases_absence", "cases_historicalabsence"])
    print(f"  COPY wrote {rows:,} rows into the two tables for {count:,} absences")
    return seconds


def rule_run(county, today: datetime.date, moment: datetime.datetime) -> None:
    """`rules.review` over every student of the county at once: timed."""
    from cases import clock
    from cases.models import Student
    from workflows.attendance import rules

    students = list(
        Student.objects.filter(school__path__startswith=county.path)
        .select_related("school", "klass")
        .order_by("pk")
    )
    with clock.frozen(moment):
        started = time.perf_counter()
        new = rules.review(students, today=today)
        seconds = time.perf_counter() - started
    print(
        f"  rules: review of all {len(students):,} students on {today}: {seconds:.1f} s"
        f" ({seconds * 1000 / len(students) * 1000:,.0f} ms per 1,000 students),"
        f" {len(new):,} new proposals"
    )


if __name__ == "__main__":
    main()
