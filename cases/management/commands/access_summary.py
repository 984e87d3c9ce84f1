import datetime

from django.core.management.base import BaseCommand
from django.db.models import Count
from django.utils.translation import gettext as _

from cases import clock
from cases.models import AccessAction, AccessLog


class Command(BaseCommand):
    help = "Print a year's access to children's data per role and action (annual audit)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--year", type=int, default=clock.today().year)

    def handle(self, *args, year: int, **options) -> None:
        start = datetime.datetime(year, 1, 1, tzinfo=clock.TZ)
        end = datetime.datetime(year + 1, 1, 1, tzinfo=clock.TZ)
        rows = (
            AccessLog.objects.filter(at__gte=start, at__lt=end)
            .values("roles", "action")
            .annotate(entries=Count("id"), people=Count("user", distinct=True))
            .order_by("roles", "action")
        )
        self.stdout.write(_("Access to children's data in %(year)d") % {"year": year})
        labels = dict(AccessAction.choices)
        for row in rows:
            self.stdout.write(
                f"{row['roles'] or '-'}\t{labels.get(row['action'], row['action'])}\t"
                + _("%(entries)d entries by %(people)d people")
                % {"entries": row["entries"], "people": row["people"]}
            )
