"""The commit as a background job: taken once (a second click finds it taken), run by a Celery
worker, a thread of the web process or at once; its page shows a progress bar fed by the job,
and a job that stops puts the import back to its preview with the reason. The command line
prints its progress."""

import datetime
import io
import threading

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from cases import clock
from cases.models import ImportKind, ImportMode, ImportStatus, Role, RosterImport, Student
from workflows.roster import importing, jobs, progress, reach

from .test_roster_import import csv_bytes, person


@pytest.fixture
def officer(world):
    return world[Role.SCHOOL_OFFICER]


def previewed(world, officer, rows=None) -> RosterImport:
    rows = rows or [
        person(world, "王小明"),
        person(world, "李小红", birth=datetime.date(2014, 6, 1)),
    ]
    roster_import, _checked = importing.start(
        data=csv_bytes(rows),
        file_name="名册.csv",
        by=officer,
        places=reach.places_of(officer, ImportKind.ROSTER),
    )
    return roster_import


def test_a_second_click_finds_the_import_taken(world, officer, settings):
    settings.ROSTER_IMPORT_RUN = "thread"  # taken now, run after the commit (never, here)
    roster_import = previewed(world, officer)

    assert jobs.begin(roster_import, by=officer, mode=ImportMode.ALL_OR_NOTHING)
    assert not jobs.begin(roster_import, by=officer, mode=ImportMode.ALL_OR_NOTHING)

    roster_import.refresh_from_db()
    assert roster_import.status == ImportStatus.COMMITTING
    assert roster_import.commit_started_at is not None
    assert not Student.objects.exists()


def test_the_page_shows_the_bar_and_the_progress_url_says_how_far(world, officer, settings):
    settings.ROSTER_IMPORT_RUN = "thread"
    roster_import = previewed(world, officer)
    client = Client()
    client.force_login(officer)
    preview = reverse("work:roster_preview", args=[roster_import.pk])

    response = client.post(preview, {"action": ImportMode.ALL_OR_NOTHING})
    assert response.status_code == 302
    progress.report(roster_import.pk, "writing", 1, 2)

    page = client.get(preview).content.decode()
    assert 'id="kc-roster-progress"' in page
    assert '<progress max="100" value="70"' in page  # writing: 40 % + half of the other 60 %
    assert "正在写入" in page
    found = client.get(reverse("work:roster_progress", args=[roster_import.pk])).json()
    assert found == {"status": "committing", "phase": "writing", "done": 1, "total": 2,
                     "percent": 70}  # fmt: skip
    # no buttons while it runs: the import is the job's
    assert 'name="action"' not in page


def test_a_job_that_stops_puts_the_import_back_with_the_reason(world, officer, settings):
    settings.ROSTER_IMPORT_RUN = "inline"
    rows = [person(world, "王小明"), person(world, "李小红")]
    roster_import = previewed(world, officer, rows)
    # the roll changes after the preview: 李小红's identity number now belongs to another number
    other = list(rows[1])
    other[0] = "G000000000000000001"
    clash = previewed(world, officer, rows=[other])
    importing.commit(clash, by=officer, places=reach.places_of(officer), mode="all")

    assert jobs.begin(roster_import, by=officer, mode=ImportMode.ALL_OR_NOTHING)

    roster_import.refresh_from_db()
    assert roster_import.status == ImportStatus.PREVIEWED
    assert "1" in roster_import.failure  # "1 row is refused: nothing was imported…"
    assert Student.objects.count() == 1
    # and the page says why, with the buttons back
    client = Client()
    client.force_login(officer)
    page = client.get(reverse("work:roster_preview", args=[roster_import.pk])).content.decode()
    assert roster_import.failure in page
    assert 'name="action"' in page


@pytest.mark.django_db(transaction=True)
def test_without_a_broker_the_job_runs_in_a_thread_of_the_web_process(world, officer, settings):
    settings.ROSTER_IMPORT_RUN = "thread"
    roster_import = previewed(world, officer)
    before = set(threading.enumerate())

    assert jobs.begin(roster_import, by=officer, mode=ImportMode.ALL_OR_NOTHING)

    (worker,) = [t for t in threading.enumerate() if t not in before]
    assert worker.name == f"roster-import-{roster_import.pk}"
    worker.join(timeout=60)
    roster_import.refresh_from_db()
    assert roster_import.status == ImportStatus.COMMITTED
    assert Student.objects.count() == 2
    assert progress.read(roster_import.pk).phase == ""  # cleared at the end


def test_with_a_broker_a_celery_task_runs_it(
    world, officer, settings, django_capture_on_commit_callbacks
):
    from project.celery import app

    settings.ROSTER_IMPORT_RUN = "celery"
    roster_import = previewed(world, officer)
    app.conf.task_always_eager = True  # the worker's code, run here; the broker is not tested
    try:
        with django_capture_on_commit_callbacks(execute=True):
            assert jobs.begin(roster_import, by=officer, mode=ImportMode.ALL_OR_NOTHING)
    finally:
        app.conf.task_always_eager = False
    roster_import.refresh_from_db()
    assert roster_import.status == ImportStatus.COMMITTED
    # delivered twice (a worker lost after the commit): the second finds nothing to do
    jobs.run(roster_import.pk, officer.pk)
    assert Student.objects.count() == 2


def test_the_command_line_prints_progress(world, officer, tmp_path):
    path = tmp_path / "名册.csv"
    path.write_bytes(csv_bytes([person(world, "王小明")]))
    out, err = io.StringIO(), io.StringIO()

    call_command(
        "import_roster",
        str(path),
        unit=world.school.code,
        user=officer.username,
        commit=ImportMode.ALL_OR_NOTHING,
        stdout=out,
        stderr=err,
    )

    assert Student.objects.count() == 1
    lines = err.getvalue().splitlines()
    assert lines == ["核对 1/1", "写入 1/1"]


def test_a_job_that_died_is_put_back_when_its_page_is_opened(world, officer, settings):
    settings.ROSTER_IMPORT_RUN = "thread"  # taken, never run here: as if the worker died
    roster_import = previewed(world, officer)
    jobs.begin(roster_import, by=officer, mode=ImportMode.ALL_OR_NOTHING)
    client = Client()
    client.force_login(officer)
    preview = reverse("work:roster_preview", args=[roster_import.pk])

    client.get(preview)  # a few minutes later: still running, left alone
    roster_import.refresh_from_db()
    assert roster_import.status == ImportStatus.COMMITTING
    # a second click while it runs shows the page again, not an error
    assert client.post(preview, {"action": ImportMode.CLEAN_ROWS}).status_code == 302

    later = clock.now() + jobs.STALE_AFTER + datetime.timedelta(minutes=1)
    with clock.frozen(later):
        page = client.get(preview).content.decode()
    roster_import.refresh_from_db()
    assert roster_import.status == ImportStatus.PREVIEWED
    assert str(jobs.LOST) in page
    assert 'name="action"' in page  # it can be imported again, or discarded


def test_a_broker_that_is_down_puts_the_import_back(
    world, officer, settings, monkeypatch, django_capture_on_commit_callbacks
):
    from workflows import tasks

    settings.ROSTER_IMPORT_RUN = "celery"
    roster_import = previewed(world, officer)

    def refuse(*args, **kwargs):
        raise ConnectionError("no broker")

    monkeypatch.setattr(tasks.commit_roster_import, "delay", refuse)
    client = Client()
    client.force_login(officer)
    preview = reverse("work:roster_preview", args=[roster_import.pk])

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(preview, {"action": ImportMode.ALL_OR_NOTHING})

    roster_import.refresh_from_db()
    assert roster_import.status == ImportStatus.PREVIEWED
    assert roster_import.failure == str(jobs.NOT_HANDED_OVER)
    assert str(jobs.NOT_HANDED_OVER) in client.get(response["Location"]).content.decode()
