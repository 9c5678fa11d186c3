"""EVERY PAGE IN EVERY LANGUAGE: each page of the permission matrix that a persona may open
(tests/test_permission_matrix.py: its URL list, its personas, its world), plus the error pages,
rendered in each language whose catalogue exists (locale/<lang>/LC_MESSAGES/django.po), fails
on an interface string left in English or a raw code shown to people.

What is read on a page: its visible text (no script, style or template content) and the
attributes people read or hear: title, aria-label, placeholder, alt, and the value of a button
input. Text inside an element whose ``lang`` is another language (the switcher's language
names) is that language's, and is not checked.

- Untranslated: an English msgid of the language's catalogue whose translation differs from it
  appears verbatim: as a whole text node, or (three words and more, placeholders matching
  anything) inside the page's text.
- In Cyrillic-script languages, where no English belongs: a run of English words that is not
  an allowed exception (a string not yet in the catalogue at all is caught here).
- Raw codes: the values of the project's choices (TextChoices), the audit action codes and the
  section codes, shown instead of their labels.

Allowed exceptions are listed below (EXCEPTIONS, with why). The catalogues are compiled first,
as tests/accounts/test_language.py does. A language whose catalogue does not exist yet is not
collected; once the translator's catalogue is merged, it is.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from html.parser import HTMLParser
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import models
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from accounts.models import User
from audit.actions import ACTION_LABELS
from casework.sections import SECTIONS
from tests.conftest import require_service
from tests.test_permission_matrix import (  # noqa: F401 - the matrix's fixtures
    EXPLANATIONS,
    MARKERS,
    PERSONAS,
    ROWS,
    World,
    _media_root,
    client_for,
    reference_data_seeded,
    world,
)

LOCALE = Path(django_settings.BASE_DIR) / "locale"
TRANSLATED = ("ru", "uk", "de", "fr")
WITH_CATALOGUE = [
    lang for lang in TRANSLATED if (LOCALE / lang / "LC_MESSAGES" / "django.po").exists()
]
CYRILLIC = {"ru", "uk"}

# Shown as they are in every language, and why.
EXCEPTIONS = {
    "Waypoint",  # the product's name
    "TOTP",  # the name of the standard, shown beside "authenticator app"
    "UTC",  # the time zone's name
    "ISO",  # the standard country codes are named after
    "AufenthG",  # German law's name, in route names in every language
    "Get Lost",  # organisation names (proper names)
    "InTransit",
    "Elsewhere",
    "Coordinators",
    "Signal",  # messenger names in examples
    "Telegram",
    "WhatsApp",
    "Heron",  # the world's pseudonyms: the caseworker's words, not the interface
    "Crane",
    "Stork",
    "photo.jpg",  # an uploaded file's name
    "Consulate",  # the world's consulate, "Consulate <marker>": the caseworker's words
    *EXPLANATIONS,  # the world's sealed explanations: the caseworker's words
}
# Text that is data, not interface: e-mail addresses, case references, markers, numbers.
DATA = re.compile(
    r"[\w.+-]+@[\w.-]+|\b[A-Z]{2,4}-\d{4}-[\w-]+\b|MRK\w+|\b[0-9a-f]{8}-[0-9a-f-]{27}\b"
)


# --- The catalogue -----------------------------------------------------------------------------


@dataclass
class Entry:
    msgid: str
    plural: str = ""
    msgstrs: list[str] = field(default_factory=list)
    fuzzy: bool = False


def _unquote(lines: list[str]) -> str:
    return "".join(
        bytes(line.strip()[1:-1], "utf-8").decode("unicode_escape").encode("latin-1").decode()
        for line in lines
    )


def read_catalogue(path: Path) -> list[Entry]:
    """The live entries of a .po file (no header, no obsolete entry)."""
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        lines = [line for line in block.splitlines() if line and not line.startswith("#~")]
        if not any(line.startswith("msgid") for line in lines):
            continue
        fields: dict[str, list[str]] = {}
        current = None
        fuzzy = False
        for line in lines:
            if line.startswith("#"):
                fuzzy = fuzzy or ("fuzzy" in line and line.startswith("#,"))
                continue
            match = re.match(r"(msgctxt|msgid_plural|msgid|msgstr(?:\[\d\])?) (\".*\")$", line)
            if match:
                current = match.group(1)
                fields[current] = [match.group(2)]
            elif current and line.startswith('"'):
                fields[current].append(line)
        msgid = _unquote(fields.get("msgid", []))
        if not msgid:
            continue
        msgstrs = [_unquote(v) for k, v in sorted(fields.items()) if k.startswith("msgstr")]
        entries.append(Entry(msgid, _unquote(fields.get("msgid_plural", [])), msgstrs, fuzzy))
    return entries


def _normal(text: str) -> str:
    return " ".join(text.split())


PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")
TAG = re.compile(r"<[^>]+>")


@dataclass
class Untranslated:
    """The English strings of a catalogue that must not show on a page in its language."""

    whole: set[str]  # matched against a whole text node or attribute
    inside: list[tuple[str, re.Pattern]]  # searched for in the page's text

    @classmethod
    def of(cls, entries: list[Entry]) -> Untranslated:
        whole: set[str] = set()
        inside: list[tuple[str, re.Pattern]] = []
        # Words of this language that happen to be English msgids too: French "Application"
        # (for "App") on a page is French, not the untranslated "Application" of the dossier.
        own = {_normal(s) for entry in entries for s in entry.msgstrs}
        for entry in entries:
            for source in filter(None, (entry.msgid, entry.plural)):
                if _normal(source) in own:
                    continue  # the same in this language ("Waypoint", "Passkey" in German)
                text = _normal(TAG.sub(" ", source))
                literal = PLACEHOLDER.sub(" ", text)
                if text in EXCEPTIONS or len(re.findall(r"[A-Za-z]{2,}", literal)) == 0:
                    continue
                if not PLACEHOLDER.search(text):
                    whole.add(text)
                if len(re.findall(r"[A-Za-z]+", literal)) >= 3:
                    parts = [re.escape(part) for part in PLACEHOLDER.split(text)]
                    pattern = r"\s*.{1,80}?\s*".join(parts).replace(r"\ ", r"\s+")
                    inside.append((text, re.compile(rf"(?<![\w-]){pattern}(?![\w-])")))
        return cls(whole, inside)


# --- Raw codes ---------------------------------------------------------------------------------


OUR_APPS = {"accounts", "audit", "casework", "deadlines", "evacuation", "stats"}


def _choices() -> set[str]:
    found: set[str] = set()
    stack = list(models.TextChoices.__subclasses__())
    while stack:
        choices = stack.pop()
        stack.extend(choices.__subclasses__())
        if choices.__module__.split(".")[0] not in {
            "accounts",
            "audit",
            "casework",
            "deadlines",
            "evacuation",
            "stats",
        }:
            continue
        for value, label in choices.choices:
            if str(value) != str(label):
                found.add(str(value))
    return found


def _reference_codes() -> set[str]:
    """The codes of the reference data (document types, routes, deadline kinds)."""
    from casework.models import DocumentType
    from deadlines.models import DeadlineKind
    from evacuation.models import Route

    return {
        *DocumentType.objects.values_list("code", flat=True),
        *Route.objects.values_list("code", flat=True),
        *DeadlineKind.objects.values_list("code", flat=True),
    }


def raw_codes(with_reference: bool = True) -> tuple[set[str], set[str]]:
    """(codes that look like codes: with "_", "." or "-" -> never on a page; single words ->
    never a whole text node or a list of them). Article numbers ("337.5") are not codes."""
    codes = _choices() | set(ACTION_LABELS) | set(SECTIONS)
    marked = {c for c in codes if re.fullmatch(r"(?=.*[a-z])[a-z0-9]+([._][a-z0-9]+)+", c)}
    if with_reference:
        reference = _reference_codes()
        marked |= {c for c in reference if re.search(r"[._-]", c)}
        codes |= reference
    words = {c for c in codes - marked if re.fullmatch(r"[a-z][a-z0-9]+", c)}
    return marked, words


# --- Reading a page ----------------------------------------------------------------------------

VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}
HIDDEN = {"script", "style", "template", "noscript"}
READ_ATTRIBUTES = ("title", "aria-label", "placeholder", "alt")


class PageText(HTMLParser):
    """The strings a person reads or hears on a page, each as (text, kind)."""

    def __init__(self, language: str) -> None:
        super().__init__(convert_charrefs=True)
        self.language = language
        self.stack: list[tuple[str, bool]] = []  # (tag, hidden or in another language)
        self.strings: list[str] = []
        self.html_lang = ""

    def _skipped(self) -> bool:
        return any(skip for _tag, skip in self.stack)

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "html":
            self.html_lang = values.get("lang") or ""
        lang = (values.get("lang") or self.language).split("-")[0]
        skip = tag in HIDDEN or lang != self.language
        if not (self._skipped() or skip):
            for name in READ_ATTRIBUTES:
                if values.get(name):
                    self.strings.append(_normal(values[name]))
            if tag == "input" and values.get("type") in ("submit", "button", "reset"):
                self.strings.append(_normal(values.get("value") or ""))
        if tag not in VOID:
            self.stack.append((tag, skip))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID and self.stack and self.stack[-1][0] == tag:
            self.stack.pop()

    def handle_endtag(self, tag):
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                break

    def handle_data(self, data):
        if not self._skipped() and data.strip():
            self.strings.append(_normal(data))


def _clean(text: str) -> str:
    """The text without data (addresses, references, markers) and allowed exceptions."""
    text = DATA.sub(" ", text)
    for allowed in sorted(EXCEPTIONS, key=len, reverse=True):
        text = text.replace(allowed, " ")
    return text


ENGLISH_RUN = re.compile(r"\b[A-Za-z][a-z]{2,}(?:[ ,'-]+[A-Za-z][a-z]+)+\b")


def problems_of(html: str, language: str, catalogue: Untranslated, codes) -> list[str]:
    page = PageText(language)
    page.feed(html)
    found = []
    if page.html_lang != language:
        found.append(f"<html lang> is {page.html_lang!r}")
    marked, words = codes
    strings = [s for s in page.strings if s and s not in EXCEPTIONS]
    for text in strings:
        if text in catalogue.whole:
            found.append(f"untranslated: {text!r}")
        for code in marked:
            if re.search(rf"(?<![\w./:-]){re.escape(code)}(?![\w/-]|\.\w)", text):
                found.append(f"raw code {code!r} in {text!r}")
        items = [item.strip() for item in re.split(r"[,·]", text)]
        if items and all(item in words for item in items):
            found.append(f"raw code(s): {text!r}")
        if language in CYRILLIC:
            for run in ENGLISH_RUN.findall(_clean(text)):
                found.append(f"English in a {language} page: {run!r}")
    joined = " \n ".join(strings)
    for source, pattern in catalogue.inside:
        if source not in catalogue.whole or source not in strings:
            if pattern.search(joined):
                found.append(f"untranslated: {source!r}")
    return found


# --- The test ----------------------------------------------------------------------------------


@pytest.fixture
def translated_reference_data(reference_data_seeded):  # noqa: F811
    """The seeded reference data with its translations, as the migrations leave it (again, if
    a transactional test flushed the tables and the matrix re-seeded them without)."""
    import importlib

    from django.apps import apps

    for module in (
        "casework.migrations.0013_reference_translations",
        "evacuation.migrations.0008_reference_translations",
        "deadlines.migrations.0012_reference_translations",
    ):
        importlib.import_module(module).translate(apps, None)


@pytest.fixture
def compiled(settings):
    """The committed catalogues compiled (make does the same), the translation caches reset."""
    require_service("msgfmt", shutil.which("msgfmt") is not None, "apt-get install gettext")
    call_command("compilemessages", ignore_patterns=[".venv"], stdout=StringIO())
    settings.LOCALE_PATHS = [*settings.LOCALE_PATHS]


def _pages(w: World, persona: str):
    for key, entry in ROWS.items():
        if entry.method == "get" and entry.expected[persona] == 200:
            yield key, entry.path(w)


def _error_pages(w: World):
    """(name, persona, path) of the 404 and 403 pages."""
    yield "404", "assigned", "/no-such-page/"
    yield "403", "caseworker", reverse("casework:case_shell", args=[w.ref])


@pytest.mark.parametrize("language", WITH_CATALOGUE)
def test_every_page_is_in_the_language_for_every_persona(
    translated_reference_data,
    world,  # noqa: F811 - the matrix's fixture
    compiled,
    language,
):
    catalogue = Untranslated.of(read_catalogue(LOCALE / language / "LC_MESSAGES" / "django.po"))
    codes = raw_codes()
    User.objects.update(preferred_language=language)
    found: dict[str, set[str]] = {}

    def check(where: str, response) -> None:
        if not response["Content-Type"].startswith("text/html"):
            return
        for problem in problems_of(response.content.decode(), language, catalogue, codes):
            found.setdefault(problem, set()).add(where)

    for persona in PERSONAS:
        client = client_for(world, persona)
        client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = language
        for key, path in _pages(world, persona):
            response = client.get(path)
            assert response.status_code == 200, (persona, key)
            check(f"{persona} {key}", response)
    for name, persona, path in _error_pages(world):
        response = client_for(world, persona).get(path)
        assert response.status_code == int(name), name
        check(f"{persona} {name}", response)
    with translation.override(language):
        html = render_to_string("500.html")
    for problem in problems_of(html, language, catalogue, codes):
        found.setdefault(problem, set()).add("500")

    report = "\n".join(
        f"{problem}  [{', '.join(sorted(where)[:3])}{', …' if len(where) > 3 else ''}]"
        for problem, where in sorted(found.items())
    )
    assert not found, f"{len(found)} problems in {language}:\n{report}"


def test_the_checks_find_english_and_raw_codes_in_a_russian_page():
    """The detector itself: an English interface string, a raw section list and an audit
    code are found; a translated page, data and the language switcher are not."""
    catalogue = Untranslated.of(
        [
            Entry("Who has seen this case", msgstrs=["Кто видел это дело"]),
            Entry(
                "%(kind)s is due in %(days)s day.",
                "%(kind)s is due in %(days)s days.",
                ["%(kind)s через %(days)s день."] * 3,
            ),
            Entry("Waypoint", msgstrs=["Waypoint"]),
        ]
    )
    codes = raw_codes(with_reference=False)

    def page(body: str) -> str:
        return f'<html lang="ru"><body>{body}</body></html>'

    good = page(
        "<h1>Кто видел это дело</h1><p>Waypoint · person1@example.org</p>"
        '<select><option lang="en">English</option></select><script>var a = "Sign in";</script>'
    )
    assert problems_of(good, "ru", catalogue, codes) == []
    bad = page(
        "<h2>Who has seen this case</h2><p>Court date is due in 3 days.</p>"
        "<li>documents, identity, legal</li><td>case.section.viewed</td>"
        '<button aria-label="Close the panel">×</button>'
    )
    problems = problems_of(bad, "ru", catalogue, codes)
    assert "untranslated: 'Who has seen this case'" in problems
    assert "untranslated: '%(kind)s is due in %(days)s days.'" in problems
    assert "raw code(s): 'documents, identity, legal'" in problems
    assert "raw code 'case.section.viewed' in 'case.section.viewed'" in problems
    assert "English in a ru page: 'Close the panel'" in problems
