"""Each case names its county (the county of its school): the stage policies, the calendar and
the county supervisors read it instead of climbing the tree from the school."""

import django.db.models.deletion
from django.db import migrations, models


def fill_county(apps, schema_editor):
    case_model = apps.get_model("cases", "Case")
    unit_model = apps.get_model("cases", "Unit")
    counties = {unit.path: unit.pk for unit in unit_model.objects.filter(kind="county")}
    for case in case_model.objects.select_related("school").only("pk", "school__path"):
        county = next(
            (pk for path, pk in counties.items() if case.school.path.startswith(path)), None
        )
        case_model.objects.filter(pk=case.pk).update(county_id=county)
    historical_model = apps.get_model("cases", "HistoricalCase")
    for case_id, county_id in case_model.objects.values_list("pk", "county_id"):
        historical_model.objects.filter(id=case_id).update(county_id=county_id)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0010_case_version"),
    ]

    operations = [
        migrations.AddField(
            model_name="case",
            name="county",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="county_cases",
                to="cases.unit",
                verbose_name="county",
            ),
        ),
        migrations.AddField(
            model_name="historicalcase",
            name="county",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="cases.unit",
                verbose_name="county",
            ),
        ),
        migrations.RunPython(fill_county, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="case",
            name="county",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="county_cases",
                to="cases.unit",
                verbose_name="county",
            ),
        ),
    ]
