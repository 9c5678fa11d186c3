"""Step 1 of 3 of sealing the due date (issue 14): the month in clear and the sealed day's
columns are added; the clear ``due_date`` may be empty from now on. 0008 moves the data, 0009
drops ``due_date``."""

import casework.fields
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0004_country_advisory"),
        ("deadlines", "0006_visa_source"),
    ]

    operations = [
        migrations.AddField(
            model_name="deadline",
            name="due_month",
            field=models.DateField(null=True, verbose_name="due in month"),
        ),
        migrations.AddField(
            model_name="deadline",
            name="due_section",
            field=models.CharField(
                choices=[
                    ("location", "Location and route"),
                    ("legal", "Legal exposure"),
                    ("notes", "Notes"),
                ],
                default="notes",
                max_length=16,
            ),
        ),
        migrations.AddField(
            model_name="deadline",
            name="due_legal",
            field=casework.fields.SealedField(codec="date", null=True, section="legal"),
        ),
        migrations.AddField(
            model_name="deadline",
            name="due_location",
            field=casework.fields.SealedField(codec="date", null=True, section="location"),
        ),
        migrations.AddField(
            model_name="deadline",
            name="due_notes",
            field=casework.fields.SealedField(codec="date", null=True, section="notes"),
        ),
        migrations.AlterField(
            model_name="deadline",
            name="due_date",
            field=models.DateField(null=True, verbose_name="due date"),
        ),
    ]
