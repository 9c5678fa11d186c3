"""What the bot does besides receiving: sessions (where a sender stands), the texts of the
script sent by a task, photos fetched by a task, replies delivered. Tasks pass ids and a
text key only; the chat id is sealed, the bot token comes from the environment."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F

import vault
from casework.envelope import SectionShredded, key_scope
from casework.services import case_receive_document
from casework.uploads import upload_limit
from intake.delivery import DeliveryError
from intake.models import BotSession, Conversation, FileState, Message, PendingFile, TelegramBot
from intake.telegram import client, script

PHOTO_NAME = "telegram-photo.jpg"


def digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def bot_for_path(path_secret: str) -> TelegramBot | None:
    """The active bot whose webhook path secret this is (compared by hash), or None."""
    if not path_secret or len(path_secret) > 128:
        return None
    return (
        TelegramBot.objects.filter(path_hash=digest(path_secret), is_active=True)
        .select_related("organisation")
        .first()
    )


def secret_matches(bot: TelegramBot, header: str) -> bool:
    """Whether the X-Telegram-Bot-Api-Secret-Token header is the bot's (constant time)."""
    if not bot.secret_hash or not header:
        return False
    return hmac.compare_digest(bytes(bot.secret_hash), digest(header))


def new_webhook_secrets(bot: TelegramBot) -> tuple[str, str]:
    """New random path and header secrets for the bot; only their hashes are stored."""
    path_secret, header_secret = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    bot.path_hash, bot.secret_hash = digest(path_secret), digest(header_secret)
    bot.save(update_fields=["path_hash", "secret_hash"])
    return path_secret, header_secret


def _chat_aad(session: BotSession) -> bytes:
    return f"waypoint.telegram.chat.v1:{session.pk}".encode()


def session_for(bot: TelegramBot, sender_index: bytes, chat_id: int) -> BotSession:
    """The sender's session, locked for this transaction (created at step NEW)."""
    session, created = BotSession.objects.select_for_update().get_or_create(
        bot=bot, sender_index=sender_index, defaults={"chat": b"", "step": script.NEW}
    )
    if created or not session.chat:
        session.chat = vault.seal(str(chat_id).encode(), aad=_chat_aad(session))
        session.save(update_fields=["chat"])
    return session


def say(session: BotSession, key: str) -> None:
    """Queues the script's text ``key`` for the session's chat, after commit (ids only)."""
    from intake.tasks import telegram_say_task

    transaction.on_commit(partial(telegram_say_task.delay, str(session.pk), key))


def _token(bot: TelegramBot) -> str:
    token = client.bot_token(bot.organisation)
    if token is None:
        raise DeliveryError("no bot token configured")
    return token


def session_say(*, session_id: Any, key: str) -> None:
    """Sends the script's text ``key`` to the session's chat (sendMessage)."""
    if key not in script.TEXT_KEYS:
        raise ValueError("unknown text key")
    session = BotSession.objects.select_related("bot__organisation").get(pk=session_id)
    chat = vault.open(bytes(session.chat), aad=_chat_aad(session)).decode()
    text = script.text_for(session.bot.texts, key)
    client.call(_token(session.bot), "sendMessage", {"chat_id": int(chat), "text": text})


def deliver_reply(conversation: Conversation, message: Message, text: str) -> None:
    """The Telegram channel's deliverer (intake.delivery): a caseworker's reply, sent to the
    chat sealed on the conversation."""
    bot = TelegramBot.objects.select_related("organisation").get(
        organisation_id=conversation.organisation_id
    )
    chat = conversation.case.envelope.open(conversation, "address")
    client.call(_token(bot), "sendMessage", {"chat_id": int(chat), "text": text})


def file_fetch(*, pending_id: Any) -> bool:
    """Fetches a pending file (getFile, then the download), cleans and stores it as an
    encrypted document of the case, and drops the sealed reference. Claimed first (one
    UPDATE), so it is stored once. A file the upload checks refuse is marked failed; a
    Bot API failure puts it back to pending and raises for the task to retry."""
    claimed = PendingFile.objects.filter(pk=pending_id, state=FileState.PENDING).update(
        state=FileState.FETCHING, attempts=F("attempts") + 1
    )
    if not claimed:
        return False
    pending = PendingFile.objects.select_related("case", "conversation").get(pk=pending_id)
    case = pending.case
    try:
        with key_scope():
            file_id = case.envelope.open(pending, "file_ref")
            bot = TelegramBot.objects.select_related("organisation").get(
                organisation_id=case.organisation_id
            )
            token = _token(bot)
            found = client.call(token, "getFile", {"file_id": file_id})
            data = client.download(token, str(found.get("file_path", "")), limit=upload_limit())
            with transaction.atomic():
                _finish(pending, FileState.STORED)  # rows first, the audit event last
                case_receive_document(case=case, data=data, original_name=PHOTO_NAME)
    except (ValidationError, SectionShredded):
        # Refused by the upload checks, or the intake was discarded meanwhile.
        _finish(pending, FileState.FAILED)
        return False
    except Exception:
        PendingFile.objects.filter(pk=pending_id).update(state=FileState.PENDING)
        raise
    return True


def _finish(pending: PendingFile, state: str) -> None:
    PendingFile.objects.filter(pk=pending.pk).update(state=state, file_ref=None)
