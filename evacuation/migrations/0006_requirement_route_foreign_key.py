"""A dossier requirement names its route by foreign key (same column, now checked against
the route table); an application's route is a route code, no longer a fixed choice."""

import django.db.models.deletion
from django.db import migrations, models


def add_missing_routes(apps, schema_editor):
    """A requirement of a route the seed does not know (an admin's) gets a route row."""
    Route = apps.get_model("evacuation", "Route")
    Requirement = apps.get_model("evacuation", "DossierRequirement")
    Application = apps.get_model("evacuation", "VisaApplication")
    codes = set(Requirement.objects.values_list("route", flat=True))
    codes |= set(Application.objects.values_list("route", flat=True))
    for code in codes - set(Route.objects.values_list("code", flat=True)):
        Route.objects.create(code=code, name=code.replace("_", " ").capitalize())


class Migration(migrations.Migration):
    dependencies = [
        ("evacuation", "0005_route_table"),
    ]

    operations = [
        migrations.RunPython(add_missing_routes, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="visaapplication",
            name="route",
            field=models.CharField(max_length=24, verbose_name="route"),
        ),
        migrations.AlterField(
            model_name="dossierrequirement",
            name="route",
            field=models.ForeignKey(
                db_column="route",
                on_delete=django.db.models.deletion.CASCADE,
                related_name="requirements",
                to="evacuation.route",
                verbose_name="route",
            ),
        ),
    ]
