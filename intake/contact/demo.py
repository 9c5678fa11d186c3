"""Contact-page intakes for `seed_demo` (dev only), through the services (sealed, audited)."""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings

from accounts.models import Organisation, Role, User
from casework.models import LegalCategory, RiskLevel, ServiceCategory
from intake import services as intake_services
from intake.contact import phrases
from intake.contact.services import CHANNEL

ORGANISATION = "get-lost"
WAITING = (
    "Здравствуйте. Мне пришла повестка, а я уже уехал в Грузию. Это опасно? Что мне делать "
    "дальше? Связаться можно через Signal: @demo_lesnik."
)
ANSWERED = "Я ушёл из части после госпиталя и прячусь у родственников. Нужна помощь юриста."
REPLY = (
    "Здравствуйте! Мы получили ваше сообщение. Напишите, пожалуйста, в каком вы регионе "
    "(только федеральный округ) и есть ли у вас загранпаспорт."
)


def demo_phrase(purpose: str) -> str:
    """A reply phrase stable for this installation (derived from SECRET_KEY, like the demo
    logins), so the demo can print it and seed only once."""
    words = phrases.wordlist("ru")
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"seed_demo:contact:{purpose}".encode(), hashlib.sha256
    ).digest()
    return " ".join(
        words[int.from_bytes(digest[2 * i : 2 * i + 2], "big") % len(words)]
        for i in range(phrases.WORDS)
    )


def _receive(organisation: Organisation, phrase: str, text: str):
    index = intake_services.sender_index(
        organisation_id=organisation.pk, channel=CHANNEL, sender=phrases.normalise(phrase)
    )
    if intake_services.conversation_for_sender(
        organisation=organisation, channel=CHANNEL, sender_index=index
    ):
        return None
    return intake_services.channel_intake_receive(
        organisation=organisation, channel=CHANNEL, sender_index=index, text=text
    )


def seed_contact_intakes() -> str | None:
    """Two contact-page intakes for Get Lost, once: one waiting in the triage queue, and one
    the demo caseworker took on and answered (taking on moves a case out of the queue: a
    reply needs an assigned caseworker). Returns the answered one's phrase, to read the
    answer at /contact/replies/; None without the demo organisation or its caseworker."""
    organisation = Organisation.objects.filter(slug=ORGANISATION).first()
    caseworker = User.objects.filter(
        memberships__organisation=organisation, memberships__role=Role.CASEWORKER
    ).first()
    if organisation is None or caseworker is None:
        return None
    _receive(organisation, demo_phrase("waiting"), WAITING)
    phrase = demo_phrase("answered")
    conversation = _receive(organisation, phrase, ANSWERED)
    if conversation is not None:
        intake_services.intake_take_on(
            case=conversation.case,
            by=caseworker,
            legal_category=LegalCategory.DESERTER,
            service_category=ServiceCategory.MOBILISED,
            risk_level=RiskLevel.HIGH,
        )
        intake_services.conversation_reply(conversation=conversation, by=caseworker, text=REPLY)
    return phrase
