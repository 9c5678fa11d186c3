"""A person writes through a channel: the message joins the sender's open intake, or opens a
new one (a case at intake, nobody assigned) in the organisation's triage queue."""

from __future__ import annotations

import re
import secrets
from functools import partial

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

import vault
from accounts.models import Organisation
from audit.services import deferred, record
from casework import limits
from casework.envelope import key_scope
from casework.guards import lock_case, seal
from casework.models import Case, IntakeChannel, Status
from casework.services import case_receive, case_receive_contact, case_receive_document
from intake.models import Conversation, Direction, Message, PendingFile
from intake.selectors import forget_triage_count

ERR_EMPTY_MESSAGE = _("Write a message or attach a document.")
ERR_UNKNOWN_CHANNEL = _("Unknown intake channel.")
INDEX_BYTES = 16
# A channel's own short prefix for the generated pseudonym ("TG-7KQ2M").
PSEUDONYM_PREFIX: dict[str, str] = {
    IntakeChannel.TELEGRAM_BOT: "TG",
    IntakeChannel.CONTACT_PAGE: "WEB",
    IntakeChannel.API: "API",
}
# No 0/O, 1/I/L: a pseudonym is read aloud and typed.
PSEUDONYM_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
# A sender who asks how to cross or which route to take before anyone verified them: a
# provocateur fishing for routes looks exactly like this (DESIGN.md), so triage is told.
ROUTE_WORDS = re.compile(
    r"маршрут|границ|перейти|пересеч|как\s+выехать|как\s+уехать|через\s+какой|"
    r"\broutes?\b|\bcross(ing)?\b|\bborder\b",
    re.IGNORECASE,
)
URGENT_WORDS = re.compile(r"срочно|немедленно|urgent|asap|\bsos\b", re.IGNORECASE)
# Serialises messages of one sender (two first messages at once open one intake, not two).
SENDER_LOCK_NAMESPACE = 0x1917


def sender_index(*, organisation_id, channel: str, sender: str) -> bytes:
    """The blind index of a sender (a Telegram user id, a reply phrase) for one organisation
    and channel: vault HMAC, 16 bytes. The same sender gives the same index; nothing leads
    back from it."""
    purpose = f"intake-sender:{organisation_id}:{channel}"
    return vault.blind_index(purpose, sender.encode("utf-8"), length=INDEX_BYTES)


def external_index(*, organisation_id, channel: str, sender: str, external_id: str) -> bytes:
    """The blind index of a channel's own message id (for edits), per sender."""
    purpose = f"intake-message:{organisation_id}:{channel}"
    return vault.blind_index(purpose, f"{sender}:{external_id}".encode(), length=INDEX_BYTES)


def new_pseudonym(channel: str) -> str:
    code = "".join(secrets.choice(PSEUDONYM_ALPHABET) for _ in range(5))
    return f"{PSEUDONYM_PREFIX.get(channel, 'IN')}-{code}"


def conversation_for_sender(
    *, organisation: Organisation, channel: str, sender_index: bytes | None
) -> Conversation | None:
    """The sender's conversation whose case is still open, if any (one query)."""
    if sender_index is None:
        return None
    return (
        Conversation.objects.select_related("case")
        .filter(organisation=organisation, channel=channel, sender_index=sender_index)
        .exclude(case__status=Status.CLOSED)
        .order_by("-received_at")
        .first()
    )


def _lock_sender(index: bytes | None) -> None:
    if index is not None and connection.vendor == "postgresql":
        key = int.from_bytes(index[:4], "big", signed=True)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [SENDER_LOCK_NAMESPACE, key])


def flags_for(text: str, *, verified: bool) -> tuple[bool, bool]:
    """(asks about routes before verification, urgent) for one message's text."""
    asks_route = not verified and bool(ROUTE_WORDS.search(text))
    return asks_route, bool(URGENT_WORDS.search(text))


def add_message(conversation: Conversation, *, direction: str, text: str, **fields) -> Message:
    """A new sealed message at the end of the conversation (the case is locked by the
    caller)."""
    case = conversation.case
    seq = (conversation.messages.aggregate(n=Max("seq"))["n"] or 0) + 1
    message = Message(case=case, conversation=conversation, seq=seq, direction=direction, **fields)
    seal(case, message, {"text": limits.check_text(text.strip(), limits.STATEMENT)})
    message.save()
    return message


def _open_intake(
    organisation: Organisation,
    channel: str,
    index: bytes | None,
    *,
    address: str,
    contact_handle: str,
    statement: str,
    language: str,
) -> Conversation:
    case = case_receive(
        organisation=organisation,
        intake_channel=channel,
        pseudonym=new_pseudonym(channel),
        statement=statement,
        language=language,
        contact_handles=[contact_handle] if contact_handle else [],
    )
    conversation = Conversation(
        organisation=organisation, case=case, channel=channel, sender_index=index
    )
    seal(case, conversation, {"address": address})
    conversation.save()
    transaction.on_commit(partial(forget_triage_count, organisation_id=organisation.pk))
    return conversation


@transaction.atomic
def channel_intake_receive(
    *,
    organisation: Organisation,
    channel: str,
    sender_index: bytes | None,
    text: str,
    attachment: tuple[bytes, str] | None = None,
    address: str = "",
    contact_handle: str = "",
    statement: str | None = None,
    urgent: bool = False,
    language: str = "ru",
    external_index: bytes | None = None,
    file_ref: str = "",
) -> Conversation:
    """Stores what a person sent through ``channel``. A known sender (same ``sender_index``,
    case not closed) joins their conversation; anyone else opens a new intake: a case at
    intake with a generated pseudonym, both categories "not yet known", nobody assigned.

    ``text`` becomes a sealed inbound message; on a new intake also the first statement
    (``statement`` instead when given: a scripted channel's "what happened" answer).
    ``contact_handle`` (how to reach the person) goes to the contact section, ``address``
    (where replies go, e.g. a Telegram chat id) sealed on the conversation, ``attachment``
    (bytes, file name) through the upload checks (EXIF stripped) into the documents;
    ``file_ref`` is a channel's reference to a file it keeps (a Telegram file id): sealed, and
    fetched by a task into the documents the same way. Flags
    the conversation when the text asks for routes before verification, or says it is urgent.
    Writes intake.received (ids only). A refused attachment or empty message raises
    ValidationError and stores nothing. Call outside a user's key scope."""
    if channel not in IntakeChannel.values:
        raise ValidationError(ERR_UNKNOWN_CHANNEL)
    if not text.strip() and attachment is None and not file_ref:
        raise ValidationError(ERR_EMPTY_MESSAGE)
    with key_scope(), deferred():
        _lock_sender(sender_index)
        conversation = conversation_for_sender(
            organisation=organisation, channel=channel, sender_index=sender_index
        )
        if conversation is None:
            conversation = _open_intake(
                organisation,
                channel,
                sender_index,
                address=address,
                contact_handle=contact_handle,
                statement=statement if statement is not None else text,
                language=language,
            )
        else:
            lock_case(conversation.case)
            if contact_handle:
                case_receive_contact(case=conversation.case, contact_handle=contact_handle)
        message = _inbound(conversation, text, external_index, urgent=urgent)
        if file_ref:
            _expect_file(conversation, file_ref)
        if attachment is not None:
            case_receive_document(
                case=conversation.case, data=attachment[0], original_name=attachment[1]
            )
        record(
            "intake.received",
            actor=None,
            obj=conversation.case,
            org=organisation,
            count=message.seq if message is not None else 0,
        )
    return conversation


def _expect_file(conversation: Conversation, file_ref: str) -> PendingFile:
    """Records a file to fetch (its reference sealed) and queues the fetch after commit."""
    from intake.tasks import fetch_file_task

    case = conversation.case
    pending = PendingFile(case=case, conversation=conversation)
    seal(case, pending, {"file_ref": file_ref[: limits.NAME]})
    pending.save()
    transaction.on_commit(partial(fetch_file_task.delay, str(pending.pk)))
    return pending


def _inbound(
    conversation: Conversation, text: str, index: bytes | None, *, urgent: bool
) -> Message | None:
    case: Case = conversation.case
    asks_route, says_urgent = flags_for(text, verified=case.is_verified)
    conversation.asks_route = conversation.asks_route or asks_route
    conversation.urgent = conversation.urgent or urgent or says_urgent
    conversation.last_inbound_at = timezone.now()
    conversation.save(update_fields=["asks_route", "urgent", "last_inbound_at"])
    if not text.strip():
        return None
    return add_message(conversation, direction=Direction.INBOUND, text=text, external_index=index)


@transaction.atomic
def conversation_message_edit(
    *, conversation: Conversation, external_index: bytes, text: str
) -> Message | None:
    """The person edited a message they sent (a channel that allows it): its sealed text is
    replaced and it is marked edited. None when no message has that id (nothing changes).
    Writes intake.edited."""
    case = conversation.case
    with key_scope(), deferred():
        lock_case(case)
        message = conversation.messages.filter(
            external_index=external_index, direction=Direction.INBOUND
        ).first()
        if message is None or not text.strip():
            return None
        seal(case, message, {"text": limits.check_text(text.strip(), limits.STATEMENT)})
        message.edited = True
        message.save(update_fields=["text", "edited"])
        asks_route, says_urgent = flags_for(text, verified=case.is_verified)
        if asks_route or says_urgent:
            conversation.asks_route = conversation.asks_route or asks_route
            conversation.urgent = conversation.urgent or says_urgent
            conversation.save(update_fields=["asks_route", "urgent"])
        record("intake.edited", actor=None, obj=case, org=case.organisation_id, count=message.seq)
    return message
