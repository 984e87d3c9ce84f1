"""End to end with a real Celery worker on Redis: notify() in a committed transaction reaches
the in-app inbox and a (fake) WeCom robot through the broker and a worker process.

The worker is a subprocess on the same test database: a transactional test (so that the rows
are committed and visible to it), with the database's address passed in DATABASE_URL; on
SQLite the test settings use a file database for exactly this. Skipped when Redis is not
reachable, except under CI, where a skipped end-to-end test would pass unnoticed.
"""

import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest
import redis

from notifications.models import InboxItem, Message, Status
from notifications.services import notify, notify_group
from project.celery import app as celery_app

from ..databases import database_url
from .fakes import FakeWeCom

REPO_ROOT = Path(__file__).resolve().parents[2]
DEADLINE_SECONDS = 45  # for the worker to start and deliver; it takes a few seconds


def redis_reachable(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def start_worker(broker: str, webhook: str, log) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "project.settings.test",
        "DATABASE_URL": database_url(),
        "TEST_CELERY_BROKER_URL": broker,
        "TEST_WECOM_WEBHOOK_URL": webhook,
    }
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "project",
        "worker",
        "--pool=solo",
        "--concurrency=1",
        "--loglevel=INFO",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "--hostname",
        f"e2e-{uuid.uuid4().hex[:8]}@%h",
    ]
    return subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        command, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )


def stop(worker: subprocess.Popen) -> None:
    worker.terminate()
    try:
        worker.wait(timeout=10)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait(timeout=5)


@pytest.mark.django_db(transaction=True)
def test_real_worker_delivers_to_the_inbox_and_the_group_robot(settings, user, case_context):
    broker = settings.CELERY_BROKER_URL
    if not redis_reachable(broker):
        reason = f"Redis is not reachable at {broker}: the real-worker test needs it"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    celery_app.control.purge()  # leftovers of an earlier, interrupted run
    settings.NOTIFICATIONS_DELIVERY = "celery"

    with FakeWeCom() as robot, tempfile.TemporaryFile("w+") as log:
        worker = start_worker(broker, robot.url, log)
        try:
            # When a step commits its notifications
            [to_user] = notify(
                recipient=user,
                template_key="case_assigned",
                context=case_context,
                dedup_key="e2e-user",
            )
            [to_group] = notify_group(
                template_key="case_escalated", context=case_context, dedup_key="e2e-group"
            )
            # Then the worker delivers both
            rows = Message.objects.filter(pk__in=[to_user.pk, to_group.pk])
            started = time.monotonic()
            while time.monotonic() - started < DEADLINE_SECONDS:
                if all(row.status == Status.SENT for row in rows.all()):
                    break
                if worker.poll() is not None:
                    break
                time.sleep(0.2)
            statuses = {row.channel: row.status for row in rows.all()}
            if statuses != {"inbox": Status.SENT, "wecom": Status.SENT}:
                log.seek(0)
                pytest.fail(f"not delivered: {statuses}; worker log:\n{log.read()[-4000:]}")
        finally:
            stop(worker)

    item = InboxItem.objects.get(message=to_user)
    assert item.user == user
    assert "15号案件" in item.title
    [request] = robot.requests
    assert "15号案件" in request["body"]["markdown"]["content"]
