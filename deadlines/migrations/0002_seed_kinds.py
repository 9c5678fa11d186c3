"""The deadline kinds of DOMAIN.md, with default reminder offsets (an admin edits them)."""

from django.db import migrations

KINDS = [
    ("consulate_appointment", "Consulate appointment", [14, 7, 3, 1, 0]),
    ("decision_due", "Decision due", [14, 7, 3, 1, 0]),
    ("appeal", "Appeal deadline", [14, 7, 3, 1, 0]),
    ("enter_by", "Enter by", [14, 7, 3, 1, 0]),
    ("visa_expiry", "Visa expiry", [14, 7, 3, 1, 0]),
    ("passport_validity", "Passport validity", [30, 14, 7, 0]),
    ("transit_stay_limit", "Transit stay limit", [14, 7, 3, 1, 0]),
    ("asylum_reporting", "Asylum reporting", [7, 3, 1, 0]),
    ("dublin_transfer", "Dublin transfer", [14, 7, 3, 1, 0]),
    ("court_date", "Court date", [14, 7, 3, 1, 0]),
    ("art337_threshold", "Art. 337 threshold", [3, 1, 0]),
    ("esummons_served", "E-summons deemed served", [3, 1, 0]),
    ("welfare_checkin", "Welfare check-in", [1, 0]),
    ("custom", "Other", [14, 7, 3, 1, 0]),
]


def seed(apps, schema_editor):
    DeadlineKind = apps.get_model("deadlines", "DeadlineKind")
    for position, (code, name, offsets) in enumerate(KINDS):
        DeadlineKind.objects.get_or_create(
            code=code,
            defaults={"name": name, "reminder_offsets": offsets, "position": position * 10},
        )


class Migration(migrations.Migration):
    dependencies = [("deadlines", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
