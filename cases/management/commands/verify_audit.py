from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from cases import chain, checkpoint


class Command(BaseCommand):
    help = "Verify the hash chain of every case's events; name each event that was edited."

    def add_arguments(self, parser):
        parser.add_argument(
            "--checkpoint",
            type=Path,
            help="the signed checkpoint to compare with (default: AUDIT_CHECKPOINT_PATH)",
        )

    def handle(self, *args, checkpoint: Path | None = None, **options) -> None:
        problems = against_checkpoint(checkpoint)
        broken = chain.verify()
        for link in broken:
            if link.contact_id is not None:
                self.stdout.write(
                    _("Case %(case)s: contact %(contact)s does not match its chain.")
                    % {"case": link.case_id, "contact": link.contact_id}
                )
                continue
            if link.papers_missing:
                self.stdout.write(
                    _("Case %(case)s: a document or a proof of service was deleted.")
                    % {"case": link.case_id}
                )
                continue
            if link.document_id is not None:
                self.stdout.write(
                    _("Case %(case)s: document %(document)s or its proof of service was edited.")
                    % {"case": link.case_id, "document": link.document_id}
                )
                continue
            self.stdout.write(
                _(
                    "Case %(case)s: event %(event)s does not match its chain (edited, removed or "
                    "reordered)."
                )
                % {"case": link.case_id, "event": link.event_id}
            )
        for problem in problems:
            self.stdout.write(problem)
        if broken or problems:
            raise CommandError(
                _("%(count)d case(s) with a broken audit chain.")
                % {"count": len({link.case_id for link in broken}) + len(problems)}
            )
        self.stdout.write(_("Every case's audit chain holds."))


def configured_path(path: Path | None) -> Path | None:
    """The file named on the command line, else AUDIT_CHECKPOINT_PATH, else none."""
    if path is None and settings.AUDIT_CHECKPOINT_PATH:
        return Path(settings.AUDIT_CHECKPOINT_PATH)
    return path


def against_checkpoint(path: Path | None) -> list[str]:
    path = configured_path(path)
    return checkpoint.compare(path) if path else []
