"""Deliver the open outbox rows whose time has come: what Celery beat does in production, for a
laptop without Redis. Once by default; `--loop` keeps going every `--interval` seconds."""

import time

from django.core.management.base import BaseCommand

from notifications import delivery


class Command(BaseCommand):
    help = "Deliver pending and retrying notifications whose time has come."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--loop", action="store_true", help="keep delivering until stopped")
        parser.add_argument(
            "--interval", type=float, default=30.0, help="seconds between rounds with --loop"
        )
        parser.add_argument("--limit", type=int, default=200, help="rows per round at most")

    def handle(self, *args, loop: bool, interval: float, limit: int, **options) -> None:
        while True:
            counts = delivery.deliver_due(limit=limit)
            if counts or not loop:
                summary = ", ".join(f"{status} {n}" for status, n in sorted(counts.items()))
                self.stdout.write(f"delivered: {summary or 'nothing due'}")
            if not loop:
                return
            try:
                time.sleep(interval)
            except KeyboardInterrupt:
                return
