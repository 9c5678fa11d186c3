"""Countries carry an advisory, entry with an internal passport and a stay limit (issue 6:
transit countries as an admin-editable table), seeded from DOMAIN.md; notices about dossiers."""

from django.db import migrations, models

# DOMAIN.md, "Evacuation and visas": default advisories and stay limits an admin can change.
# code: (advisory, entry with an internal passport, stay limit days, in any period of days)
ADVISORIES = {
    "KZ": (
        "Critical: people wanted by Russia were handed over in 2022 and 2026. Keep the stay "
        "short and out of sight; vetting for the French humanitarian visa happens here.",
        True,
        90,
        180,
    ),
    "AM": (
        "High risk; critical in Gyumri (Russian military base). Avoid the north-west.",
        True,
        180,
        365,
    ),
    "KG": ("High risk: Kyrgyzstan shares the CIS wanted list.", True, None, None),
    "BY": (
        "Critical: transit only, never stay. Belarus hands wanted people over to Russia.",
        True,
        None,
        None,
    ),
    "GE": ("Medium risk.", False, None, None),
    "TR": ("Medium risk. Stays of about three months are tolerated.", False, 90, 180),
    "RS": (
        "Medium to high risk for visible activists. After a refusal of stay, 30 days to leave.",
        False,
        None,
        None,
    ),
}


def seed_advisories(apps, schema_editor):
    Country = apps.get_model("casework", "Country")
    for code, (advisory, internal, max_days, window) in ADVISORIES.items():
        Country.objects.filter(code=code).update(
            advisory=advisory,
            internal_passport_entry=internal,
            stay_max_days=max_days,
            stay_window_days=window,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0003_access"),
    ]

    operations = [
        migrations.AddField(
            model_name="country",
            name="advisory",
            field=models.TextField(blank=True, verbose_name="advisory"),
        ),
        migrations.AddField(
            model_name="country",
            name="internal_passport_entry",
            field=models.BooleanField(
                default=False, verbose_name="entry with an internal passport"
            ),
        ),
        migrations.AddField(
            model_name="country",
            name="stay_max_days",
            field=models.PositiveSmallIntegerField(
                blank=True, null=True, verbose_name="stay limit (days)"
            ),
        ),
        migrations.AddField(
            model_name="country",
            name="stay_window_days",
            field=models.PositiveSmallIntegerField(
                blank=True, null=True, verbose_name="in any period of (days)"
            ),
        ),
        migrations.AlterField(
            model_name='casenotice',
            name='kind',
            field=models.CharField(choices=[('break_glass', 'An organisation admin opened a case assigned to you'), ('referral_received', 'A case was referred to your organisation'), ('referral_answered', 'A referral was answered'), ('referral_revoked', 'A referral was revoked'), ('dossier_review', 'A visa dossier waits for your review'), ('dossier_reviewed', 'A lawyer reviewed a visa dossier')], max_length=24),
        ),
        migrations.RunPython(seed_advisories, migrations.RunPython.noop),
    ]
