"""The commit of a checked import as a background job: a Celery task where a broker is
configured, a thread of the web process where none is (a laptop, the demo), or at once (tests,
the command line). The page follows it through `progress`.

An import is never left "committing" for good: a job that fails, or cannot even be handed to
the broker, puts it back to its preview with the reason; one whose worker died (a deploy, a
killed process) is put back by `reap` when its page is next opened, once no transaction holds
it any more."""

import datetime
import logging
import threading

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connections, transaction
from django.utils.translation import gettext_lazy as _

from cases import clock
from cases.models import ImportStatus, RosterImport

from . import importing, progress, reach

log = logging.getLogger(__name__)
FAILED = _("The import stopped on an error and wrote nothing. Try again, or tell the county.")
NOT_HANDED_OVER = _(
    "The import could not be handed to the background worker and wrote nothing. Try again in "
    "a moment."
)
LOST = _("The import was interrupted (the server restarted) and wrote nothing. Import it again.")
STALE_AFTER = datetime.timedelta(minutes=30)


def begin(roster_import: RosterImport, *, by, mode: str) -> bool:
    """Hand a previewed import to the job; False, changing nothing, when it is no longer
    waiting (committed, discarded, or already taken by a second click)."""
    started = clock.now()
    taken = RosterImport.objects.filter(pk=roster_import.pk, status=ImportStatus.PREVIEWED).update(
        status=ImportStatus.COMMITTING, mode=mode, commit_started_at=started, failure=""
    )
    if not taken:
        return False
    progress.report(roster_import.pk, "checking", 0, roster_import.rows)
    how = settings.ROSTER_IMPORT_RUN
    if how == "inline":
        run(roster_import.pk, by.pk)
    elif how == "thread":
        transaction.on_commit(lambda: _thread(roster_import.pk, by.pk))
    else:
        transaction.on_commit(lambda: _enqueue(roster_import.pk, by.pk))
    return True


def _enqueue(import_id: int, user_id: int) -> None:
    from ..tasks import commit_roster_import

    try:
        commit_roster_import.delay(import_id, user_id)
    except Exception:  # the broker is down: say so now rather than leave the import waiting
        log.exception("roster import %s could not be queued", import_id)
        _stopped(import_id, str(NOT_HANDED_OVER))


def _thread(import_id: int, user_id: int) -> None:
    def work():
        try:
            run(import_id, user_id)
        except Exception:  # noqa: S110 - logged by run(); a thread has no one to raise to
            pass
        finally:
            connections.close_all()  # the thread's own connections, whatever CONN_MAX_AGE says

    threading.Thread(target=work, name=f"roster-import-{import_id}", daemon=True).start()


def run(import_id: int, user_id: int, *, also=None) -> None:
    """The job: commit the import with the mode `begin` stored, or put it back to its preview
    with the reason it stopped. A job delivered twice finds the import committed and does
    nothing."""
    roster_import = RosterImport.objects.filter(
        pk=import_id, status=ImportStatus.COMMITTING
    ).first()
    if roster_import is None:
        return
    try:
        by = get_user_model().objects.get(pk=user_id)
        importing.commit(
            roster_import,
            by=by,
            places=reach.places_of(by, roster_import.kind),
            mode=roster_import.mode,
            progress=progress.Reporter(import_id, also),
        )
    except ValidationError as error:
        _stopped(import_id, " ".join(error.messages))
    except Exception:
        log.exception("roster import %s stopped", import_id)
        _stopped(import_id, str(FAILED))
        raise
    finally:
        progress.clear(import_id)


def _stopped(import_id: int, reason: str) -> None:
    try:
        RosterImport.objects.filter(pk=import_id, status=ImportStatus.COMMITTING).update(
            status=ImportStatus.PREVIEWED, failure=reason
        )
    except DatabaseError:  # the connection the job broke on; `reap` puts it back later
        log.exception("roster import %s: could not record why it stopped", import_id)


def reap(roster_import: RosterImport) -> bool:
    """Put back an import whose job died: committing for longer than STALE_AFTER and held by
    no transaction (a running job holds its row). True when it was put back."""
    if roster_import.status != ImportStatus.COMMITTING:
        return False
    started = roster_import.commit_started_at
    if started is not None and clock.now() - started < STALE_AFTER:
        return False
    try:
        with transaction.atomic():
            found = (
                RosterImport.objects.select_for_update(skip_locked=True)
                .filter(pk=roster_import.pk, status=ImportStatus.COMMITTING)
                .first()
            )
            if found is None:
                return False
            found.status, found.failure = ImportStatus.PREVIEWED, str(LOST)
            found.save(update_fields=["status", "failure"])
    except DatabaseError:  # SQLite: the job's transaction still holds the database
        return False
    roster_import.refresh_from_db()
    return True
