"""The case row keeps the hash of its newest event (the next event links to it), filled in
here for the cases that already have events."""

from django.db import migrations, models


def fill_heads(apps, schema_editor):
    case_model = apps.get_model("cases", "Case")
    event_model = apps.get_model("cases", "CaseEvent")
    newest = event_model.objects.filter(case_id=models.OuterRef("pk")).order_by("-id")
    case_model.objects.update(
        chain_head=models.functions.Coalesce(
            models.Subquery(newest.values("hash")[:1]), models.Value("")
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0017_contact_chain"),
    ]

    operations = [
        migrations.AddField(
            model_name="case",
            name="chain_head",
            field=models.CharField(
                blank=True, editable=False, max_length=64, verbose_name="chain head"
            ),
        ),
        migrations.RunPython(fill_heads, migrations.RunPython.noop),
    ]
