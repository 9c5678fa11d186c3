"""Replies from the case page: stored sealed, then delivered per channel by a task that
takes the message's id only (intake.tasks)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from audit.services import deferred, record
from casework.envelope import SectionShredded, key_scope
from casework.guards import lock_case, require_assigned, require_section
from casework.sections import Section
from intake.delivery import DeliveryError, deliverer_for, needs_delivery
from intake.models import Conversation, Delivery, Direction, Message
from intake.services.receive import add_message

ERR_EMPTY_REPLY = _("Write the reply first.")
ERR_NO_REPLIES = _("Replies cannot be sent through this channel.")
ERR_REPLY_TOO_LONG = _("A reply can have at most %(limit)d characters.")
REPLY_LIMIT = 4_000  # a Telegram message holds 4,096 characters


@transaction.atomic
def conversation_reply(*, conversation: Conversation, by: User, text: str) -> Message:
    """An assigned caseworker's reply: sealed in the contact section, then (after commit) a
    delivery task with the message id, or kept for the person to read (the contact page).
    Writes intake.replied. ValidationError for an empty or too long reply, or a channel that
    cannot carry replies; PermissionDenied unless ``by`` may write the contact section."""
    case = conversation.case
    require_assigned(by=by, case=case)
    require_section(by=by, case=case, section=Section.CONTACT)
    text = text.strip()
    if not text:
        raise ValidationError(ERR_EMPTY_REPLY)
    if len(text) > REPLY_LIMIT:
        raise ValidationError(ERR_REPLY_TOO_LONG, params={"limit": REPLY_LIMIT})
    if deliverer_for(conversation.channel) is None:
        raise ValidationError(ERR_NO_REPLIES)
    sent = needs_delivery(conversation.channel)
    with deferred():
        lock_case(case)
        message = add_message(
            conversation,
            direction=Direction.OUTBOUND,
            text=text,
            author=by,
            delivery=Delivery.PENDING if sent else Delivery.NOT_NEEDED,
        )
        if sent:
            from intake.tasks import deliver_message_task

            transaction.on_commit(partial(deliver_message_task.delay, str(message.pk)))
        record("intake.replied", actor=by, obj=case, org=case.organisation_id, count=message.seq)
    return message


def message_deliver(*, message_id) -> bool:
    """Delivers one pending outbound message through its channel's deliverer. Claims it first
    (pending -> sending, one UPDATE), so two workers or a retry never send it twice; a failed
    attempt puts it back to pending and raises DeliveryError for the task to retry. Returns
    False when there was nothing to send (already sent, failed or claimed elsewhere).
    Writes intake.reply_sent."""
    claimed = Message.objects.filter(pk=message_id, delivery=Delivery.PENDING).update(
        delivery=Delivery.SENDING, attempts=F("attempts") + 1
    )
    if not claimed:
        return False
    message = Message.objects.select_related("conversation", "case").get(pk=message_id)
    conversation = message.conversation
    deliverer = deliverer_for(conversation.channel)
    try:
        if deliverer is None:
            raise DeliveryError("no deliverer for the channel")
        with key_scope():
            deliverer(conversation, message, message.case.envelope.open(message, "text"))
    except Exception:
        Message.objects.filter(pk=message_id, delivery=Delivery.SENDING).update(
            delivery=Delivery.PENDING
        )
        raise
    with transaction.atomic():
        Message.objects.filter(pk=message_id).update(
            delivery=Delivery.SENT, delivered_at=timezone.now()
        )
        record(
            "intake.reply_sent",
            actor=None,
            obj=message.case,
            org=message.case.organisation_id,
            count=message.seq,
        )
    return True


def message_delivery_failed(*, message_id) -> None:
    """Gives up on a message after the last retry: marked failed (the case page says so).
    Writes intake.reply_failed."""
    with transaction.atomic():
        changed = Message.objects.filter(
            pk=message_id, delivery__in=[Delivery.PENDING, Delivery.SENDING]
        ).update(delivery=Delivery.FAILED)
        if changed:
            message = Message.objects.select_related("case").get(pk=message_id)
            record(
                "intake.reply_failed",
                actor=None,
                obj=message.case,
                org=message.case.organisation_id,
                count=message.seq,
            )


@dataclass(frozen=True)
class ReplyView:
    """An outbound message as the person reads it."""

    text: str
    created_at: datetime


def conversation_replies(*, conversation: Conversation) -> list[ReplyView]:
    """The replies of the conversation, oldest first, opened (for the person, who proved who
    they are to the caller, e.g. with their reply phrase). Trusted: no user is checked, so
    call it outside a user's key scope and only for the conversation's own sender. A section
    erased (the intake discarded) gives no replies. Two queries and one unwrap."""
    case = conversation.case
    rows = conversation.messages.filter(direction=Direction.OUTBOUND).order_by("seq")
    try:
        with key_scope():
            return [
                ReplyView(text=case.envelope.open(m, "text"), created_at=m.created_at) for m in rows
            ]
    except SectionShredded:
        return []
