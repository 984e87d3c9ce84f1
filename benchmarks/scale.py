"""The overdue sweep and the queues at county scale, against raw SQL doing the same work.

    .venv/bin/python -m benchmarks.scale --cases 100000 [--cases 1000000] [--requests 20]

For each size: a scratch PostgreSQL database (`bench_scale`, dropped at the end) with one
county, 12 schools, their classes, 5 townships, and N open cases at home visits (1 % past their
deadline), written in bulk by SQL (untimed). Then, printed:

- the sweep: `sweep_deadlines()` against one statement that claims the overdue cases' alert
  rows and writes their owners' outbox rows (`INSERT … SELECT … ON CONFLICT DO NOTHING
  RETURNING`, then the outbox insert), each on the same fresh state; and a second sweep, which
  must write nothing;
- the overdue queue (a county supervisor) and "my work" (a homeroom teacher), rendered in full
  through the test client, against raw SQL returning the same page of rows and its count:
  p50/p95 over the requests and the statements per request.

No timing is asserted anywhere; read the ratios, on this shared machine.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATABASE = "bench_scale"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, action="append", help="open cases (repeatable)")
    parser.add_argument("--requests", type=int, default=20, help="page requests per list")
    args = parser.parse_args()
    sizes = args.cases or [100_000]
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")
    os.environ["BENCH_DB"] = DATABASE
    from benchmarks.step_trace import postgres

    results = []
    for size in sizes:
        postgres("dropdb", "--if-exists", DATABASE)
        postgres("createdb", DATABASE)
        try:
            results.append(run(size, args.requests))
        finally:
            from django.db import connections

            connections.close_all()
            postgres("dropdb", DATABASE)
    print_table(results)


def run(size: int, requests: int) -> dict:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from benchmarks import scale_seed

    started = time.perf_counter()
    people = scale_seed.seed(size)
    print(f"[{size:,} cases] seeded in {time.perf_counter() - started:.0f} s", flush=True)
    warm_up()
    figures = {"cases": size}
    figures.update(sweep_figures())
    figures.update(list_figures(people, requests))
    return figures


def warm_up() -> None:
    """What a long-running worker has done long before: the URL resolver and the translation
    catalogue of the message language loaded (a sweep renders every case's link and stage)."""
    from cases.models import Case
    from workflows import messages

    with messages.in_message_language():
        messages.case_context(Case.objects.first())


def timed(action) -> tuple[float, int, object]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        value = action()
        seconds = time.perf_counter() - started
    return seconds, len(captured.captured_queries), value


RAW_SWEEP = """
WITH claimed AS (
    INSERT INTO workflows_deadlinealert (case_id, stage_started_at, stage, kind, created_at)
    SELECT id, stage_started_at, stage, 'overdue', now() FROM cases_case
    WHERE stage <> 'closed' AND deadline <= now()
    ON CONFLICT DO NOTHING
    RETURNING case_id
)
INSERT INTO notifications_message (recipient_id, channel, template_key, context, dedup_key,
    status, attempts, next_attempt_at, last_error, created_at)
SELECT c.owner_id, 'inbox', 'case_overdue', jsonb_build_object('case_label', c.id::text),
    'raw-' || c.id, 'pending', 0, now(), '', now()
FROM claimed JOIN cases_case c ON c.id = claimed.case_id
"""


def sweep_figures() -> dict:
    from django.db import connection, transaction

    from workflows import sweep
    from workflows.models import DeadlineAlert

    def raw():
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(RAW_SWEEP)
            return cursor.rowcount

    def reset():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM notifications_message")
            cursor.execute("DELETE FROM workflows_deadlinealert")
            cursor.execute("VACUUM ANALYZE")

    reset()
    raw_s, raw_statements, raw_rows = timed(raw)
    reset()
    ours_s, ours_statements, report = timed(sweep.sweep_deadlines)
    alerts = DeadlineAlert.objects.count()
    again_s, _again_statements, again = timed(sweep.sweep_deadlines)
    print(
        f"  sweep: raw {raw_s:.2f} s ({raw_rows} outbox rows, {raw_statements} statements); "
        f"ours {ours_s:.2f} s ({report.overdue} alerted, {ours_statements} statements); "
        f"rerun {again_s:.2f} s, {again.overdue + again.reminders} written",
        flush=True,
    )
    return {
        "sweep_raw_s": raw_s,
        "sweep_s": ours_s,
        "sweep_ratio": raw_s / ours_s,
        "sweep_statements_per_case": ours_statements / max(report.overdue, 1),
        "sweep_alerts": alerts,
        "sweep_rerun_written": again.overdue + again.reminders + again.escalated,
    }


RAW_OVERDUE = """
SELECT c.id, s.name, c.stage, c.deadline, sc.name, t.name, u.first_name
FROM cases_case c JOIN cases_student s ON s.id = c.student_id
JOIN cases_unit sc ON sc.id = c.school_id JOIN cases_unit t ON t.id = c.township_id
LEFT JOIN auth_user u ON u.id = c.owner_id
WHERE c.stage <> 'closed' AND c.deadline <= now()
ORDER BY c.deadline, c.id LIMIT 25
"""
RAW_OVERDUE_COUNT = "SELECT count(*) FROM cases_case WHERE stage <> 'closed' AND deadline <= now()"
RAW_MINE = """
SELECT c.id, s.name, c.stage, c.deadline, sc.name, t.name
FROM cases_case c JOIN cases_student s ON s.id = c.student_id
JOIN cases_unit sc ON sc.id = c.school_id JOIN cases_unit t ON t.id = c.township_id
WHERE c.stage <> 'closed' AND c.owner_id = %s
ORDER BY c.deadline, c.id LIMIT 25
"""
RAW_MINE_COUNT = "SELECT count(*) FROM cases_case WHERE stage <> 'closed' AND owner_id = %s"


def list_figures(people: dict, requests: int) -> dict:
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    def raw(*queries):
        def run():
            with connection.cursor() as cursor:
                for sql, params in queries:
                    cursor.execute(sql, params)
                    cursor.fetchall()

        return run

    figures = {}
    pages = {
        "overdue": (
            people["county_supervisor"],
            reverse("work:overdue:index"),
            raw((RAW_OVERDUE, []), (RAW_OVERDUE_COUNT, [])),
        ),
        "mine": (
            people["teacher"],
            reverse("work:mine:index"),
            raw((RAW_MINE, [people["teacher"].pk]), (RAW_MINE_COUNT, [people["teacher"].pk])),
        ),
    }
    for name, (user, url, raw_run) in pages.items():
        client = Client()
        client.force_login(user)
        ours, raws, statements = [], [], 0
        for _ in range(requests):
            seconds, statements, response = timed(lambda: client.get(url))  # noqa: B023
            if response.status_code != 200:
                raise RuntimeError(f"{url} answered {response.status_code}")
            ours.append(seconds * 1000)
            raws.append(timed(raw_run)[0] * 1000)
        figures[f"{name}_p50_ms"] = statistics.median(ours)
        figures[f"{name}_p95_ms"] = percentile(ours, 95)
        figures[f"{name}_raw_p95_ms"] = percentile(raws, 95)
        figures[f"{name}_statements"] = statements
        print(
            f"  {name}: p50 {figures[f'{name}_p50_ms']:.1f} ms, p95 "
            f"{figures[f'{name}_p95_ms']:.1f} ms (raw p95 {figures[f'{name}_raw_p95_ms']:.1f} "
            f"ms), {statements} statements",
            flush=True,
        )
    return figures


def percentile(values: list[float], point: int) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(point / 100 * (len(ordered) - 1)))]


def print_table(results: list[dict]) -> None:
    print()
    columns = [
        ("cases", "{:,}"),
        ("sweep_ratio", "{:.3f}"),
        ("sweep_statements_per_case", "{:.3f}"),
        ("sweep_rerun_written", "{}"),
        ("overdue_p95_ms", "{:.1f}"),
        ("overdue_raw_p95_ms", "{:.1f}"),
        ("overdue_statements", "{}"),
        ("mine_p95_ms", "{:.1f}"),
        ("mine_raw_p95_ms", "{:.1f}"),
        ("mine_statements", "{}"),
    ]
    print(" | ".join(name for name, _ in columns))
    for row in results:
        print(" | ".join(template.format(row[name]) for name, template in columns))


if __name__ == "__main__":
    main()
