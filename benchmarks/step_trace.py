"""The statements of one case's seven steps through the services, counted (and with --sql,
printed): the figure the step's cost targets are read in.

    .venv/bin/python -m benchmarks.step_trace [--sql] [--cases 3]

Needs PostgreSQL on 127.0.0.1 (a scratch database `bench_trace` is made and dropped) and the
harness in ../shared/bench (BENCH_HARNESS to point elsewhere) for its ladder.
"""

import argparse
import collections
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HARNESS = Path(os.environ.get("BENCH_HARNESS", ROOT.parent / "shared" / "bench"))
DATABASE = "bench_trace"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sql", action="store_true", help="print every statement")
    parser.add_argument("--cases", type=int, default=3, help="cases to seed (the last is traced)")
    args = parser.parse_args()
    sys.path[:0] = [str(HARNESS), str(ROOT)]
    postgres("dropdb", "--if-exists", DATABASE)
    postgres("createdb", DATABASE)
    dsn = f"host=127.0.0.1 user=postgres dbname={DATABASE}"
    try:
        trace(dsn, args)
    finally:
        from django.db import connections

        connections.close_all()
        postgres("dropdb", DATABASE)


def postgres(command: str, *arguments: str) -> None:
    """A PostgreSQL client command against the local server (trust authentication)."""
    subprocess.run([command, "-h", "127.0.0.1", "-U", "postgres", *arguments], check=True)  # noqa: S603


def trace(dsn: str, args) -> None:
    from benchmarks import peers_engine

    peers_engine.prepare(dsn, "services")
    keys = peers_engine.seed(dsn, "services", args.cases)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    worker = peers_engine.open_worker(dsn, "services", 0)
    total = 0
    for step in range(1, 8):
        # the other cases first, so that per-process caches are warm as in a long run
        for index, key in enumerate(keys[:-1]):
            worker.step(key, index, step)
        with CaptureQueriesContext(connection) as queries:
            worker.step(keys[-1], len(keys) - 1, step)
        statements = [q["sql"] for q in queries.captured_queries]
        total += len(statements)
        kinds = collections.Counter(sql.split()[0].upper() for sql in statements)
        print(
            f"step {step} ({peers_engine.STEPS[step]}): {len(statements)} statements {dict(kinds)}"
        )
        if args.sql:
            for sql in statements:
                print("    " + sql[:300])
    print(f"per step: {total / 7:.1f} statements, BEGIN and COMMIT included")
    worker.close()


if __name__ == "__main__":
    main()
