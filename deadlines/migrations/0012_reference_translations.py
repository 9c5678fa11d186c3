"""Deadline kinds carry their name in every language (issue 20), and the seeded kinds get
theirs in ru, uk, de and fr. A kind an admin renamed (its English differs) is left alone."""

from django.db import migrations, models

KINDS = {
    "consulate_appointment": (
        "Consulate appointment",
        {
            "ru": "Запись в консульство",
            "uk": "Запис до консульства",
            "de": "Termin im Konsulat",
            "fr": "Rendez-vous au consulat",
        },
    ),
    "decision_due": (
        "Decision due",
        {
            "ru": "Ожидается решение",
            "uk": "Очікується рішення",
            "de": "Entscheidung fällig",
            "fr": "Décision attendue",
        },
    ),
    "appeal": (
        "Appeal deadline",
        {
            "ru": "Срок обжалования",
            "uk": "Строк оскарження",
            "de": "Rechtsmittelfrist",
            "fr": "Délai de recours",
        },
    ),
    "enter_by": (
        "Enter by",
        {"ru": "Въехать до", "uk": "В'їхати до", "de": "Einreise bis", "fr": "Entrer avant le"},
    ),
    "visa_expiry": (
        "Visa expiry",
        {
            "ru": "Окончание визы",
            "uk": "Закінчення візи",
            "de": "Ablauf des Visums",
            "fr": "Expiration du visa",
        },
    ),
    "passport_validity": (
        "Passport validity",
        {
            "ru": "Срок действия паспорта",
            "uk": "Строк дії паспорта",
            "de": "Gültigkeit des Passes",
            "fr": "Validité du passeport",
        },
    ),
    "transit_stay_limit": (
        "Transit stay limit",
        {
            "ru": "Лимит пребывания в транзитной стране",
            "uk": "Ліміт перебування в транзитній країні",
            "de": "Aufenthaltsgrenze im Transitland",
            "fr": "Limite de séjour dans le pays de transit",
        },
    ),
    "asylum_reporting": (
        "Asylum reporting",
        {
            "ru": "Явка по убежищу",
            "uk": "Явка щодо притулку",
            "de": "Asylmeldung",
            "fr": "Présentation pour l'asile",
        },
    ),
    "dublin_transfer": (
        "Dublin transfer",
        {
            "ru": "Дублинская передача",
            "uk": "Дублінська передача",
            "de": "Dublin-Überstellung",
            "fr": "Transfert Dublin",
        },
    ),
    "court_date": (
        "Court date",
        {"ru": "Дата суда", "uk": "Дата суду", "de": "Gerichtstermin", "fr": "Date d'audience"},
    ),
    "art337_threshold": (
        "Art. 337 threshold",
        {
            "ru": "Порог ст. 337",
            "uk": "Поріг ст. 337",
            "de": "Schwelle nach Art. 337",
            "fr": "Seuil de l'art. 337",
        },
    ),
    "esummons_served": (
        "E-summons deemed served",
        {
            "ru": "Электронная повестка считается врученной",
            "uk": "Електронна повістка вважається врученою",
            "de": "Elektronischer Einberufungsbescheid gilt als zugestellt",
            "fr": "Convocation électronique réputée remise",
        },
    ),
    "welfare_checkin": (
        "Welfare check-in",
        {
            "ru": "Проверка связи",
            "uk": "Перевірка зв'язку",
            "de": "Lebenszeichen",
            "fr": "Prise de nouvelles",
        },
    ),
    "custom": ("Other", {"ru": "Другое", "uk": "Інше", "de": "Sonstiges", "fr": "Autre"}),
}


def translate(apps, schema_editor):
    DeadlineKind = apps.get_model("deadlines", "DeadlineKind")
    for code, (english, names) in KINDS.items():
        kind = DeadlineKind.objects.filter(code=code, name=english).first()
        if kind is not None:
            kind.name_i18n = {**names, **kind.name_i18n}
            kind.save(update_fields=["name_i18n"])


class Migration(migrations.Migration):
    dependencies = [
        ("deadlines", "0011_merge_workflow_and_information_dates"),
    ]

    operations = [
        migrations.AddField(
            model_name="deadlinekind",
            name="name_i18n",
            field=models.JSONField(blank=True, default=dict, verbose_name="name, translated"),
        ),
        migrations.RunPython(translate, migrations.RunPython.noop),
    ]
