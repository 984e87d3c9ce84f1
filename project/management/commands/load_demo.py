"""`manage.py load_demo`: load the demo county, then print how to sign in and what is there.

The table names one login per role so that a visitor can see the same cases from each side
of the ladder. It never prints an identity or phone number: only names, usernames and units.
"""

import os
import unicodedata

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db.models import Count
from django.utils.translation import gettext as _

from cases import clock
from cases.ladder import OPEN_STAGES
from cases.models import Case, Role, Stage, Student, Unit, UnitKind
from fixtures import demo

# Where bin/demo serves (DEMO_ADDRESS), so the printed address is the one to open.
SIGN_IN_URL = f"http://{os.environ.get('DEMO_ADDRESS', '127.0.0.1:8000')}/"


def width(text: str) -> int:
    """Columns a terminal gives `text`: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def table(rows: list[list[str]]) -> list[str]:
    widths = [max(width(row[column]) for row in rows) for column in range(len(rows[0]))]
    return [
        "  ".join(cell + " " * (widths[n] - width(cell)) for n, cell in enumerate(row)).rstrip()
        for row in rows
    ]


def unit_label(unit: Unit) -> str:
    """A class with its school, a village with its township; other units by name."""
    if unit.kind == UnitKind.CLASS:
        return f"{unit.parent.parent.name} {unit.name}"
    if unit.kind == UnitKind.VILLAGE:
        return f"{unit.parent.name}{unit.name}"
    return unit.name


def login_rows() -> list[list[str]]:
    users = (
        get_user_model()
        .objects.filter(username__in=demo.PERSONAS)
        .prefetch_related("staff_roles__unit__parent__parent")
    )
    by_name = {user.username: user for user in users}
    rows = []
    for username in demo.PERSONAS:
        user = by_name.get(username)
        if user is None:
            continue
        staff_role = next(iter(user.staff_roles.all()), None)
        if staff_role is not None:
            role, unit = str(Role(staff_role.role).label), unit_label(staff_role.unit)
        elif user.is_superuser:
            role, unit = _("Superuser"), _("everything")
        else:
            continue
        rows.append([role, username, demo.PASSWORD, unit, user.first_name])
    return rows


class Command(BaseCommand):
    @property
    def help(self) -> str:
        # A property, not a lazy string: argparse needs a real str and reads it at call time.
        return _(
            "Load the demo county (12 schools, about 1,500 students, about 60 cases) and print "
            "the demo logins. Running it again creates nothing new."
        )

    def handle(self, *args, **options) -> None:
        demo.load()
        write = self.stdout.write
        header = [_("Role"), _("Username"), _("Password"), _("Serves"), _("Name")]
        write(_("Demo logins:"))
        for line in table([header, *login_rows()]):
            write("  " + line)
        write(_("Sign in at %(url)s") % {"url": SIGN_IN_URL})
        write("")
        self.write_counts()

    def write_counts(self) -> None:
        county = Unit.objects.get(code=demo.COUNTY_CODE)
        units = Unit.objects.filter(path__startswith=county.path)
        cases = Case.objects.filter(school__path__startswith=county.path)
        write = self.stdout.write
        write(_("Schools: %(count)d") % {"count": units.filter(kind=UnitKind.SCHOOL).count()})
        write(_("Classes: %(count)d") % {"count": units.filter(kind=UnitKind.CLASS).count()})
        students = Student.objects.filter(school__path__startswith=county.path).count()
        write(_("Students: %(count)d") % {"count": students})
        write(_("Cases: %(count)d") % {"count": cases.count()})
        by_stage = dict(cases.values_list("stage").annotate(count=Count("id")))
        write("  " + "  ".join(f"{Stage(stage).label} {by_stage.get(stage, 0)}" for stage in Stage))
        overdue = cases.filter(stage__in=OPEN_STAGES, deadline__lt=clock.now()).count()
        write(_("Overdue open cases: %(count)d") % {"count": overdue})
