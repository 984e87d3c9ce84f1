"""The case row keeps the hash of its newest event (the next event links to it), filled in
here for the cases that already have events, with their version as the count of events."""

from django.db import migrations, models


def fill_heads(apps, schema_editor):
    """The head of each chain, and the version as the number of events: from here on
    verify_audit holds the row to both (a case opened before versions were counted would
    otherwise be reported for a version it never had)."""
    case_model = apps.get_model("cases", "Case")
    event_model = apps.get_model("cases", "CaseEvent")
    events = event_model.objects.filter(case_id=models.OuterRef("pk"))
    count = events.order_by().values("case_id").annotate(n=models.Count("id")).values("n")
    case_model.objects.update(
        chain_head=models.functions.Coalesce(
            models.Subquery(events.order_by("-id").values("hash")[:1]), models.Value("")
        ),
        version=models.functions.Coalesce(models.Subquery(count), models.Value(0)),
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
