"""The commit of a checked import as a background job: a Celery task where a broker is
configured, a thread of the web process where none is (a laptop, the demo), or at once (tests,
the command line). The page follows it through `progress`."""

import logging
import threading

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import close_old_connections, transaction
from django.utils.translation import gettext_lazy as _

from cases import clock
from cases.models import ImportStatus, RosterImport

from . import importing, progress, reach

log = logging.getLogger(__name__)
FAILED = _("The import stopped on an error and wrote nothing. Try again, or tell the county.")


def begin(roster_import: RosterImport, *, by, mode: str) -> bool:
    """Hand a previewed import to the job; False, changing nothing, when it is no longer
    waiting (committed, discarded, or already taken by a second click)."""
    taken = RosterImport.objects.filter(pk=roster_import.pk, status=ImportStatus.PREVIEWED).update(
        status=ImportStatus.COMMITTING, mode=mode, commit_started_at=clock.now(), failure=""
    )
    if not taken:
        return False
    progress.report(roster_import.pk, "checking", 0, roster_import.rows)
    how = settings.ROSTER_IMPORT_RUN
    if how == "inline":
        run(roster_import.pk, by.pk, mode)
    elif how == "thread":
        transaction.on_commit(lambda: _thread(roster_import.pk, by.pk, mode))
    else:
        from ..tasks import commit_roster_import

        transaction.on_commit(lambda: commit_roster_import.delay(roster_import.pk, by.pk, mode))
    return True


def _thread(import_id: int, user_id: int, mode: str) -> None:
    def work():
        try:
            run(import_id, user_id, mode)
        finally:
            close_old_connections()

    threading.Thread(target=work, name=f"roster-import-{import_id}", daemon=True).start()


def run(import_id: int, user_id: int, mode: str, *, also=None) -> None:
    """The job: commit the import, or put it back to its preview with the reason it stopped.
    A job delivered twice finds the import committed and does nothing."""
    roster_import = RosterImport.objects.filter(
        pk=import_id, status=ImportStatus.COMMITTING
    ).first()
    if roster_import is None:
        return
    by = get_user_model().objects.get(pk=user_id)
    places = reach.places_of(by, roster_import.kind)
    try:
        importing.commit(
            roster_import,
            by=by,
            places=places,
            mode=mode,
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
    RosterImport.objects.filter(pk=import_id, status=ImportStatus.COMMITTING).update(
        status=ImportStatus.PREVIEWED, failure=reason
    )
