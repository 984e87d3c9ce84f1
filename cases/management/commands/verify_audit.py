from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from cases import chain


class Command(BaseCommand):
    help = "Verify the hash chain of every case's events; name each event that was edited."

    def handle(self, *args, **options) -> None:
        broken = chain.verify()
        for link in broken:
            self.stdout.write(
                _(
                    "Case %(case)s: event %(event)s does not match its chain (edited, removed or "
                    "reordered)."
                )
                % {"case": link.case_id, "event": link.event_id}
            )
        if broken:
            raise CommandError(
                _("%(count)d case(s) with a broken audit chain.") % {"count": len(broken)}
            )
        self.stdout.write(_("Every case's audit chain holds."))
