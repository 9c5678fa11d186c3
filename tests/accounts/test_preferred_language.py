"""The five languages of the switcher, and the language remembered on the account: applied at
sign-in and on every request of a signed-in person, changed when that person switches."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.conf import settings as django_settings
from django.core.cache import caches
from django.core.management import call_command
from django.urls import reverse

from accounts.models import User
from tests.conftest import sign_in
from tests.factories import PASSWORD

LANGUAGE_COOKIE = django_settings.LANGUAGE_COOKIE_NAME


@pytest.fixture
def compiled(settings):
    """Every committed catalogue compiled (make does the same), the translation caches reset."""
    call_command("compilemessages", ignore_patterns=[".venv"], stdout=StringIO())
    settings.LOCALE_PATHS = [*settings.LOCALE_PATHS]


@pytest.fixture(autouse=True)
def _fresh_lockout_counters():
    for alias in django_settings.CACHES:
        caches[alias].clear()
    yield
    for alias in django_settings.CACHES:
        caches[alias].clear()


def _lang(response) -> str:
    match = re.search(r'<html lang="([a-z-]+)"', response.content.decode())
    assert match, "no <html lang>"
    return match.group(1)


def test_the_switcher_offers_five_languages_each_in_its_own_name(client, db):
    html = client.get(reverse("accounts:login")).content.decode()
    options = re.findall(r'<option value="(\w+)" lang="\w+"[^>]*>\s*([^<]+?)\s*</option>', html)
    assert options == [
        ("en", "English"),
        ("ru", "Русский"),
        ("uk", "Українська"),
        ("de", "Deutsch"),
        ("fr", "Français"),
    ]


def test_the_account_choices_are_the_five_languages():
    field = User._meta.get_field("preferred_language")
    assert [code for code, _label in field.choices] == ["en", "ru", "uk", "de", "fr"]


def test_a_signed_in_person_reads_pages_in_the_remembered_language(
    client, caseworker_getlost, compiled
):
    User.objects.filter(pk=caseworker_getlost.pk).update(preferred_language="ru")
    caseworker_getlost.refresh_from_db()
    sign_in(client, caseworker_getlost)
    # The cookie says English (a shared browser): the account wins, on every request.
    client.cookies[LANGUAGE_COOKIE] = "en"
    response = client.get(reverse("dashboard"), HTTP_ACCEPT_LANGUAGE="de")
    assert response.status_code == 200
    assert _lang(response) == "ru"
    assert response["Content-Language"] == "ru"
    assert response.cookies[LANGUAGE_COOKIE].value == "ru"
    assert _lang(client.get(reverse("deadlines:my_deadlines"))) == "ru"


def test_signing_in_applies_the_remembered_language(client, caseworker_getlost, compiled):
    User.objects.filter(pk=caseworker_getlost.pk).update(preferred_language="ru")
    client.cookies[LANGUAGE_COOKIE] = "en"
    response = client.post(
        reverse("accounts:login"),
        {"username": caseworker_getlost.email, "password": PASSWORD},
    )
    assert response.status_code == 302
    assert response.cookies[LANGUAGE_COOKIE].value == "ru"
    verify = client.get(response["Location"])
    assert _lang(verify) == "ru"


def test_switching_the_language_updates_the_account(client, caseworker_getlost, compiled):
    sign_in(client, caseworker_getlost)
    response = client.post(
        reverse("set_language"), {"language": "uk", "next": reverse("dashboard")}
    )
    assert response.status_code == 302
    caseworker_getlost.refresh_from_db()
    assert caseworker_getlost.preferred_language == "uk"
    assert _lang(client.get(reverse("dashboard"))) == "uk"


def test_an_unknown_language_changes_nothing_on_the_account(client, caseworker_getlost):
    sign_in(client, caseworker_getlost)
    client.post(reverse("set_language"), {"language": "xx", "next": reverse("dashboard")})
    caseworker_getlost.refresh_from_db()
    assert caseworker_getlost.preferred_language == "en"
    assert _lang(client.get(reverse("dashboard"))) == "en"


def test_a_password_alone_switches_the_session_not_the_account(client, caseworker_getlost):
    sign_in(client, caseworker_getlost, verified=False)
    verify = reverse("accounts:verify")
    response = client.post(reverse("set_language"), {"language": "de", "next": verify})
    assert response.status_code == 302
    assert response.cookies[LANGUAGE_COOKIE].value == "de"
    assert _lang(client.get(verify)) == "de"
    caseworker_getlost.refresh_from_db()
    assert caseworker_getlost.preferred_language == "en"
    # Past the second factor, the account's language again.
    sign_in(client, caseworker_getlost)
    assert _lang(client.get(reverse("dashboard"))) == "en"


def test_anonymous_switching_stores_nothing_but_the_cookie(client, caseworker_getlost):
    response = client.post(reverse("set_language"), {"language": "fr", "next": "/"})
    assert response.cookies[LANGUAGE_COOKIE].value == "fr"
    caseworker_getlost.refresh_from_db()
    assert caseworker_getlost.preferred_language == "en"
