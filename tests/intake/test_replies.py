"""Replies from the case page: sealed, then delivered per channel by id."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from casework.envelope import key_scope
from casework.models import IntakeChannel
from intake import delivery, services
from intake.models import Delivery, Message

pytestmark = pytest.mark.django_db


@pytest.fixture
def taken(receive, caseworker_getlost):
    def make(channel=IntakeChannel.CONTACT_PAGE, sender="phrase one two"):
        conversation = receive("Здравствуйте", channel=channel, sender=sender)
        services.intake_take_on(
            case=conversation.case,
            by=caseworker_getlost,
            legal_category="deserter",
            service_category="mobilised",
            risk_level="medium",
        )
        conversation.refresh_from_db()
        return conversation

    return make


def test_a_contact_page_reply_waits_to_be_read_with_the_phrase(taken, caseworker_getlost):
    conversation = taken()
    message = services.conversation_reply(
        conversation=conversation, by=caseworker_getlost, text="Мы вам поможем"
    )
    assert message.delivery == Delivery.NOT_NEEDED
    replies = services.conversation_replies(conversation=conversation)
    assert [r.text for r in replies] == ["Мы вам поможем"]


def test_only_assigned_caseworkers_reply(taken, colleague_getlost, admin_getlost):
    conversation = taken()
    for user in (colleague_getlost, admin_getlost):
        with pytest.raises(PermissionDenied):
            services.conversation_reply(conversation=conversation, by=user, text="Нет")
    assert not Message.objects.filter(direction="out").exists()


def test_an_empty_reply_or_a_channel_without_delivery_is_refused(
    taken, caseworker_getlost, monkeypatch
):
    conversation = taken()
    with pytest.raises(ValidationError) as error:
        services.conversation_reply(conversation=conversation, by=caseworker_getlost, text=" ")
    assert error.value.messages == [str(services.ERR_EMPTY_REPLY)]
    api = taken(channel=IntakeChannel.API, sender="partner-1")
    monkeypatch.setattr(delivery, "_registry", {})
    with pytest.raises(ValidationError) as error:
        services.conversation_reply(conversation=api, by=caseworker_getlost, text="Ответ")
    assert error.value.messages == [str(services.ERR_NO_REPLIES)]


def test_the_reply_box_posts_a_sealed_reply(taken, caseworker_getlost, signed_in):
    conversation = taken()
    client = signed_in(caseworker_getlost)
    page = client.get(conversation.case.get_absolute_url())
    assert reverse("intake:reply", args=[conversation.pk]) in page.content.decode()
    response = client.post(
        reverse("intake:reply", args=[conversation.pk]), {"text": "Ответ ZQXREPLY"}
    )
    assert response.status_code == 302
    message = Message.objects.get(direction="out")
    assert b"ZQXREPLY" not in bytes(message.text)
    with key_scope():
        assert conversation.case.envelope.open(message, "text") == "Ответ ZQXREPLY"


def test_a_delivery_is_claimed_once(taken, caseworker_getlost, monkeypatch):
    sent = []
    monkeypatch.setitem(
        delivery._registry, IntakeChannel.TELEGRAM_BOT, lambda c, m, text: sent.append(text)
    )
    conversation = taken(channel=IntakeChannel.TELEGRAM_BOT, sender="1001")
    message = services.conversation_reply(
        conversation=conversation, by=caseworker_getlost, text="Привет"
    )
    assert message.delivery == Delivery.PENDING
    assert services.message_deliver(message_id=message.pk) is True
    assert services.message_deliver(message_id=message.pk) is False
    assert sent == ["Привет"]
    message.refresh_from_db()
    assert message.delivery == Delivery.SENT and message.attempts == 1


def test_a_failed_delivery_goes_back_to_pending_then_fails_for_good(
    taken, caseworker_getlost, monkeypatch
):
    def broken(conversation, message, text):
        raise delivery.DeliveryError("http 502")

    monkeypatch.setitem(delivery._registry, IntakeChannel.TELEGRAM_BOT, broken)
    conversation = taken(channel=IntakeChannel.TELEGRAM_BOT, sender="1001")
    message = services.conversation_reply(
        conversation=conversation, by=caseworker_getlost, text="Привет"
    )
    with pytest.raises(delivery.DeliveryError):
        services.message_deliver(message_id=message.pk)
    message.refresh_from_db()
    assert message.delivery == Delivery.PENDING
    services.message_delivery_failed(message_id=message.pk)
    message.refresh_from_db()
    assert message.delivery == Delivery.FAILED
