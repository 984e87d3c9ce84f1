from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from project.backup import BackupError, backup


class Command(BaseCommand):
    help = "Back up the whole database to a file (pg_dump on PostgreSQL, SQLite's backup API)."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="the backup file to write (mode 0600)")

    def handle(self, *args, path: Path, **options) -> None:
        try:
            backup(path)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(_("Backup written to %(path)s.") % {"path": path})
