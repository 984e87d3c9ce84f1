from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from project.backup import BackupError, restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by backup_database into the configured database, which must be "
        "empty; then run verify_audit with the same AUDIT_CHAIN_KEY."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="the backup file")

    def handle(self, *args, path: Path, **options) -> None:
        try:
            restore(path)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            _("Restored from %(path)s. Check it with: manage.py verify_audit") % {"path": path}
        )
