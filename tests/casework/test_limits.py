"""Every free-text field has a length limit, stated in its form and enforced for every
caller by the envelope (casework.limits): a 1 MB note is refused and nothing is saved."""

from __future__ import annotations

import importlib

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse

from casework import limits, services
from casework.forms import LimitedForm, NoteForm
from casework.models import Note, Person
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

FORM_MODULES = (
    "casework.forms.cases",
    "casework.forms.access",
    "evacuation.forms",
    "deadlines.forms",
    "evacuation.views.export",
)
MEGABYTE = "я" * (1024 * 1024)


def _forms() -> list[type[forms.Form]]:
    modules = [importlib.import_module(name) for name in FORM_MODULES]
    return [
        value
        for module in modules
        for value in vars(module).values()
        if isinstance(value, type)
        and issubclass(value, forms.Form)
        and value.__module__ == module.__name__
    ]


def test_the_form_scan_finds_the_case_forms():
    names = {form.__name__ for form in _forms()}
    assert {"NoteForm", "TestimonyForm", "DeadlineForm", "VisaForm", "ExportForm"} <= names


@pytest.mark.parametrize("form", _forms(), ids=lambda form: form.__name__)
def test_every_text_field_has_a_limit_that_its_form_states(form):
    if form is LimitedForm:
        return
    text_fields = {
        name: field
        for name, field in form.base_fields.items()
        if isinstance(field, forms.CharField) and not isinstance(field.widget, forms.HiddenInput)
    }
    assert all(field.max_length for field in text_fields.values()), form.__name__
    if text_fields:
        assert issubclass(form, LimitedForm), f"{form.__name__} does not state its limits"


def test_the_note_form_says_how_long_a_note_may_be():
    html = str(NoteForm().as_div())
    assert "Up to 10,000 characters." in html
    assert 'maxlength="10000"' in html


def test_a_megabyte_note_is_refused_by_the_page_and_nothing_is_saved(
    client, case_getlost, caseworker_getlost
):
    sign_in(client, caseworker_getlost)
    url = reverse("casework:note_add", args=[case_getlost.reference])
    response = client.post(url, {"text": MEGABYTE})
    assert response.status_code == 200
    assert "Ensure this value has at most 10000 characters" in response.content.decode()
    assert not Note.objects.filter(case=case_getlost).exists()


def test_the_envelope_refuses_a_megabyte_note_from_any_caller(case_getlost, caseworker_getlost):
    with pytest.raises(ValidationError) as refused:
        services.note_add(case=case_getlost, by=caseworker_getlost, text=MEGABYTE)
    assert refused.value.messages == ["This text is too long: at most 10,000 characters are kept."]
    assert not Note.objects.filter(case=case_getlost).exists()


def test_a_statement_may_be_long_but_not_endless(case_getlost, caseworker_getlost):
    long_statement = "слово " * 15_000  # 90,000 characters: many pages
    services.testimony_add(
        case=case_getlost,
        by=caseworker_getlost,
        language="ru",
        text=long_statement,
        consent_dossier=False,
    )
    with pytest.raises(ValidationError):
        services.testimony_add(
            case=case_getlost,
            by=caseworker_getlost,
            language="ru",
            text=MEGABYTE,
            consent_dossier=False,
        )


def test_list_fields_refuse_too_many_or_too_long_entries(case_getlost, caseworker_getlost):
    values = {
        "pseudonym": "Heron",
        "legal_name": "Иванов Иван",
        "date_of_birth": None,
        "citizenships": ["RU"],
        "passport_numbers": [],
        "relatives_at_risk": "",
    }
    for aliases in (["x"] * (limits.LINES + 1), ["x" * (limits.NAME + 1)]):
        with pytest.raises(ValidationError):
            services.person_update_identity(
                case=case_getlost, by=caseworker_getlost, aliases=aliases, **values
            )
    with pytest.raises(ValidationError):
        services.person_update_identity(
            case=case_getlost,
            by=caseworker_getlost,
            aliases=[],
            **{**values, "pseudonym": "p" * (limits.PSEUDONYM + 1)},
        )
    assert Person.objects.get(case=case_getlost).pseudonym == "Heron"
