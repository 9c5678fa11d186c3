"""Reference data in the reader's language: country names from CLDR; document types, regions,
risk notes, advisories, routes and deadline kinds from the translations stored beside them,
seeded for ru, uk, de and fr, and edited per language by admins (the Django admin) and
platform admins (/platform/routes/)."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import translation

from accounts.models import User
from casework.forms.fields import country_choices
from casework.models import Country, DocumentType, Region
from casework.translations import other_languages, translated
from deadlines.models import DeadlineKind
from evacuation.models import Route

pytestmark = pytest.mark.django_db

LANGUAGES = ("ru", "uk", "de", "fr")


@pytest.fixture
def platform_admin():
    return User.objects.create_user(
        "platform@example.org", "correct horse battery staple 42", is_staff=True
    )


def test_the_translated_languages_are_every_offered_one_but_english():
    assert other_languages() == list(LANGUAGES)


@pytest.mark.parametrize(
    ("language", "kazakhstan", "czechia"),
    [
        ("en", "Kazakhstan", "Czechia"),
        ("ru", "Казахстан", "Чехия"),
        ("uk", "Казахстан", "Чехія"),
        ("de", "Kasachstan", "Tschechien"),
        ("fr", "Kazakhstan", "Tchéquie"),
    ],
)
def test_country_names_come_from_cldr_in_the_readers_language(language, kazakhstan, czechia):
    with translation.override(language):
        assert str(Country.objects.get(code="KZ")) == kazakhstan
        assert Country.objects.get(code="CZ").label == czechia


def test_a_code_cldr_does_not_know_shows_the_admins_name():
    country = Country.objects.create(code="QX", name="Testland")
    with translation.override("ru"):
        assert country.label == "Testland"


def test_country_choices_are_named_and_ordered_in_the_readers_language():
    with translation.override("de"):
        labels = [label for code, label in country_choices()[1:]]
    assert "Deutschland (DE)" in labels and "Germany (DE)" not in labels
    assert labels == sorted(labels, key=str.casefold)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_seeded_reference_text_has_its_translation(language):
    """What the migrations seed is translated into every language, and reads translated."""
    missing = []
    for model, fields in (
        (DocumentType, ["name"]),
        (Region, ["name", "risk_note"]),
        (Route, ["name"]),
        (DeadlineKind, ["name"]),
        (Country, ["risk_note", "advisory"]),
    ):
        for row in model.objects.all():
            for field in fields:
                source = getattr(row, field)
                if source and not getattr(row, f"{field}_i18n").get(language):
                    missing.append((model.__name__, getattr(row, "code", row.pk), field))
    assert missing == []
    with translation.override(language):
        passport = DocumentType.objects.get(code="internal-passport")
        assert passport.label != passport.name
        gyumri = Region.objects.get(code="am-shirak")
        assert gyumri.label != gyumri.name and gyumri.risk_note_text != gyumri.risk_note


def test_russian_labels_of_each_kind_of_reference_data():
    with translation.override("ru"):
        assert str(DocumentType.objects.get(code="military-id")) == "Военный билет"
        assert str(Route.objects.get(code="fr_humanitarian")) == "Гуманитарная виза Франции"
        assert str(DeadlineKind.objects.get(code="dublin_transfer")) == "Дублинская передача"
        assert Country.objects.get(code="KZ").advisory_text.startswith("Критический риск")
        assert Region.objects.get(code="ge-abkhazia").label == "Абхазия"


def test_an_empty_translation_shows_the_english_source():
    kind = DocumentType.objects.create(code="fresh", name="Fresh type", name_i18n={"ru": " "})
    with translation.override("ru"):
        assert kind.label == "Fresh type"
    assert translated(kind, "name", "de") == "Fresh type"


def test_the_admin_edits_each_language_of_an_advisory():
    form_class = admin.site._registry[Country].get_form(None)
    country = Country.objects.get(code="GE")
    form = form_class(instance=country)
    assert form.initial["advisory_ru"] == "Средний риск."
    assert "advisory_i18n" not in form.fields
    data = {name: form.initial.get(name, "") for name in form.fields}
    data.update(
        code="GE",
        name=country.name,
        risk_level="high",
        advisory="Watch the Abkhaz line.",
        advisory_ru="Осторожно у абхазской границы.",
        advisory_de="",
    )
    data = {k: ("" if v is None else v) for k, v in data.items()}
    form = form_class(data, instance=country)
    assert form.is_valid(), form.errors
    form.save()
    country.refresh_from_db()
    assert country.advisory_i18n["ru"] == "Осторожно у абхазской границы."
    assert "de" not in country.advisory_i18n
    with translation.override("de"):
        assert country.advisory_text == "Watch the Abkhaz line."


def test_a_platform_admin_names_a_route_in_every_language(client, signed_in, platform_admin):
    signed_in(platform_admin)
    page = client.get(reverse("evacuation:route_detail", args=["fr_humanitarian"]))
    html = page.content.decode()
    for language in LANGUAGES:
        assert f'name="name_{language}"' in html
    assert 'value="Visa humanitaire français"' in html
    response = client.post(
        reverse("evacuation:route_list"),
        {
            "code": "dublin",
            "name": "Dublin procedure",
            "name_ru": "Дублинская процедура",
            "name_uk": "Дублінська процедура",
            "name_de": "",
            "name_fr": "Procédure Dublin",
            "active": "on",
            "position": "90",
        },
    )
    assert response.status_code == 302
    route = Route.objects.get(code="dublin")
    assert route.name_i18n == {
        "ru": "Дублинская процедура",
        "uk": "Дублінська процедура",
        "fr": "Procédure Dublin",
    }
    with translation.override("fr"):
        assert str(route) == "Procédure Dublin"
    with translation.override("de"):
        assert str(route) == "Dublin procedure"


def test_a_too_long_translated_route_name_is_refused_and_nothing_changes(
    client, signed_in, platform_admin
):
    signed_in(platform_admin)
    response = client.post(
        reverse("evacuation:route_list"),
        {"code": "dublin", "name": "Dublin", "name_ru": "Д" * 500, "active": "on", "position": "1"},
    )
    assert response.status_code == 200
    assert not Route.objects.filter(code="dublin").exists()
