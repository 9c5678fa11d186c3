"""Writes of the intake app: receiving through a channel (``receive``), replies and their
delivery (``replies``), the triage queue's actions (``triage``). Keyword-only, each in one
transaction with its audit events last."""

from intake.services.receive import (
    ERR_EMPTY_MESSAGE,
    ERR_UNKNOWN_CHANNEL,
    channel_intake_receive,
    conversation_for_sender,
    conversation_message_edit,
    external_index,
    new_pseudonym,
    sender_index,
)
from intake.services.replies import (
    ERR_EMPTY_REPLY,
    ERR_NO_REPLIES,
    ERR_REPLY_TOO_LONG,
    REPLY_LIMIT,
    ReplyView,
    conversation_replies,
    conversation_reply,
    message_deliver,
    message_delivery_failed,
)
from intake.services.triage import intake_discard, intake_merge, intake_take_on

__all__ = [
    "ERR_EMPTY_MESSAGE",
    "ERR_EMPTY_REPLY",
    "ERR_NO_REPLIES",
    "ERR_REPLY_TOO_LONG",
    "ERR_UNKNOWN_CHANNEL",
    "REPLY_LIMIT",
    "ReplyView",
    "channel_intake_receive",
    "conversation_for_sender",
    "conversation_message_edit",
    "conversation_replies",
    "conversation_reply",
    "external_index",
    "intake_discard",
    "intake_merge",
    "intake_take_on",
    "message_deliver",
    "message_delivery_failed",
    "new_pseudonym",
    "sender_index",
]
