"""Routes carry their name in every language (issue 20), and the seeded routes get theirs in
ru, uk, de and fr. A route an admin renamed (its English differs) is left alone."""

from django.db import migrations, models

ROUTES = {
    "fr_humanitarian": (
        "French humanitarian visa",
        {
            "ru": "Гуманитарная виза Франции",
            "uk": "Гуманітарна віза Франції",
            "de": "Französisches humanitäres Visum",
            "fr": "Visa humanitaire français",
        },
    ),
    "schengen_ltv": (
        "Schengen visa with limited territorial validity",
        {
            "ru": "Шенгенская виза с ограниченной территориальной действительностью",
            "uk": "Шенгенська віза з обмеженою територіальною дією",
            "de": "Schengen-Visum mit räumlich beschränkter Gültigkeit",
            "fr": "Visa Schengen à validité territoriale limitée",
        },
    ),
    "de_22": (
        "German admission under §22 AufenthG",
        {
            "ru": "Приём в Германию по §22 AufenthG",
            "uk": "Прийом до Німеччини за §22 AufenthG",
            "de": "Aufnahme nach § 22 AufenthG",
            "fr": "Admission en Allemagne au titre du § 22 AufenthG",
        },
    ),
    "de_national_d": (
        "German national D visa",
        {
            "ru": "Национальная виза Германии категории D",
            "uk": "Національна віза Німеччини категорії D",
            "de": "Nationales Visum (D) für Deutschland",
            "fr": "Visa national allemand de type D",
        },
    ),
    "asylum_border": (
        "Asylum at the border",
        {
            "ru": "Убежище на границе",
            "uk": "Притулок на кордоні",
            "de": "Asyl an der Grenze",
            "fr": "Asile à la frontière",
        },
    ),
    "asylum_after_entry": (
        "Asylum after entry",
        {
            "ru": "Убежище после въезда",
            "uk": "Притулок після в'їзду",
            "de": "Asyl nach der Einreise",
            "fr": "Asile après l'entrée",
        },
    ),
    "transit_protection": (
        "Protection in the transit country",
        {
            "ru": "Защита в транзитной стране",
            "uk": "Захист у транзитній країні",
            "de": "Schutz im Transitland",
            "fr": "Protection dans le pays de transit",
        },
    ),
    "ukrainian_protection": (
        "Protection for Ukrainians",
        {
            "ru": "Защита для украинцев",
            "uk": "Захист для українців",
            "de": "Schutz für Ukrainer",
            "fr": "Protection pour les Ukrainiens",
        },
    ),
}


def translate(apps, schema_editor):
    Route = apps.get_model("evacuation", "Route")
    for code, (english, names) in ROUTES.items():
        route = Route.objects.filter(code=code, name=english).first()
        if route is not None:
            route.name_i18n = {**names, **route.name_i18n}
            route.save(update_fields=["name_i18n"])


class Migration(migrations.Migration):
    dependencies = [
        ("evacuation", "0007_requirement_also_accepts"),
    ]

    operations = [
        migrations.AddField(
            model_name="route",
            name="name_i18n",
            field=models.JSONField(blank=True, default=dict, verbose_name="name, translated"),
        ),
        migrations.RunPython(translate, migrations.RunPython.noop),
    ]
