"""Reading answers with the reply phrase and writing again: what the person sees and what
changes (and that a wrong phrase changes nothing)."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from accounts.models import Role
from audit.models import AuditEvent
from casework.models import LegalCategory, RiskLevel, ServiceCategory
from intake import services as intake_services
from intake.contact import forms as contact_forms
from intake.contact import views
from intake.contact.tokens import form_token_new
from intake.models import Conversation, Direction, Message
from tests.intake.test_contact_pages import _phrase, _send

pytestmark = pytest.mark.django_db

ANSWER = "Здравствуйте! Напишите, где вы сейчас находитесь (страна)."


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def written(client, make_member, reference_data):
    """A person wrote through the page; returns (phrase, conversation, caseworker)."""
    make_member("get-lost", Role.ORG_ADMIN)
    caseworker = make_member("get-lost", Role.CASEWORKER)
    phrase = _phrase(_send(client))
    return phrase, Conversation.objects.get(), caseworker


def _answer(conversation, caseworker, text: str = ANSWER) -> Message:
    intake_services.intake_take_on(
        case=conversation.case,
        by=caseworker,
        legal_category=LegalCategory.DESERTER,
        service_category=ServiceCategory.MOBILISED,
        risk_level=RiskLevel.MEDIUM,
    )
    return intake_services.conversation_reply(conversation=conversation, by=caseworker, text=text)


def _read(client, phrase: str):
    data = {"token": form_token_new(), "phrase": phrase, "lang": "en"}
    return client.post(reverse("contact:replies"), data)


def _counts() -> tuple[int, int]:
    return Message.objects.count(), AuditEvent.objects.count()


def test_the_answers_page_sets_no_cookie(client, written):
    response = client.get(reverse("contact:replies"))
    assert response.status_code == 200 and not response.cookies
    assert "script-src 'none'" in response["Content-Security-Policy"]


def test_before_an_answer_the_phrase_says_there_is_none_yet(client, written):
    phrase, _conversation, _caseworker = written
    response = _read(client, phrase)
    assert response.status_code == 200 and not response.cookies
    assert 'data-testid="no-answer"' in response.content.decode()


def test_the_phrase_reads_the_caseworkers_answer_and_marks_it_read(client, written):
    phrase, conversation, caseworker = written
    reply = _answer(conversation, caseworker)
    # Typed back with capitals, "ё" and a line break, as from paper.
    typed = phrase.upper().replace(" ", "\n", 1)
    response = _read(client, typed)
    html = response.content.decode()
    assert ANSWER in html and 'data-testid="answer"' in html
    reply.refresh_from_db()
    assert reply.delivered_at is not None
    assert AuditEvent.objects.filter(action="intake.contact_read").count() == 1


def test_a_wrong_phrase_gets_a_clear_message_and_changes_nothing(client, written):
    phrase, conversation, caseworker = written
    _answer(conversation, caseworker)
    words = phrase.split()
    wrong = " ".join([*words[:5], "абзац" if words[5] != "абзац" else "абонент"])
    before = _counts()
    response = _read(client, wrong)
    assert response.status_code == 200
    html = response.content.decode()
    assert str(views.ERR_PHRASE_UNKNOWN) in html and ANSWER not in html
    assert _counts() == before
    assert Message.objects.filter(delivered_at__isnull=False).count() == 0


def test_a_phrase_of_the_wrong_shape_is_told_so(client, written):
    response = _read(client, "три слова всего")
    assert str(contact_forms.ERR_PHRASE_SHAPE) in response.content.decode()


def test_the_phrase_is_never_put_into_the_answers_page(client, written):
    phrase, _conversation, _caseworker = written
    html = _read(client, phrase).content.decode()
    # Every value in the page but the follow-up token (random base64, sealed) is checked.
    token = html.split('name="followup" value="')[1].split('"')[0]
    values = [v for v in re.findall(r'value="([^"]*)"', html) if v != token]
    assert phrase not in html and values
    assert not any(word in value for value in values for word in phrase.split())


def test_a_follow_up_joins_the_same_intake(client, written):
    phrase, conversation, _caseworker = written
    page = _read(client, phrase).content.decode()
    token = page.split('name="followup" value="')[1].split('"')[0]
    response = client.post(
        reverse("contact:replies"),
        {"followup": token, "message": "Я в Казахстане.", "lang": "en"},
    )
    assert response.status_code == 200 and not response.cookies
    assert str(views.FOLLOWUP_SAVED) in response.content.decode()
    assert Conversation.objects.count() == 1
    inbound = Message.objects.filter(conversation=conversation, direction=Direction.INBOUND)
    assert inbound.count() == 2


def test_a_forged_follow_up_is_refused_and_changes_nothing(client, written):
    before = _counts()
    response = client.post(
        reverse("contact:replies"), {"followup": "forged", "message": "Привет", "lang": "en"}
    )
    assert str(views.ERR_FOLLOWUP_EXPIRED) in response.content.decode()
    assert _counts() == before


def test_reads_and_follow_ups_are_limited_per_phrase(client, written, settings):
    phrase, _conversation, _caseworker = written
    settings.WAYPOINT_CONTACT_PHRASE_READS = 2
    settings.WAYPOINT_CONTACT_PHRASE_FOLLOWUPS = 1
    assert _read(client, phrase).status_code == 200
    page = _read(client, phrase).content.decode()
    refused = _read(client, phrase)
    assert refused.status_code == 429
    assert str(views.ERR_PHRASE_LIMIT) in refused.content.decode()
    token = page.split('name="followup" value="')[1].split('"')[0]
    data = {"followup": token, "message": "Ещё вопрос", "lang": "en"}
    assert client.post(reverse("contact:replies"), data).status_code == 200
    before = _counts()
    again = client.post(reverse("contact:replies"), data)
    assert again.status_code == 429 and _counts() == before
