"""The per-case envelope: sealed fields fail closed, keys stay in memory for one scope, blind
indexes normalise as documented, files are chunked and bound to their document."""

from __future__ import annotations

import logging
import uuid
from datetime import date

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

import vault
from casework import envelope
from casework.envelope import (
    Envelope,
    IndexKind,
    SealedDataUnreadable,
    SectionShredded,
    blind_index,
    key_scope,
    normalise,
)
from casework.models import CaseKey, Person
from casework.sections import SECTIONS, Section


def _reload(person: Person) -> Person:
    return Person.objects.get(pk=person.pk)


def test_every_case_gets_one_wrapped_key_per_section(case_getlost):
    keys = CaseKey.objects.filter(case=case_getlost)
    assert sorted(k.section for k in keys) == sorted(SECTIONS)
    current = vault.get_keyring().current_id
    assert {k.kek_id for k in keys} == {current}
    # Wrapped, never the raw 32 bytes; and every section's key differs.
    assert all(len(bytes(k.wrapped_key)) > 32 for k in keys)
    raw = {
        vault.open(bytes(k.wrapped_key), aad=envelope.store.wrap_aad(case_getlost.pk, k.section))
        for k in keys
    }
    assert len(raw) == len(SECTIONS)
    assert all(len(key) == 32 for key in raw)


def test_a_sealed_field_round_trips_and_the_column_holds_no_plaintext(case_getlost):
    person = _reload(case_getlost.person)
    column = bytes(person.legal_name)
    assert "Иванов".encode() not in column
    assert case_getlost.envelope.open(person, "legal_name") == "Иванов Иван Иванович"


def test_a_ciphertext_swapped_between_two_cases_fails_closed(open_case, caseworker_getlost, caplog):
    first = open_case(by=caseworker_getlost, legal_name="Первый")
    second = open_case(by=caseworker_getlost, legal_name="Второй")
    a, b = _reload(first.person), _reload(second.person)
    Person.objects.filter(pk=b.pk).update(legal_name=bytes(a.legal_name))
    with caplog.at_level(logging.ERROR, logger="waypoint.security"):
        with pytest.raises(SealedDataUnreadable):
            second.envelope.open(_reload(b), "legal_name")
    [event] = [r for r in caplog.records if r.name == "waypoint.security"]
    message = event.getMessage()
    assert "reason=field_unreadable" in message and str(second.pk) in message
    assert "Первый" not in message


def test_a_ciphertext_swapped_between_two_fields_fails_closed(case_getlost):
    person = _reload(case_getlost.person)
    # Same row, same section (identity), other field.
    Person.objects.filter(pk=person.pk).update(relatives_at_risk=bytes(person.legal_name))
    with pytest.raises(SealedDataUnreadable):
        case_getlost.envelope.open(_reload(person), "relatives_at_risk")


def test_a_ciphertext_copied_to_another_row_of_the_same_case_fails_closed(
    case_getlost, caseworker_getlost
):
    from casework import services
    from casework.models import Note

    one = services.note_add(case=case_getlost, by=caseworker_getlost, text="first")
    two = services.note_add(case=case_getlost, by=caseworker_getlost, text="second")
    Note.objects.filter(pk=two.pk).update(text=bytes(Note.objects.get(pk=one.pk).text))
    with pytest.raises(SealedDataUnreadable):
        case_getlost.envelope.open(Note.objects.get(pk=two.pk), "text")


def test_a_flipped_byte_fails_closed(case_getlost):
    person = _reload(case_getlost.person)
    column = bytearray(bytes(person.legal_name))
    column[-5] ^= 0x01
    Person.objects.filter(pk=person.pk).update(legal_name=bytes(column))
    with pytest.raises(SealedDataUnreadable):
        case_getlost.envelope.open(_reload(person), "legal_name")


def test_plaintext_written_into_the_column_fails_closed(case_getlost, caplog):
    person = _reload(case_getlost.person)
    Person.objects.filter(pk=person.pk).update(legal_name="Смирнов".encode())
    with pytest.raises(SealedDataUnreadable) as raised:
        case_getlost.envelope.open(_reload(person), "legal_name")
    assert "Смирнов" not in str(raised.value)
    assert all("Смирнов" not in r.getMessage() for r in caplog.records)


def test_a_wrapped_key_moved_to_another_case_does_not_open(open_case, caseworker_getlost):
    first = open_case(by=caseworker_getlost)
    second = open_case(by=caseworker_getlost)
    moved = CaseKey.objects.get(case=first, section=Section.IDENTITY).wrapped_key
    CaseKey.objects.filter(case=second, section=Section.IDENTITY).update(wrapped_key=moved)
    with pytest.raises(SealedDataUnreadable):
        second.envelope.open(_reload(second.person), "legal_name")


def test_a_missing_key_row_fails_closed(case_getlost):
    CaseKey.objects.filter(case=case_getlost, section=Section.IDENTITY).delete()
    with pytest.raises(SealedDataUnreadable):
        case_getlost.envelope.open(_reload(case_getlost.person), "legal_name")


def test_a_shredded_section_says_so_and_other_sections_still_open(case_getlost):
    assert envelope.shred_section(case_id=case_getlost.pk, section=Section.IDENTITY)
    person = _reload(case_getlost.person)
    with pytest.raises(SectionShredded):
        case_getlost.envelope.open(person, "legal_name")
    assert case_getlost.envelope.open(person, "phones") == []
    row = CaseKey.objects.get(case=case_getlost, section=Section.IDENTITY)
    assert bytes(row.wrapped_key) == b"" and row.shredded_at is not None


def test_keys_are_kept_only_inside_a_scope(case_getlost, django_assert_num_queries):
    person = _reload(case_getlost.person)
    with key_scope():
        with django_assert_num_queries(1):
            case_getlost.envelope.open(person, "legal_name")
            case_getlost.envelope.open(person, "aliases")
        scope = envelope.keys.scope_var.get()
        assert list(scope.keys) == [(case_getlost.pk.int, Section.IDENTITY)]
    assert envelope.keys.scope_var.get() is None
    assert not scope.keys and not scope.ready  # dropped, not merely forgotten
    with django_assert_num_queries(2):
        case_getlost.envelope.open(person, "legal_name")
        case_getlost.envelope.open(person, "aliases")


def test_a_row_of_another_case_cannot_be_sealed_with_this_envelope(open_case, caseworker_getlost):
    first = open_case(by=caseworker_getlost)
    second = open_case(by=caseworker_getlost)
    with pytest.raises(ValueError, match="another case"):
        Envelope(second.pk).seal(first.person, "legal_name", "x")


def test_the_associated_data_names_model_field_row_and_section(case_getlost):
    """The documented format, byte for byte: text as UTF-8, long non-ASCII text as UTF-16
    with its byte-order mark; values sealed under the earlier codecs (UTF-8 only, then 0xFF +
    UTF-16-LE) stay readable."""
    person = _reload(case_getlost.person)
    key = envelope.data_key(case_getlost.pk, Section.IDENTITY)
    aad = f"waypoint.field.v1:casework.person:legal_name:{person.pk}:identity".encode()
    assert (
        vault.open_with_key(key, bytes(person.legal_name), aad=aad)
        == "Иванов Иван Иванович".encode()
    )
    # Long text, in a field that takes it (a legal name is at most 200 characters).
    long_aad = f"waypoint.field.v1:casework.person:relatives_at_risk:{person.pk}:identity".encode()
    long_text = "Я ушёл из части. " * 20
    case_getlost.envelope.seal(person, "relatives_at_risk", long_text)
    raw = vault.open_with_key(key, bytes(person.relatives_at_risk), aad=long_aad)
    assert raw == long_text.encode("utf-16") and raw[:2] in (b"\xff\xfe", b"\xfe\xff")
    assert case_getlost.envelope.open(person, "relatives_at_risk") == long_text
    for earlier in (long_text.encode(), b"\xff" + long_text.encode("utf-16-le")):
        person.relatives_at_risk = vault.seal_with_key(key, earlier, aad=long_aad)
        assert case_getlost.envelope.open(person, "relatives_at_risk") == long_text
    case_getlost.envelope.seal(person, "relatives_at_risk", "Ivanov " * 50)
    assert vault.open_with_key(key, bytes(person.relatives_at_risk), aad=long_aad) == (
        b"Ivanov " * 50
    )
    sealed = vault.seal_with_key(key, "Петров Пётр".encode(), aad=aad)
    person.legal_name = sealed
    assert case_getlost.envelope.open(person, "legal_name") == "Петров Пётр"
    # UTF-16 with a lone surrogate fails closed, in either format; so does a value led by 0xFE
    # or 0xFF that is neither (odd length after 0xFE, even length without a byte-order mark).
    for raw in (
        b"\xfe\xff\x04",
        b"\xff\xfe\x00\xd8",
        b"\xfe\xff\xd8\x00",
        b"\xff\x00\xd8",
        b"\xff\x41\x00\x42",
    ):
        person.legal_name = vault.seal_with_key(key, raw, aad=aad)
        with pytest.raises(SealedDataUnreadable):
            case_getlost.envelope.open(person, "legal_name")


def test_one_envelope_keeps_the_rows_it_switches_between_apart(case_getlost, caseworker_getlost):
    from casework import services

    sealer = case_getlost.envelope
    one = services.note_add(case=case_getlost, by=caseworker_getlost, text="first")
    two = services.note_add(case=case_getlost, by=caseworker_getlost, text="second")
    for text in ("a", "b"):
        sealer.seal(one, "text", f"{text} one")
        sealer.seal(two, "text", f"{text} two")
    assert [sealer.open(row, "text") for row in (one, two, one)] == ["b one", "b two", "b one"]
    one.text, two.text = two.text, one.text
    for row in (one, two):
        with pytest.raises(SealedDataUnreadable):
            sealer.open(row, "text")


def test_a_users_grants_are_checked_once_per_case_whatever_the_sections(
    case_getlost, caseworker_getlost, colleague_getlost, django_assert_num_queries
):
    person = _reload(case_getlost.person)
    sealer = case_getlost.envelope
    with key_scope(user=caseworker_getlost):
        # The case, its assignment and, the person not being verified yet, whether location
        # was opened to the user (every section at once), then one key per section.
        with django_assert_num_queries(5):
            sealer.open(person, "legal_name")
            sealer.open(person, "phones")
        with django_assert_num_queries(1):
            sealer.open(person, "aliases")
            sealer.open(person, "contact_handles")
            envelope.data_key(case_getlost.pk, Section.NOTES)
    with key_scope(user=colleague_getlost):
        # Refused sections are asked again, and refused again, each time.
        for _ in range(2):
            with pytest.raises(envelope.KeyRefused):
                sealer.open(person, "legal_name")


def test_a_key_the_scope_already_holds_is_still_refused_without_a_grant(
    case_getlost, colleague_getlost
):
    person = _reload(case_getlost.person)
    held = envelope.data_key(case_getlost.pk, Section.IDENTITY)
    with key_scope(user=colleague_getlost):
        envelope.keys.scope_var.get().keys[case_getlost.pk.int, Section.IDENTITY] = held
        with pytest.raises(envelope.KeyRefused):
            case_getlost.envelope.open(person, "legal_name")


# --- Property tests ---------------------------------------------------------------------------

# Short text, and text long enough for the UTF-16 encoding of long non-ASCII values.
TEXTS = st.one_of(st.text(max_size=300), st.text(min_size=256, max_size=600))
LISTS = st.lists(st.text(max_size=40), max_size=6)


@hypothesis_settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=TEXTS, aliases=LISTS, born=st.one_of(st.none(), st.dates()))
def test_any_value_round_trips(case_getlost, name, aliases, born):
    person = _reload(case_getlost.person)
    sealer = case_getlost.envelope
    values = {"relatives_at_risk": name, "aliases": aliases, "date_of_birth": born}
    sealer.seal_many(person, values)
    assert sealer.open(person, "relatives_at_risk") == name
    assert sealer.open(person, "aliases") == aliases
    assert sealer.open(person, "date_of_birth") == born


@hypothesis_settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=TEXTS, field=st.sampled_from(["aliases", "legal_name", "passport_numbers"]))
def test_a_value_never_opens_under_other_associated_data(case_getlost, name, field):
    person = _reload(case_getlost.person)
    sealer = case_getlost.envelope
    sealer.seal(person, "relatives_at_risk", name)
    setattr(person, field, person.relatives_at_risk)
    with pytest.raises(SealedDataUnreadable):
        sealer.open(person, field)
    other_row = Person(
        pk=uuid.uuid4(), case_id=case_getlost.pk, relatives_at_risk=person.relatives_at_risk
    )
    with pytest.raises(SealedDataUnreadable):
        sealer.open(other_row, "relatives_at_risk")


# --- Blind indexes ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "typed", "stored"),
    [
        (IndexKind.NAME, "Иванов Иван", "иванов  иван"),
        (IndexKind.NAME, "ФЁДОРОВ Пётр", "Федоров петр"),
        (IndexKind.NAME, "Римский-Корсаков", "римский корсаков"),
        (IndexKind.NAME, "José Müller", "jose muller"),
        (IndexKind.PHONE, "+7 (916) 123-45-67", "89161234567"),
        (IndexKind.PHONE, "007 916 123 45 67", "+79161234567"),
        (IndexKind.PASSPORT, "75 1234567", "751234567"),
        (IndexKind.PASSPORT, "ab-123 456", "AB123456"),
        (IndexKind.BIRTH_DATE, "1990-05-01", date(1990, 5, 1)),
    ],
)
def test_normalisation_makes_spellings_of_one_value_match(kind, typed, stored):
    org = uuid.uuid4()
    assert normalise(kind, typed) == normalise(kind, stored)
    assert blind_index(organisation_id=org, kind=kind, value=typed) == blind_index(
        organisation_id=org, kind=kind, value=stored
    )


def test_word_order_and_different_names_do_not_match():
    org = uuid.uuid4()

    def index(value):
        return blind_index(organisation_id=org, kind=IndexKind.NAME, value=value)

    assert index("Иванов Иван") != index("Иван Иванов")
    assert index("Иванов Иван") != index("Иванова Ивана")


def test_blind_indexes_differ_between_organisations_and_kinds():
    one, two = uuid.uuid4(), uuid.uuid4()
    a = blind_index(organisation_id=one, kind=IndexKind.NAME, value="Иванов")
    assert a != blind_index(organisation_id=two, kind=IndexKind.NAME, value="Иванов")
    assert a != blind_index(organisation_id=one, kind=IndexKind.PASSPORT, value="Иванов")
    assert len(a) == 16


def test_values_that_normalise_to_nothing_are_not_indexed():
    org = uuid.uuid4()
    assert blind_index(organisation_id=org, kind=IndexKind.NAME, value=" - ") is None
    assert blind_index(organisation_id=org, kind=IndexKind.PHONE, value="12-34") is None
    assert blind_index(organisation_id=org, kind=IndexKind.BIRTH_DATE, value="soon") is None


def test_fields_of_one_name_on_two_models_stay_apart_in_one_envelope(
    case_getlost, caseworker_getlost
):
    """Note.text and Testimony.text: the envelope keeps what it worked out per field name,
    so switching between the two models must not reuse the other's associated data."""
    from casework import services

    sealer = case_getlost.envelope
    note = services.note_add(case=case_getlost, by=caseworker_getlost, text="a note")
    testimony = services.testimony_add(
        case=case_getlost, by=caseworker_getlost, language="ru", text="a statement",
        consent_dossier=False,
    )  # fmt: skip
    for round_ in range(2):
        sealer.seal(note, "text", f"note {round_}")
        sealer.seal(testimony, "text", f"statement {round_}")
        assert sealer.open(note, "text") == f"note {round_}"
        assert sealer.open(testimony, "text") == f"statement {round_}"
    note_pk_text = f"waypoint.field.v1:casework.note:text:{note.pk}:notes".encode()
    key = envelope.data_key(case_getlost.pk, Section.NOTES)
    assert vault.open_with_key(key, bytes(note.text), aad=note_pk_text) == b"note 1"
    # A testimony's ciphertext in a note's column (same field name) does not open.
    note.text = testimony.text
    with pytest.raises(SealedDataUnreadable):
        sealer.open(note, "text")


def test_sealing_several_fields_checks_the_row_and_every_limit(open_case, caseworker_getlost):
    from django.core.exceptions import ValidationError

    from casework import limits

    first = open_case(by=caseworker_getlost)
    second = open_case(by=caseworker_getlost)
    person = _reload(first.person)
    sealer = first.envelope
    sealer.seal_many(person, {"legal_name": "Петров Пётр", "aliases": ["Петя"]})
    assert sealer.open_many(person, ["legal_name", "aliases"]) == {
        "legal_name": "Петров Пётр",
        "aliases": ["Петя"],
    }
    with pytest.raises(ValueError, match="another case"):
        second.envelope.seal_many(person, {"legal_name": "x", "aliases": []})
    with pytest.raises(ValueError, match="another case"):
        second.envelope.open_many(person, ["legal_name"])
    # The limit holds on the short-text path too: at the limit it seals, one over it refuses
    # and leaves the column as it was.
    sealer.seal(person, "legal_name", "x" * limits.NAME)
    before = bytes(person.legal_name)
    with pytest.raises(ValidationError):
        sealer.seal(person, "legal_name", "x" * (limits.NAME + 1))
    with pytest.raises(ValidationError):
        sealer.seal(person, "legal_name", "я" * (limits.NAME + 1))
    assert bytes(person.legal_name) == before
    with pytest.raises(TypeError, match="legal_name"):
        sealer.seal(person, "legal_name", ["not text"])
