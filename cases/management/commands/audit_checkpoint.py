from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import checkpoint

from .verify_audit import configured_path


class Command(BaseCommand):
    help = "Write the signed checkpoint of every case's chain head (the sweep does it too)."

    def add_arguments(self, parser):
        parser.add_argument("--path", type=Path, help="default: AUDIT_CHECKPOINT_PATH")

    def handle(self, *args, path: Path | None = None, **options) -> None:
        path = configured_path(path)
        if path is None:
            raise CommandError(_("Name the file: --path, or AUDIT_CHECKPOINT_PATH."))
        count = checkpoint.write(path, now=timezone.now())
        self.stdout.write(_("Checkpoint of %(count)d case(s) written.") % {"count": count})
