"""Count the roll as the enrolment at the start of a school year, for a county or a school."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from cases import clock
from cases.models import Unit
from workflows.figures import snapshot, years


class Command(BaseCommand):
    help = _("Count each school's roll by grade as the enrolment at the start of a school year.")

    def add_arguments(self, parser) -> None:
        parser.add_argument("unit", help=_("the code of a county, a school district or a school"))
        parser.add_argument(
            "--year", type=int, help=_("the school year, by the year it starts (default: now)")
        )

    def handle(self, *args, unit: str, year: int | None = None, **options) -> None:
        found = Unit.objects.filter(code=unit).first()
        if found is None:
            raise CommandError(_("No unit has the code %(code)s.") % {"code": unit})
        year = year or years.of_unit(found).year_of(clock.today())
        written = snapshot.take(found, year)
        self.stdout.write(
            _("%(rows)d enrolment rows counted for %(unit)s, school year %(year)d.")
            % {"rows": written, "unit": found.name, "year": year}
        )
