"""Orders served before notices recorded their service were served the day of the step, and
their limit's last day set the stage's deadline: it becomes the limit's end, so that those cases
may be referred once it has passed."""

from django.db import migrations
from django.utils import timezone


def fill(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    waiting = Case.objects.filter(
        stage="legal_enforcement",
        order_served_on__isnull=False,
        order_ends_on__isnull=True,
        deadline__isnull=False,
    )
    for case in waiting.only("pk", "deadline").iterator():
        ends_on = timezone.localdate(case.deadline)
        Case.objects.filter(pk=case.pk).update(order_ends_on=ends_on)


class Migration(migrations.Migration):
    dependencies = [("cases", "0027_default_wordings")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
