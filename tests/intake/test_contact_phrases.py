"""Reply phrases, the hidden-field tokens and the limits of the contact page: the parts that
need no intake (no database)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.cache import cache

from intake.contact import limits, phrases, tokens


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.mark.parametrize("language", ["ru", "en"])
def test_each_word_list_holds_2048_distinct_lower_case_words(language):
    words = phrases.wordlist(language)
    assert len(words) == len(set(words)) == 2048
    assert all(word.isalpha() and word == word.lower() for word in words)


def test_a_phrase_is_six_words_of_the_pages_language():
    ru, en = phrases.phrase_new("ru").split(), phrases.phrase_new("en").split()
    assert len(ru) == len(en) == 6
    assert set(ru) <= set(phrases.wordlist("ru"))
    assert set(en) <= set(phrases.wordlist("en"))


def test_phrases_do_not_repeat():
    drawn = {phrases.phrase_new("ru") for _ in range(500)}
    assert len(drawn) == 500


def test_a_phrase_copied_with_capitals_yo_and_line_breaks_reads_the_same():
    assert phrases.normalise("Ёлка,  берег\nЗамок - ВЕТЕР. лампа/окно ") == (
        "елка берег замок ветер лампа окно"
    )


@pytest.mark.parametrize(
    ("text", "shape"),
    [
        ("абзац абонент абсурд авангард авария август", True),
        ("abandon ability able about above absent", True),
        ("абзац абонент абсурд авангард авария", False),
        ("абзац абонент абсурд авангард авария август агент", False),
        ("абзац абонент абсурд авангард авария 1234", False),
        ("", False),
    ],
)
def test_only_six_words_of_letters_look_like_a_phrase(text, shape):
    assert phrases.looks_like_phrase(text) is shape


def test_a_form_token_is_valid_until_its_age_then_refused(settings):
    settings.WAYPOINT_CONTACT_FORM_MAX_AGE = 600
    with time_machine.travel(datetime(2026, 12, 3, 12, 0, tzinfo=UTC), tick=False) as traveller:
        token = tokens.form_token_new()
        assert tokens.form_token_valid(token)
        traveller.shift(timedelta(seconds=601))
        assert not tokens.form_token_valid(token)


def test_a_tampered_form_token_is_refused():
    token = tokens.form_token_new()
    assert not tokens.form_token_valid(token[:-2] + ("AA" if token[-2:] != "AA" else "BB"))
    assert not tokens.form_token_valid("not-a-token")


def test_a_form_token_is_spent_once_and_can_be_given_back():
    token = tokens.form_token_new()
    assert tokens.form_token_spend(token)
    assert not tokens.form_token_spend(token)
    tokens.form_token_unspend(token)
    assert tokens.form_token_spend(token)
    assert not tokens.form_token_spend("forged:token")


def test_the_cache_never_holds_the_token_itself():
    token = tokens.form_token_new()
    tokens.form_token_spend(token)
    keys = [key.decode() for key in cache._cache.get_client().keys("*")]  # noqa: SLF001
    assert keys and not any(token in key for key in keys)


def test_a_followup_token_carries_the_sealed_digest_until_it_expires(settings):
    settings.WAYPOINT_CONTACT_FOLLOWUP_MAX_AGE = 60
    digest = bytes(range(16))
    with time_machine.travel(datetime(2026, 12, 3, 12, 0, tzinfo=UTC), tick=False) as traveller:
        token = tokens.followup_token_new(digest)
        assert digest not in token.encode() and digest.hex() not in token
        assert tokens.followup_token_digest(token) == digest
        traveller.shift(timedelta(seconds=61))
        assert tokens.followup_token_digest(token) is None


def test_a_forged_followup_token_carries_nothing():
    assert tokens.followup_token_digest("") is None
    assert tokens.followup_token_digest(tokens.form_token_new()) is None


def test_the_hourly_budget_grants_then_refuses_and_alerts_once(settings):
    settings.WAYPOINT_CONTACT_HOURLY_BUDGET = 2
    hour = datetime.fromtimestamp((int(time.time()) // 3600 + 1) * 3600, UTC)
    with time_machine.travel(hour, tick=False) as traveller:
        assert limits.budget_reserve().granted
        assert limits.budget_reserve().granted
        third, fourth = limits.budget_reserve(), limits.budget_reserve()
        assert not third.granted and third.first_refusal
        assert not fourth.granted and not fourth.first_refusal
        traveller.shift(timedelta(hours=1))
        assert limits.budget_reserve().granted


def test_a_released_place_can_be_taken_again(settings):
    settings.WAYPOINT_CONTACT_HOURLY_BUDGET = 1
    hour = datetime.fromtimestamp((int(time.time()) // 3600 + 1) * 3600, UTC)
    with time_machine.travel(hour, tick=False):
        place = limits.budget_reserve()
        assert place.granted
        limits.budget_release(place)
        assert limits.budget_reserve().granted
        assert not limits.budget_reserve().granted


def test_each_phrase_has_its_own_daily_limits(settings):
    settings.WAYPOINT_CONTACT_PHRASE_READS = 2
    settings.WAYPOINT_CONTACT_PHRASE_FOLLOWUPS = 1
    one, two = b"\x01" * 16, b"\x02" * 16
    day = datetime.fromtimestamp((int(time.time()) // 86400 + 1) * 86400, UTC)
    with time_machine.travel(day, tick=False) as traveller:
        assert limits.phrase_allows("read", one)
        assert limits.phrase_allows("read", one)
        assert not limits.phrase_allows("read", one)
        assert limits.phrase_allows("read", two)
        assert limits.phrase_allows("followup", one)
        assert not limits.phrase_allows("followup", one)
        traveller.shift(timedelta(days=1))
        assert limits.phrase_allows("read", one)
