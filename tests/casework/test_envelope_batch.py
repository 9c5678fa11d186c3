"""The envelope for readers of many cases at once: keys loaded in one query (``load_keys``)
or adopted from the reader's own query (``wrapped_key_of``, ``adopt_keys``), and values opened
from rows read without instances (``Envelope.open_stored``). Nothing here opens what the
one-at-a-time path would refuse."""

from __future__ import annotations

import pytest

from casework import envelope
from casework.envelope import KeyRefused, SealedDataUnreadable, key_scope
from casework.models import CaseKey, Person
from casework.sections import Section


def _scope():
    return envelope.keys.scope_var.get()


def _stored(case) -> tuple:
    person = Person.objects.get(case=case)
    return person.pk, bytes(person.legal_name)


def test_load_keys_unwraps_many_cases_in_one_query_per_section(
    open_case, caseworker_getlost, django_assert_num_queries
):
    cases = [open_case(by=caseworker_getlost) for _ in range(4)]
    with key_scope():
        with django_assert_num_queries(2):
            envelope.load_keys((c.pk, s) for c in cases for s in (Section.IDENTITY, Section.NOTES))
        with django_assert_num_queries(0):
            for case in cases:
                envelope.data_key(case.pk, Section.IDENTITY)
                envelope.data_key(case.pk, Section.NOTES)


def test_load_keys_leaves_out_what_the_scopes_user_may_not_open(case_getlost, colleague_getlost):
    pk, raw = _stored(case_getlost)
    with key_scope(user=colleague_getlost):
        envelope.load_keys([(case_getlost.pk, Section.IDENTITY)])
        assert not _scope().ready
        with pytest.raises(KeyRefused):
            case_getlost.envelope.open_stored(Person, "legal_name", pk, raw)


def test_load_keys_and_adopt_keys_need_a_scope(case_getlost):
    with pytest.raises(RuntimeError):
        envelope.load_keys([(case_getlost.pk, Section.IDENTITY)])
    with pytest.raises(RuntimeError):
        envelope.adopt_keys([])


def test_a_wrapped_key_adopted_for_another_case_or_section_is_left_out(
    open_case, caseworker_getlost
):
    first, second = open_case(by=caseworker_getlost), open_case(by=caseworker_getlost)
    wrapped = bytes(CaseKey.objects.get(case=first, section=Section.IDENTITY).wrapped_key)
    with key_scope():
        envelope.adopt_keys(
            [
                (second.pk, Section.IDENTITY, wrapped),  # another case's key
                (first.pk, Section.NOTES, wrapped),  # another section's key
                (first.pk, Section.LEGAL, None),  # shredded: no key
            ]
        )
        assert not _scope().ready
        envelope.adopt_keys([(first.pk, Section.IDENTITY, wrapped)])
        assert list(_scope().ready) == [(first.pk.int, Section.IDENTITY)]


def test_the_wrapped_key_expression_gives_each_rows_case_and_section_key(
    open_case, caseworker_getlost
):
    first, second = open_case(by=caseworker_getlost), open_case(by=caseworker_getlost)
    envelope.shred_section(case_id=second.pk, section=Section.IDENTITY)
    rows = (
        Person.objects.filter(case__in=[first, second])
        .annotate(section=envelope_section(Section.IDENTITY))
        .annotate(wrapped=envelope.wrapped_key_of(case="case_id", section="section"))
        .values_list("case_id", "wrapped")
    )
    found = {case_id: wrapped for case_id, wrapped in rows}
    key = CaseKey.objects.get(case=first, section=Section.IDENTITY).wrapped_key
    assert bytes(found[first.pk]) == bytes(key)
    assert found[second.pk] is None  # shredded


def envelope_section(section: str):
    from django.db.models import CharField, Value

    return Value(section, output_field=CharField())


def test_a_stored_value_opens_only_for_its_own_row_and_case(open_case, caseworker_getlost):
    first, second = open_case(by=caseworker_getlost), open_case(by=caseworker_getlost)
    pk, raw = _stored(first)
    other_pk, _ = _stored(second)
    with key_scope():
        assert first.envelope.open_stored(Person, "legal_name", pk, raw) == "Иванов Иван Иванович"
        with pytest.raises(SealedDataUnreadable):
            first.envelope.open_stored(Person, "legal_name", other_pk, raw)  # another row
        with pytest.raises(SealedDataUnreadable):
            second.envelope.open_stored(Person, "legal_name", pk, raw)  # another case's key
        with pytest.raises(SealedDataUnreadable):
            first.envelope.open_stored(Person, "aliases", pk, raw)  # another field
        assert first.envelope.open_stored(Person, "legal_name", pk, None) == ""
