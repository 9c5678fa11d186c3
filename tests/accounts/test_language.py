"""English and Russian: the switcher works before signing in, and Russian is complete."""

from __future__ import annotations

import re
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.urls import reverse

from tests.conftest import require_service

RU_PO = Path(django_settings.BASE_DIR) / "locale" / "ru" / "LC_MESSAGES" / "django.po"


@pytest.fixture
def compiled(settings):
    """The Russian catalogue compiled from the committed .po (make does the same), and
    Django's translation caches reset so that this process reads it."""
    require_service("msgfmt", shutil.which("msgfmt") is not None, "apt-get install gettext")
    call_command("compilemessages", locale=["ru"], ignore_patterns=[".venv"], stdout=StringIO())
    settings.LOCALE_PATHS = [*settings.LOCALE_PATHS]  # setting_changed clears the caches


def switch_to(client, code: str, next_url: str):
    return client.post(reverse("set_language"), {"language": code, "next": next_url})


def test_an_anonymous_visitor_can_switch_to_russian(client, db, compiled):
    login = reverse("accounts:login")
    response = switch_to(client, "ru", login)
    assert response.status_code == 302
    assert response["Location"] == login
    page = client.get(login)
    html = page.content.decode()
    assert page["Content-Language"] == "ru"
    assert '<html lang="ru">' in html
    assert "<title>Вход · Waypoint</title>" in html
    assert ">Продолжить</button>" in html
    assert "Sign in" not in html


def test_switching_back_to_english_restores_english(client, db, compiled):
    login = reverse("accounts:login")
    switch_to(client, "ru", login)
    switch_to(client, "en", login)
    html = client.get(login).content.decode()
    assert '<html lang="en">' in html
    assert "<title>Sign in · Waypoint</title>" in html


def test_the_switcher_offers_each_language_in_its_own_name(client, db, compiled):
    html = client.get(reverse("accounts:login")).content.decode()
    assert re.search(r'<option value="en" lang="en" selected>\s*English\s*</option>', html)
    assert re.search(r'<option value="ru" lang="ru">\s*Русский\s*</option>', html)


def test_an_unknown_language_changes_nothing(client, db, compiled):
    login = reverse("accounts:login")
    switch_to(client, "xx", login)
    assert '<html lang="en">' in client.get(login).content.decode()


def test_the_russian_catalogue_has_no_untranslated_or_fuzzy_entry():
    text = RU_PO.read_text(encoding="utf-8")
    entries = text.split("\n\n")[1:]  # the first block is the header
    problems = []
    for entry in entries:
        if entry.lstrip().startswith("#~"):
            continue  # obsolete, not compiled
        if "#, fuzzy" in entry:
            problems.append(entry)
            continue
        msgstrs = re.findall(r'^msgstr(?:\[\d\])? ((?:".*"\n?)+)', entry + "\n", re.M)
        if not msgstrs or any(re.fullmatch(r'""\n?', m) for m in msgstrs):
            problems.append(entry)
    assert problems == []
