"""Translations of the seeded reference data (issue 20): risk notes and advisories of
countries, regions of higher risk, document types, in ru, uk, de and fr. A text an admin has
changed since it was seeded (its English differs) is left alone: its translations would not
match it. Country names need none: they come from CLDR (casework.translations)."""

from django.db import migrations, models

# English source -> {language: translation}
COUNTRY_NOTES = {
    "Prosecution, the person is wanted": {
        "ru": "Уголовное преследование, человек в розыске",
        "uk": "Кримінальне переслідування, людина в розшуку",
        "de": "Strafverfolgung, die Person wird gesucht",
        "fr": "Poursuites pénales, la personne est recherchée",
    },
    "Transit only; hands people over to Russia": {
        "ru": "Только транзит; выдаёт людей России",
        "uk": "Лише транзит; видає людей Росії",
        "de": "Nur Transit; liefert Menschen an Russland aus",
        "fr": "Transit uniquement ; remet des personnes à la Russie",
    },
    "Handovers to Russia in 2022 and 2026": {
        "ru": "Выдачи России в 2022 и 2026 годах",
        "uk": "Видачі Росії у 2022 і 2026 роках",
        "de": "Auslieferungen an Russland 2022 und 2026",
        "fr": "Remises à la Russie en 2022 et 2026",
    },
    "Russian base; critical in Gyumri": {
        "ru": "Российская база; в Гюмри критический риск",
        "uk": "Російська база; у Ґюмрі критичний ризик",
        "de": "Russischer Stützpunkt; in Gjumri kritisch",
        "fr": "Base russe ; critique à Gumri",
    },
    "Shared CIS wanted list": {
        "ru": "Общий розыскной список СНГ",
        "uk": "Спільний розшуковий список СНД",
        "de": "Gemeinsame Fahndungsliste der GUS",
        "fr": "Liste commune de personnes recherchées de la CEI",
    },
    "Medium-high; visible activists at risk": {
        "ru": "Средний или высокий; заметные активисты в опасности",
        "uk": "Середній або високий; помітні активісти в небезпеці",
        "de": "Mittel bis hoch; sichtbare Aktivisten gefährdet",
        "fr": "Moyen à élevé ; militants visibles en danger",
    },
    "Stay about 3 months": {
        "ru": "Пребывание около 3 месяцев",
        "uk": "Перебування близько 3 місяців",
        "de": "Aufenthalt etwa 3 Monate",
        "fr": "Séjour d'environ 3 mois",
    },
    "A defector was killed here in 2024": {
        "ru": "Здесь в 2024 году был убит перебежчик",
        "uk": "Тут у 2024 році було вбито перебіжчика",
        "de": "Hier wurde 2024 ein Überläufer getötet",
        "fr": "Un transfuge y a été tué en 2024",
    },
}

ADVISORIES = {
    "Critical: people wanted by Russia were handed over in 2022 and 2026. Keep the stay "
    "short and out of sight; vetting for the French humanitarian visa happens here.": {
        "ru": "Критический риск: разыскиваемых Россией людей выдавали в 2022 и 2026 годах. "
        "Пребывание — коротким и незаметным; проверка для гуманитарной визы Франции "
        "проходит здесь.",
        "uk": "Критичний ризик: людей, яких розшукує Росія, видавали у 2022 і 2026 роках. "
        "Перебування — коротким і непомітним; перевірка для гуманітарної візи Франції "
        "відбувається тут.",
        "de": "Kritisch: von Russland gesuchte Menschen wurden 2022 und 2026 ausgeliefert. "
        "Den Aufenthalt kurz und unauffällig halten; die Überprüfung für das französische "
        "humanitäre Visum findet hier statt.",
        "fr": "Critique : des personnes recherchées par la Russie ont été remises en 2022 et "
        "2026. Séjour court et discret ; le contrôle pour le visa humanitaire français a "
        "lieu ici.",
    },
    "High risk; critical in Gyumri (Russian military base). Avoid the north-west.": {
        "ru": "Высокий риск; в Гюмри критический (российская военная база). Избегать "
        "северо-запада.",
        "uk": "Високий ризик; у Ґюмрі критичний (російська військова база). Уникати "
        "північного заходу.",
        "de": "Hohes Risiko; in Gjumri kritisch (russischer Militärstützpunkt). Den "
        "Nordwesten meiden.",
        "fr": "Risque élevé ; critique à Gumri (base militaire russe). Éviter le nord-ouest.",
    },
    "High risk: Kyrgyzstan shares the CIS wanted list.": {
        "ru": "Высокий риск: Киргизия пользуется общим розыскным списком СНГ.",
        "uk": "Високий ризик: Киргизстан користується спільним розшуковим списком СНД.",
        "de": "Hohes Risiko: Kirgisistan nutzt die gemeinsame Fahndungsliste der GUS.",
        "fr": "Risque élevé : le Kirghizistan partage la liste de recherche de la CEI.",
    },
    "Critical: transit only, never stay. Belarus hands wanted people over to Russia.": {
        "ru": "Критический риск: только транзит, не оставаться. Беларусь выдаёт "
        "разыскиваемых России.",
        "uk": "Критичний ризик: лише транзит, не залишатися. Білорусь видає розшукуваних "
        "Росії.",
        "de": "Kritisch: nur Transit, nie bleiben. Belarus liefert Gesuchte an Russland aus.",
        "fr": "Critique : transit uniquement, ne jamais y rester. Le Bélarus remet les "
        "personnes recherchées à la Russie.",
    },
    "Medium risk.": {
        "ru": "Средний риск.",
        "uk": "Середній ризик.",
        "de": "Mittleres Risiko.",
        "fr": "Risque moyen.",
    },
    "Medium risk. Stays of about three months are tolerated.": {
        "ru": "Средний риск. Пребывание около трёх месяцев допускается.",
        "uk": "Середній ризик. Перебування близько трьох місяців допускається.",
        "de": "Mittleres Risiko. Aufenthalte von etwa drei Monaten werden geduldet.",
        "fr": "Risque moyen. Des séjours d'environ trois mois sont tolérés.",
    },
    "Medium to high risk for visible activists. After a refusal of stay, 30 days to leave.": {
        "ru": "Средний или высокий риск для заметных активистов. После отказа в пребывании — "
        "30 дней на выезд.",
        "uk": "Середній або високий ризик для помітних активістів. Після відмови в "
        "перебуванні — 30 днів на виїзд.",
        "de": "Mittleres bis hohes Risiko für sichtbare Aktivisten. Nach einer Ablehnung des "
        "Aufenthalts 30 Tage zur Ausreise.",
        "fr": "Risque moyen à élevé pour les militants visibles. Après un refus de séjour, "
        "30 jours pour partir.",
    },
}

REGION_NAMES = {
    "Shirak (Gyumri)": {
        "ru": "Ширак (Гюмри)",
        "uk": "Ширак (Ґюмрі)",
        "de": "Schirak (Gjumri)",
        "fr": "Shirak (Gumri)",
    },
    "Abkhazia": {"ru": "Абхазия", "uk": "Абхазія", "de": "Abchasien", "fr": "Abkhazie"},
    "South Ossetia (Tskhinvali region)": {
        "ru": "Южная Осетия (Цхинвальский регион)",
        "uk": "Південна Осетія (Цхінвальський регіон)",
        "de": "Südossetien (Region Zchinwali)",
        "fr": "Ossétie du Sud (région de Tskhinvali)",
    },
}

REGION_NOTES = {
    "Russian 102nd military base; its military police have detained deserters in Gyumri": {
        "ru": "102-я российская военная база; её военная полиция задерживала дезертиров в "
        "Гюмри",
        "uk": "102-га російська військова база; її військова поліція затримувала дезертирів "
        "у Ґюмрі",
        "de": "102. russischer Militärstützpunkt; seine Militärpolizei hat in Gjumri "
        "Deserteure festgenommen",
        "fr": "102e base militaire russe ; sa police militaire a arrêté des déserteurs à Gumri",
    },
    "Under Russian control: Russian forces and border guards": {
        "ru": "Под контролем России: российские войска и пограничники",
        "uk": "Під контролем Росії: російські війська та прикордонники",
        "de": "Unter russischer Kontrolle: russische Truppen und Grenzschutz",
        "fr": "Sous contrôle russe : forces et garde-frontières russes",
    },
}

DOCUMENT_TYPES = {
    "Internal passport": {
        "ru": "Внутренний паспорт",
        "uk": "Внутрішній паспорт",
        "de": "Inlandspass",
        "fr": "Passeport intérieur",
    },
    "Foreign passport": {
        "ru": "Заграничный паспорт",
        "uk": "Закордонний паспорт",
        "de": "Reisepass",
        "fr": "Passeport international",
    },
    "Record of passport confiscation": {
        "ru": "Документ об изъятии паспорта",
        "uk": "Документ про вилучення паспорта",
        "de": "Nachweis der Passeinziehung",
        "fr": "Procès-verbal de confiscation du passeport",
    },
    "Military ID": {
        "ru": "Военный билет",
        "uk": "Військовий квиток",
        "de": "Wehrdienstausweis",
        "fr": "Livret militaire",
    },
    "Contract": {"ru": "Контракт", "uk": "Контракт", "de": "Vertrag", "fr": "Contrat"},
    "Leave or hospital papers": {
        "ru": "Документы об отпуске или госпитале",
        "uk": "Документи про відпустку або госпіталь",
        "de": "Urlaubs- oder Krankenhauspapiere",
        "fr": "Documents de permission ou d'hôpital",
    },
    "Summons (paper with stamp)": {
        "ru": "Повестка (бумажная, с печатью)",
        "uk": "Повістка (паперова, з печаткою)",
        "de": "Einberufungsbescheid (Papier mit Stempel)",
        "fr": "Convocation (papier tamponné)",
    },
    "E-summons screenshot": {
        "ru": "Снимок экрана электронной повестки",
        "uk": "Знімок екрана електронної повістки",
        "de": "Bildschirmfoto des elektronischen Einberufungsbescheids",
        "fr": "Capture d'écran de la convocation électronique",
    },
    "Criminal-case papers": {
        "ru": "Материалы уголовного дела",
        "uk": "Матеріали кримінальної справи",
        "de": "Unterlagen zum Strafverfahren",
        "fr": "Pièces de la procédure pénale",
    },
    "Wanted-list extract": {
        "ru": "Выписка из розыскной базы",
        "uk": "Витяг із розшукової бази",
        "de": "Auszug aus der Fahndungsliste",
        "fr": "Extrait du fichier des personnes recherchées",
    },
    "Threats to family": {
        "ru": "Угрозы семье",
        "uk": "Погрози родині",
        "de": "Drohungen gegen die Familie",
        "fr": "Menaces contre la famille",
    },
    "Expert opinion on Russian law": {
        "ru": "Экспертное заключение по российскому праву",
        "uk": "Експертний висновок щодо російського права",
        "de": "Gutachten zum russischen Recht",
        "fr": "Avis d'expert sur le droit russe",
    },
    "Transit-country residence papers": {
        "ru": "Документы о пребывании в транзитной стране",
        "uk": "Документи про перебування в транзитній країні",
        "de": "Aufenthaltspapiere des Transitlandes",
        "fr": "Titre de séjour du pays de transit",
    },
    "Vetting memo": {
        "ru": "Заключение проверки",
        "uk": "Висновок перевірки",
        "de": "Überprüfungsvermerk",
        "fr": "Note de contrôle",
    },
    "Photo": {"ru": "Фотография", "uk": "Фотографія", "de": "Foto", "fr": "Photo"},
    "Other": {"ru": "Другое", "uk": "Інше", "de": "Sonstiges", "fr": "Autre"},
}


def _fill(model, field, table):
    for row in model.objects.all():
        source = getattr(row, field)
        if source in table:
            setattr(row, f"{field}_i18n", {**table[source], **getattr(row, f"{field}_i18n")})
            row.save(update_fields=[f"{field}_i18n"])


def translate(apps, schema_editor):
    Country = apps.get_model("casework", "Country")
    Region = apps.get_model("casework", "Region")
    DocumentType = apps.get_model("casework", "DocumentType")
    _fill(Country, "risk_note", COUNTRY_NOTES)
    _fill(Country, "advisory", ADVISORIES)
    _fill(Region, "name", REGION_NAMES)
    _fill(Region, "risk_note", REGION_NOTES)
    _fill(DocumentType, "name", DOCUMENT_TYPES)


class Migration(migrations.Migration):

    dependencies = [
        ('casework', '0012_merge_workflow'),
    ]

    operations = [
        migrations.AddField(
            model_name='country',
            name='advisory_i18n',
            field=models.JSONField(blank=True, default=dict, verbose_name='advisory, translated'),
        ),
        migrations.AddField(
            model_name='country',
            name='risk_note_i18n',
            field=models.JSONField(blank=True, default=dict, verbose_name='why, translated'),
        ),
        migrations.AddField(
            model_name='documenttype',
            name='name_i18n',
            field=models.JSONField(blank=True, default=dict, verbose_name='name, translated'),
        ),
        migrations.AddField(
            model_name='region',
            name='advisory_i18n',
            field=models.JSONField(blank=True, default=dict, verbose_name='advisory, translated'),
        ),
        migrations.AddField(
            model_name='region',
            name='name_i18n',
            field=models.JSONField(blank=True, default=dict, verbose_name='name, translated'),
        ),
        migrations.AddField(
            model_name='region',
            name='risk_note_i18n',
            field=models.JSONField(blank=True, default=dict, verbose_name='why, translated'),
        ),
        migrations.RunPython(translate, migrations.RunPython.noop),
    ]
