from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from cases.models import ImportMode, Unit
from workflows.roster import importing


class Command(BaseCommand):
    help = (
        "Check a 学籍 roster file (.xlsx, .xls, .csv, .txt) against a county's schools and "
        "print what it would change; with --commit, write it."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--unit", required=True, help="code of the county or school imported")
        parser.add_argument("--user", required=True, help="username the history names")
        parser.add_argument("--encoding", help="text encoding, when detection is wrong")
        parser.add_argument(
            "--commit",
            choices=[ImportMode.ALL_OR_NOTHING, ImportMode.CLEAN_ROWS],
            help="all: every row or nothing; clean: the clean rows only",
        )

    def handle(self, *args, file: Path, unit: str, user: str, encoding, commit, **options):
        try:
            scope = Unit.objects.get(code=unit)
            by = get_user_model().objects.get(username=user)
        except (Unit.DoesNotExist, get_user_model().DoesNotExist) as error:
            raise CommandError(_("No such unit or user.")) from error
        places = importing.places_under([scope])
        try:
            roster_import, checked = importing.start(
                data=file.read_bytes(), file_name=file.name, by=by, places=places, encoding=encoding
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
            importing.commit(roster_import, by=by, places=places, mode=commit)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(_("Committed: import %(id)d.") % {"id": roster_import.pk})
