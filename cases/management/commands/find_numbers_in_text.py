"""`manage.py find_numbers_in_text`: which rows already hold an identity or phone number in free
text (typed before the forms refused them), by table, field and row id; never the text itself.

An operator then asks the people who wrote them to correct the record with a new step (nothing
is edited in place: events and history are the audit trail)."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from cases.models import Absence, AccessLog, Case, CaseEvent, Contact, SupportPlan
from cases.validators import refuse_numbers_in_text

FIELDS = {
    Case: ("reason_note", "whereabouts", "receiving_school"),
    Case.history.model: ("reason_note", "whereabouts", "receiving_school"),
    CaseEvent: ("note",),
    Contact: ("place", "other_participants", "result", "next_step"),
    Contact.history.model: ("place", "other_participants", "result", "next_step"),
    AccessLog: ("reason",),
    Absence: ("contacted", "note"),
    Absence.history.model: ("contacted", "note"),
    SupportPlan: ("measures", "responsible"),
    SupportPlan.history.model: ("measures", "responsible"),
}


def holds_number(text: str) -> bool:
    try:
        refuse_numbers_in_text(text or "")
    except ValidationError:
        return True
    return False


def rows_with_numbers():
    """(model, field, [row ids]) for every field where some row holds a number."""
    for model, fields in FIELDS.items():
        key = model._meta.pk.attname
        for field in fields:
            ids = [
                pk
                for pk, text in model.objects.values_list(key, field).iterator(chunk_size=2000)
                if holds_number(text)
            ]
            if ids:
                yield model, field, ids


class Command(BaseCommand):
    help = "Report rows whose free text holds an identity or phone number (ids only)."

    def handle(self, *args, **options) -> None:
        found = 0
        for model, field, ids in rows_with_numbers():
            found += len(ids)
            shown = ", ".join(str(pk) for pk in ids[:50]) + (" …" if len(ids) > 50 else "")
            self.stdout.write(
                _("%(table)s.%(field)s: %(count)d row(s): %(ids)s")
                % {"table": model._meta.db_table, "field": field, "count": len(ids), "ids": shown}
            )
        if not found:
            self.stdout.write(_("No free text holds an identity or phone number."))
