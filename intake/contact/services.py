"""What the contact page does: a first message opens an intake and hands out a reply phrase;
the phrase reads the answers and adds follow-ups to the same intake.

The intake itself (case at intake, sealed messages, triage) is intake.services; here are the
phrase, the limits and the receiving organisation. The person is nobody's user: services
run with actor None and record ids only."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import Organisation
from audit.services import record
from casework.models import IntakeChannel
from intake import services as intake_services
from intake.contact import limits, phrases
from intake.models import Conversation, Direction, Message

# Replies on this channel are not sent anywhere (intake.apps registers NO_DELIVERY for it):
# the person reads them with the phrase.
CHANNEL = IntakeChannel.CONTACT_PAGE


class ContactClosed(Exception):
    """The page is off: no organisation is configured, or it is not active."""


class OverBudget(Exception):
    """This hour's budget of new intakes is spent."""


class PhraseLimit(Exception):
    """The phrase was used more often today than the limits allow."""


def contact_organisation() -> Organisation:
    """The organisation that receives the page's intakes (WAYPOINT_CONTACT_ORGANISATION)."""
    slug = settings.WAYPOINT_CONTACT_ORGANISATION
    organisation = Organisation.objects.filter(slug=slug, is_active=True).first() if slug else None
    if organisation is None:
        raise ContactClosed
    return organisation


def _digest(organisation: Organisation, phrase: str) -> bytes:
    return intake_services.sender_index(
        organisation_id=organisation.pk, channel=CHANNEL, sender=phrases.normalise(phrase)
    )


def _conversation(organisation: Organisation, digest: bytes) -> Conversation | None:
    return intake_services.conversation_for_sender(
        organisation=organisation, channel=CHANNEL, sender_index=digest
    )


def contact_submit(
    *, text: str, attachment: tuple[bytes, str] | None, language: str
) -> tuple[str, Conversation]:
    """Opens a new intake for a first message and returns (the reply phrase, the
    conversation). The phrase is returned once and never stored: only its digest.

    Raises ContactClosed, OverBudget (after raising the admins' alert once this hour), or
    ValidationError for a refused attachment or message (nothing stored, the budget place
    given back)."""
    organisation = contact_organisation()
    reservation = limits.budget_reserve()
    if not reservation.granted:
        if reservation.first_refusal:
            contact_budget_exhausted(organisation=organisation)
        raise OverBudget
    try:
        phrase = phrases.phrase_new(language)
        digest = _digest(organisation, phrase)
        conversation = intake_services.channel_intake_receive(
            organisation=organisation,
            channel=CHANNEL,
            sender_index=digest,
            text=text,
            attachment=attachment,
            language="ru" if language.startswith("ru") else "en",
        )
    except Exception:
        limits.budget_release(reservation)
        raise
    return phrase, conversation


def contact_follow_up(*, digest: bytes, text: str) -> Conversation | None:
    """Adds a follow-up to the phrase's intake; None when the phrase leads nowhere (nothing
    changes). Raises PhraseLimit over today's follow-ups, ValidationError for bad text."""
    organisation = contact_organisation()
    conversation = _conversation(organisation, digest)
    if conversation is None:
        return None
    if not limits.phrase_allows("followup", digest):
        raise PhraseLimit
    return intake_services.channel_intake_receive(
        organisation=organisation, channel=CHANNEL, sender_index=digest, text=text
    )


@dataclass(frozen=True)
class Answers:
    digest: bytes
    answers: list[intake_services.ReplyView]
    sent: int  # how many messages the person sent


def contact_answers(*, phrase: str) -> Answers | None:
    """The answers to the phrase's intake, oldest first; None when the phrase leads nowhere
    (nothing is counted or changed). Raises PhraseLimit over today's reads. Marks unread
    answers read (delivered_at) and writes intake.contact_read (ids only). Three queries and
    one unwrap."""
    organisation = contact_organisation()
    digest = _digest(organisation, phrase)
    conversation = _conversation(organisation, digest)
    if conversation is None:
        return None
    if not limits.phrase_allows("read", digest):
        raise PhraseLimit
    answers = intake_services.conversation_replies(conversation=conversation)
    sent = conversation.messages.filter(direction=Direction.INBOUND).count()
    _mark_read(conversation)
    return Answers(digest=digest, answers=answers, sent=sent)


def _mark_read(conversation: Conversation) -> None:
    with transaction.atomic():
        unread = Message.objects.filter(
            conversation=conversation, direction=Direction.OUTBOUND, delivered_at__isnull=True
        ).update(delivered_at=timezone.now())
        record(
            "intake.contact_read",
            actor=None,
            obj=conversation.case,
            org=conversation.organisation_id,
            count=unread,
        )


def contact_budget_exhausted(*, organisation: Organisation) -> None:
    """The hour's budget is spent: an audit event for the organisation's log and a
    content-free e-mail to its admins (a task with the organisation's id only)."""
    from intake.contact.tasks import contact_budget_alert_task

    with transaction.atomic():
        record(
            "intake.contact_budget_exhausted",
            actor=None,
            obj=organisation,
            org=organisation,
            count=settings.WAYPOINT_CONTACT_HOURLY_BUDGET,
        )
        transaction.on_commit(partial(contact_budget_alert_task.delay, str(organisation.pk)))
