"""A checklist item gets its case: the envelope binds sealed fields to their case (the
next migration makes it required, in a transaction of its own after the rows are filled)."""

import django.db.models.deletion
from django.db import migrations, models


def fill_case(apps, schema_editor):
    DossierItem = apps.get_model("evacuation", "DossierItem")
    Dossier = apps.get_model("evacuation", "Dossier")
    for dossier_id, case_id in Dossier.objects.values_list("pk", "case_id"):
        DossierItem.objects.filter(dossier_id=dossier_id).update(case_id=case_id)


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0007_merge_assignment_and_history"),
        ("evacuation", "0002_seed_dossier_requirements"),
    ]

    operations = [
        migrations.AddField(
            model_name="dossieritem",
            name="case",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="casework.case",
            ),
        ),
        migrations.RunPython(fill_case, migrations.RunPython.noop),
    ]
