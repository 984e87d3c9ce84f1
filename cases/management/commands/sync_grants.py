from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from cases.grants import grants_sync


class Command(BaseCommand):
    help = "Grant every staff role its units and every open case's owner the case (idempotent)."

    def handle(self, *args, **options) -> None:
        added = grants_sync()
        self.stdout.write(_("Added %(count)d grants.") % {"count": added})
