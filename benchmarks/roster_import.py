"""The roster import at county scale, against PostgreSQL's COPY of the same rows.

    .venv/bin/python -m benchmarks.roster_import --students 100000

A scratch database (`bench_roster`, dropped at the end) with one county, 12 schools of nine
grades and four classes each, five townships with their villages, and a user. A CSV of N new
students with guardians is generated (untimed), then, printed:

- ours: the check (`importing.check`: read, every cell, the plan) and the commit
  (`importing.commit`, all rows), each in rows per second, with the process's peak memory;
- COPY: the same students, guardians and their history rows, values already encrypted and
  digested (untimed), copied into the same four tables; rows per second.

No timing is asserted anywhere; read the ratio, on this shared machine.
"""

import argparse
import csv
import datetime
import io
import os
import random
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATABASE = "bench_roster"
SCHOOLS, GRADES, CLASSES, TOWNSHIPS = 12, 9, 4, 5
HEADER = ["学籍号", "姓名", "性别", "出生日期", "身份证件号", "学校", "年级", "班级", "户籍乡镇",
          "村", "监护人姓名", "关系", "联系电话"]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=100_000)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")
    os.environ["BENCH_DB"] = DATABASE
    from benchmarks.step_trace import postgres

    postgres("dropdb", "--if-exists", DATABASE)
    postgres("createdb", DATABASE)
    try:
        run(args.students)
    finally:
        from django.db import connections

        connections.close_all()
        postgres("dropdb", DATABASE)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(count: int) -> None:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    user, county = seed_units()
    data = roster_csv(count)
    print(f"[{count:,} students] file {len(data) / 1e6:.1f} MB, memory {peak_mb():.0f} MB")

    from workflows.roster import importing

    places = importing.places_under([county])
    started = time.perf_counter()
    roster_import, checked = importing.start(
        data=data, file_name="bench.csv", by=user, places=places
    )
    check_s = time.perf_counter() - started
    assert not checked.refusals, checked.refusals[:3]
    check_memory = peak_mb()
    started = time.perf_counter()
    importing.commit(roster_import, by=user, places=places, mode="all")
    commit_s = time.perf_counter() - started
    ours_rate = count / (check_s + commit_s)
    print(
        f"  ours: check {check_s:.1f} s ({count / check_s:,.0f} rows/s,"
        f" peak {check_memory:.0f} MB),"
        f" commit {commit_s:.1f} s ({count / commit_s:,.0f} rows/s, peak {peak_mb():.0f} MB);"
        f" together {ours_rate:,.0f} rows/s"
    )
    copy_s = copy_same_rows(count)
    copy_rate = count / copy_s
    print(f"  COPY: {copy_s:.1f} s ({copy_rate:,.0f} rows/s)")
    print(f"  ratio ours / COPY: {ours_rate / copy_rate:.3f}× (target ≥ 0.2×)")


def seed_units():
    from django.contrib.auth import get_user_model

    from cases.models import Unit, UnitKind

    def unit(code, kind, name, parent=None, **extra):
        return Unit.objects.create(code=code, kind=kind, name=name, parent=parent, **extra)

    county = unit("B", UnitKind.COUNTY, "基准县")
    district = unit("B-D", UnitKind.DISTRICT, "基准学区", county)
    for s in range(SCHOOLS):
        school = unit(f"B-S{s}", UnitKind.SCHOOL, f"第{s}学校", district, school_type="nine_year")
        for g in range(1, GRADES + 1):
            grade = unit(f"B-S{s}-{g}", UnitKind.GRADE, f"{g}年级", school, grade_level=g)
            for c in range(1, CLASSES + 1):
                unit(f"B-S{s}-{g}-{c}", UnitKind.CLASS, f"{g}年级({c})班", grade)
    for t in range(TOWNSHIPS):
        township = unit(f"B-T{t}", UnitKind.TOWNSHIP, f"第{t}镇", county)
        for v in range(4):
            unit(f"B-T{t}-{v}", UnitKind.VILLAGE, f"第{t}镇{v}村", township)
    user = get_user_model().objects.create(username="bench-importer")
    return user, county


def roster_csv(count: int) -> bytes:
    from cases.validators import id_check_char

    rng = random.Random(20261201)  # noqa: S311 - sample data, not secrets
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    for n in range(count):
        grade = 1 + n % GRADES
        born = datetime.date(2026 - 6 - grade, 1, 1) + datetime.timedelta(days=n % 365)
        first17 = f"340422{born:%Y%m%d}{n % 1000:03d}"
        number = first17 + id_check_char(first17)
        # Unique registry numbers even where two children share an ID number's pattern: the
        # temporary L form carries the serial.
        student_no = f"L340422{born:%Y%m%d}{n:04d}"[:19] if n >= 365_000 else f"G{number}"
        township = n % TOWNSHIPS
        writer.writerow(
            [
                student_no,
                f"学生{n}",
                "1" if n % 2 else "2",
                f"{born:%Y-%m-%d}",
                number if n < 365_000 else "",
                f"第{n % SCHOOLS}学校",
                f"{grade}年级",
                f"{grade}年级({1 + n % CLASSES})班",
                f"第{township}镇",
                f"第{township}镇{n % 4}村",
                f"家长{n}",
                rng.choice(["父亲", "母亲", "祖母"]),
                f"139{n:08d}",
            ]
        )
    return buffer.getvalue().encode("utf-8")


def copy_same_rows(count: int) -> float:
    """COPY of exactly the rows the commit wrote (read back untimed, encrypted values and all)
    into empty copies of the same four tables, with their indexes; seconds taken."""
    tables = [
        "cases_student",
        "cases_guardian",
        "cases_historicalstudent",
        "cases_historicalguardian",
    ]
    rows, seconds = copy_again(tables)
    print(f"  COPY wrote {rows:,} rows into the four tables for {count:,} students")
    return seconds


def copy_again(tables: list[str]) -> tuple[int, float]:
    """Dump what `tables` hold (untimed), then COPY it into empty copies of them made with
    their indexes (`bench_<table>`): (rows copied, seconds the COPY took)."""
    from django.db import connection

    dumps = {}
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"CREATE TABLE bench_{table} (LIKE {table} INCLUDING ALL)")
            buffer = io.BytesIO()
            with cursor.copy(f"COPY {table} TO STDOUT") as copy:
                for chunk in copy:
                    buffer.write(chunk)
            dumps[table] = buffer.getvalue()
    rows = sum(dump.count(b"\n") for dump in dumps.values())
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for table, dump in dumps.items():
            with cursor.copy(f"COPY bench_{table} FROM STDIN") as copy:
                copy.write(dump)
    return rows, time.perf_counter() - started


if __name__ == "__main__":
    main()
