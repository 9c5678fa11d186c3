"""A checklist item records why documents of another type stand under it (sealed in the
documents section)."""

import django.db.models.deletion
from django.db import migrations, models

import casework.fields


class Migration(migrations.Migration):
    dependencies = [
        ("evacuation", "0003_dossier_item_case"),
    ]

    operations = [
        migrations.AlterField(
            model_name="dossieritem",
            name="case",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="casework.case",
            ),
        ),
        migrations.AddField(
            model_name="dossieritem",
            name="override_reason",
            field=casework.fields.SealedField(codec="text", null=True, section="documents"),
        ),
    ]
