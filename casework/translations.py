"""Reference data in the reader's language.

Country names come from CLDR through Babel: every ISO code in every language, maintained by the
Unicode consortium, nothing to type or keep up to date here. (django-countries carries the same
CLDR names but brings its own country field and list; our Country table, keyed by the ISO code
and holding risks, advisories and stay limits, only needs the names.)

What we write ourselves (document types, routes, deadline kinds, risk notes, advisories) keeps
its English source in the model's own field (``name``), and its other languages in a JSON field
beside it (``name_i18n``: ``{"ru": "…", "uk": "…"}``), one per translatable field. Chosen over
django-modeltranslation: that adds one column per field and language (a migration for every new
language) and patches the models' managers and querysets so that ``name`` silently means the
active language's column, in queries as well, which data migrations, selectors and the
statistics would then have to keep in mind. Here ``name`` is always the source, and reading
the translation is one explicit call: ``translated(obj, "name")``. The admin and the platform's
route pages edit every language through ``language_fields`` (one input per language).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from babel import Locale, UnknownLocaleError
from django import forms
from django.conf import settings
from django.utils.text import format_lazy
from django.utils.translation import get_language, get_language_info

SUFFIX = "_i18n"


def current_language() -> str:
    return (get_language() or settings.LANGUAGE_CODE).split("-")[0].lower()


def other_languages() -> list[str]:
    """The languages with their own translations (every offered one but the source)."""
    return [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]


def translated(obj: Any, field: str, language: str | None = None, *, default: object = None) -> str:
    """``obj.<field>`` in ``language`` (the active one by default): its translation when one is
    stored, else ``default`` (a catalogue's label), else the source text. No query."""
    language = language or current_language()
    fallback = str(default) if default is not None else getattr(obj, field) or ""
    if language == settings.LANGUAGE_CODE:
        return fallback
    values = getattr(obj, field + SUFFIX, None)
    text = values.get(language) if isinstance(values, dict) else None
    return text if isinstance(text, str) and text.strip() else fallback


@lru_cache(maxsize=16)
def _territories(language: str) -> dict[str, str]:
    try:
        return dict(Locale.parse(language).territories)
    except (UnknownLocaleError, ValueError):
        return {}


def country_name(code: str, fallback: str = "", language: str | None = None) -> str:
    """The CLDR name of the country ``code`` in ``language`` (the active one by default); the
    ``fallback`` (the admin's name) for a code CLDR does not know."""
    return _territories(language or current_language()).get(code.upper()) or fallback or code


# --- Forms: one input per language ----------------------------------------------------------


def field_name(field: str, language: str) -> str:
    return f"{field}_{language}"


def language_fields(
    field: str, label: Any, *, max_length: int | None = None, textarea: bool = False
) -> dict[str, forms.Field]:
    """Optional form fields ``<field>_<language>`` for every language but the source, labelled
    "<label> (<the language in its own name>)"; empty means "show the source text"."""
    fields: dict[str, forms.Field] = {}
    for language in other_languages():
        name_local = get_language_info(language)["name_local"]
        fields[field_name(field, language)] = forms.CharField(
            label=format_lazy("{} ({})", label, name_local),
            required=False,
            max_length=max_length,
            widget=forms.Textarea(attrs={"rows": 3, "lang": language})
            if textarea
            else forms.TextInput(attrs={"lang": language}),
        )
    return fields


def initial_translations(obj: Any, field: str) -> dict[str, str]:
    """The initial values of ``language_fields`` for ``obj``."""
    values = getattr(obj, field + SUFFIX, None) or {}
    return {field_name(field, lang): values.get(lang, "") for lang in other_languages()}


def collect_translations(data: dict[str, Any], field: str) -> dict[str, str]:
    """Takes the ``language_fields`` of ``field`` out of ``data`` (cleaned data): the
    non-empty ones, stripped, by language."""
    found = {}
    for language in other_languages():
        text = str(data.pop(field_name(field, language), "") or "").strip()
        if text:
            found[language] = text
    return found


class TranslatedModelForm(forms.ModelForm):
    """A model form (the admin's) that edits ``<field>_i18n`` as one input per language.
    Subclasses list ``translated = {"name": {"max_length": 100}, "advisory": {"textarea":
    True}}`` and get the inputs from ``translated_model_form``."""

    translated: dict[str, dict[str, Any]] = {}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            for field in self.translated:
                for name, value in initial_translations(self.instance, field).items():
                    self.initial.setdefault(name, value)

    def save(self, commit: bool = True):
        data = dict(self.cleaned_data)
        for field in self.translated:
            setattr(self.instance, field + SUFFIX, collect_translations(data, field))
        return super().save(commit=commit)


def translated_model_form(
    model: type, translated: dict[str, dict[str, Any]]
) -> type[TranslatedModelForm]:
    """A ``TranslatedModelForm`` for ``model``: its own fields, the JSON fields replaced by
    one input per language for each field of ``translated`` (options: max_length, textarea)."""
    attrs: dict[str, Any] = {"translated": translated}
    for field, options in translated.items():
        label = model._meta.get_field(field).verbose_name  # type: ignore[attr-defined]
        attrs.update(language_fields(field, label, **options))
    meta = type("Meta", (), {"model": model, "exclude": [f + SUFFIX for f in translated]})
    attrs["Meta"] = meta
    return type(f"{model.__name__}TranslatedForm", (TranslatedModelForm,), attrs)
