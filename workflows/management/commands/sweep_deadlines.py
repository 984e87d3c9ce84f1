import dataclasses

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from workflows.sweep import sweep_deadlines


class Command(BaseCommand):
    help = "Send due reminders, alert on passed deadlines, escalate where the policy says so."

    def handle(self, *args, **options) -> None:
        report = sweep_deadlines()
        summary = _("Reminders: %(reminders)d, overdue: %(overdue)d, escalated: %(escalated)d")
        self.stdout.write(summary % dataclasses.asdict(report))
