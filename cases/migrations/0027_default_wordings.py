"""The first version of each kind's wording: an administrator changes it by adding a version."""

from django.db import migrations
from django.utils import timezone

from cases.wordings import DEFAULTS


def create(apps, schema_editor):
    Wording = apps.get_model("cases", "Wording")
    now = timezone.now()
    for kind, (title, body) in DEFAULTS.items():
        Wording.objects.get_or_create(
            kind=kind, version=1, defaults={"title": title, "body": body, "created_at": now}
        )


class Migration(migrations.Migration):
    dependencies = [("cases", "0026_documents")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
