"""One Telegram ``Update`` posted to the webhook: the script's step for its sender, and what
the person wrote into their intake (after consent only)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from casework.models import IntakeChannel
from intake.models import BotSession, Conversation, TelegramBot
from intake.services import (
    channel_intake_receive,
    conversation_for_sender,
    conversation_message_edit,
    external_index,
    sender_index,
)
from intake.telegram import script
from intake.telegram.services import say, session_for

CHANNEL = IntakeChannel.TELEGRAM_BOT
# The script step after each answer, and the text that asks the next question.
NEXT = {
    script.WHAT: (script.CONTACT, script.ASK_CONTACT),
    script.CONTACT: (script.URGENCY, script.ASK_URGENCY),
    script.URGENCY: (script.DONE, script.THANKS),
}


def _file_id(message: dict[str, Any]) -> str | None:
    """The largest photo size, or an image or PDF sent as a file."""
    photos = message.get("photo")
    if isinstance(photos, list) and photos:
        largest = max(photos, key=lambda p: p.get("file_size") or p.get("width", 0) or 0)
        return str(largest.get("file_id") or "") or None
    document = message.get("document")
    if isinstance(document, dict):
        mime = str(document.get("mime_type", ""))
        if mime.startswith("image/") or mime == "application/pdf":
            return str(document.get("file_id") or "") or None
    return None


def _parts(message: dict[str, Any]) -> tuple[str, int, int, str] | None:
    """(sender, chat id, message id, text) of a private chat's message, else None."""
    sender, chat = message.get("from") or {}, message.get("chat") or {}
    if chat.get("type") != "private" or sender.get("is_bot"):
        return None
    try:
        sender_id, chat_id, message_id = (
            int(sender["id"]),
            int(chat["id"]),
            int(message["message_id"]),
        )
    except (KeyError, TypeError, ValueError):
        return None
    text = message.get("text") or message.get("caption") or ""
    return str(sender_id), chat_id, message_id, str(text)


def update_receive(*, bot: TelegramBot, update: dict[str, Any]) -> None:
    """Handles one update: a new message moves the sender's script on (or joins the intake),
    an edited one replaces the stored text. Anything else is ignored. Bad content (a refused
    file) changes nothing."""
    if isinstance(update.get("edited_message"), dict):
        _edited(bot, update["edited_message"])
    elif isinstance(update.get("message"), dict):
        try:
            _message(bot, update["message"])
        except ValidationError:
            pass  # e.g. an empty message: nothing is stored, the script stays where it was


def _edited(bot: TelegramBot, message: dict[str, Any]) -> None:
    parts = _parts(message)
    if parts is None:
        return
    sender, _chat, message_id, text = parts
    org = bot.organisation
    index = sender_index(organisation_id=org.pk, channel=CHANNEL, sender=sender)
    conversation = conversation_for_sender(organisation=org, channel=CHANNEL, sender_index=index)
    if conversation is not None and text.strip():
        conversation_message_edit(
            conversation=conversation,
            external_index=external_index(
                organisation_id=org.pk, channel=CHANNEL, sender=sender, external_id=str(message_id)
            ),
            text=text,
        )


@transaction.atomic
def _message(bot: TelegramBot, message: dict[str, Any]) -> None:
    parts = _parts(message)
    if parts is None:
        return
    sender, chat_id, message_id, text = parts
    org = bot.organisation
    index = sender_index(organisation_id=org.pk, channel=CHANNEL, sender=sender)
    session = session_for(bot, index, chat_id)
    step = session.step
    if step in (script.NEW, script.DECLINED):
        _move(session, script.CONSENT, script.INTRO)
    elif step == script.CONSENT:
        if script.is_yes(text):
            _move(session, script.WHAT, script.ASK_WHAT)
        elif script.is_no(text):
            _move(session, script.DECLINED, script.DECLINED_TEXT)
        else:
            say(session, script.INTRO)
    else:
        words = "" if script.is_command(text) else text
        if not words.strip() and _file_id(message) is None:
            return
        # The session row is written before the intake's audit events (the lock order).
        if step in NEXT:
            _move(session, *NEXT[step])
        _store(org, index, step, message, message_id, words, sender, chat_id)


def _store(org, index, step: str, message, message_id, text, sender, chat_id) -> Conversation:
    file_id = _file_id(message)
    conversation = channel_intake_receive(
        organisation=org,
        channel=CHANNEL,
        sender_index=index,
        text=text,
        address=str(chat_id),
        contact_handle=text if step == script.CONTACT else "",
        statement=text if step == script.WHAT else None,
        urgent=step == script.URGENCY and script.is_yes(text),
        external_index=external_index(
            organisation_id=org.pk, channel=CHANNEL, sender=sender, external_id=str(message_id)
        ),
        file_ref=file_id or "",
    )
    return conversation


def _move(session: BotSession, step: str, key: str) -> None:
    session.step = step
    session.save(update_fields=["step", "updated_at"])
    say(session, key)
