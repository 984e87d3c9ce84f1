from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from cases.grants import grants_sync


class Command(BaseCommand):
    help = "Make the grants match the records: staff roles on units, owners on open cases."

    def handle(self, *args, **options) -> None:
        added, removed = grants_sync()
        self.stdout.write(
            _("Added %(added)d grants, removed %(removed)d.") % {"added": added, "removed": removed}
        )
