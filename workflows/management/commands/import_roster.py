from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from cases.models import ImportKind, ImportMode, Unit
from workflows.roster import importing, staff


class Command(BaseCommand):
    help = (
        "Check a list (.xlsx, .xls, .csv, .txt): a 学籍 roll, a township's 户籍 list or a staff "
        "list, against the units under --unit, and print what it would change; with --commit, "
        "write it, reporting progress on stderr."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--unit", required=True, help="code of the county or school imported")
        parser.add_argument("--user", required=True, help="username the history names")
        parser.add_argument("--encoding", help="text encoding, when detection is wrong")
        parser.add_argument(
            "--kind", choices=ImportKind.values, default=ImportKind.ROSTER, help="the list's kind"
        )
        parser.add_argument(
            "--commit",
            choices=[ImportMode.ALL_OR_NOTHING, ImportMode.CLEAN_ROWS],
            help="all: every row or nothing; clean: the clean rows only",
        )

    def handle(self, *args, file: Path, unit: str, user: str, encoding, commit, kind, **options):
        try:
            scope = Unit.objects.get(code=unit)
            by = get_user_model().objects.get(username=user)
        except (Unit.DoesNotExist, get_user_model().DoesNotExist) as error:
            raise CommandError(_("No such unit or user.")) from error
        if kind == ImportKind.STAFF:
            places = staff.StaffPlaces([scope])
        else:
            places = importing.places_under([scope], own_townships=kind == ImportKind.HOUSEHOLD)
        try:
            roster_import, checked = importing.start(
                data=file.read_bytes(),
                file_name=file.name,
                by=by,
                places=places,
                encoding=encoding,
                kind=kind,
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(
            _(
                "Rows: %(rows)d; new: %(new)d, changed: %(changed)d, unchanged: %(unchanged)d, "
                "refused: %(refused)d; no longer on the roll: %(left_roll)d"
            )
            % vars(roster_import)
        )
        for refusal in checked.refusals:  # the row and column, never the value
            self.stdout.write(f"  {refusal.row}\t{refusal.column}\t{refusal.reason}")
        if not commit:
            importing.discard(roster_import)
            self.stdout.write(_("Checked only: nothing was written (add --commit all or clean)."))
            return
        try:
            importing.commit(
                roster_import, by=by, places=places, mode=commit, progress=self.progress()
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(_("Committed: import %(id)d.") % {"id": roster_import.pk})

    def progress(self):
        """A line on stderr at each tenth of a phase: the phase, rows done of all."""
        shown = set()
        labels = {"checking": _("Checking"), "writing": _("Writing")}

        def report(phase: str, done: int, total: int) -> None:
            tenth = done * 10 // total if total else 10
            if (phase, tenth) in shown or (done != total and done % 100):
                return
            shown.add((phase, tenth))
            self.stderr.write(f"{labels[phase]} {done}/{total}")

        return report
