"""Routes become data: a table a platform admin edits in the app, seeded with the routes
the code defined until now (their codes unchanged, so applications keep theirs)."""

from django.db import migrations, models

# code: name, as VisaRoute labelled them (English; the app shows the translated label until an
# admin renames a route).
ROUTES = {
    "fr_humanitarian": "French humanitarian visa",
    "schengen_ltv": "Schengen visa with limited territorial validity",
    "de_22": "German admission under §22 AufenthG",
    "de_national_d": "German national D visa",
    "asylum_border": "Asylum at the border",
    "asylum_after_entry": "Asylum after entry",
    "transit_protection": "Protection in the transit country",
    "ukrainian_protection": "Protection for Ukrainians",
}


def seed(apps, schema_editor):
    Route = apps.get_model("evacuation", "Route")
    for position, (code, name) in enumerate(ROUTES.items()):
        Route.objects.update_or_create(
            code=code, defaults={"name": name, "position": position * 10}
        )


class Migration(migrations.Migration):
    dependencies = [
        ("evacuation", "0004_dossier_item_override_reason"),
    ]

    operations = [
        migrations.CreateModel(
            name="Route",
            fields=[
                (
                    "code",
                    models.SlugField(
                        max_length=24, primary_key=True, serialize=False, verbose_name="code"
                    ),
                ),
                ("name", models.CharField(max_length=200, verbose_name="name")),
                (
                    "active",
                    models.BooleanField(
                        default=True,
                        help_text="A retired route stays on the applications that used it.",
                        verbose_name="offered for new applications",
                    ),
                ),
                (
                    "position",
                    models.PositiveSmallIntegerField(default=100, verbose_name="position"),
                ),
            ],
            options={
                "verbose_name": "route",
                "verbose_name_plural": "routes",
                "ordering": ["position", "code"],
            },
        ),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
