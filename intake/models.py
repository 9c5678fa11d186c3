"""A conversation with a person who wrote through a channel (the Telegram bot, the contact
page, the API) and its messages, both ways. The words are sealed in the case's contact
section (casework.envelope); the sender is kept only as a blind index."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation
from casework import limits
from casework.fields import TEXT, SealedField
from casework.models import Case, IntakeChannel
from casework.sections import Section


class Conversation(models.Model):
    """One sender on one channel, joined to one case (the intake, or the case it was merged
    into). ``sender_index`` is the vault HMAC of the sender (a Telegram user id, a reply
    phrase), per organisation and channel: later messages find the conversation by it, and
    nothing in clear says who wrote. ``address`` is where replies go (a Telegram chat id),
    sealed like the rest of the contact section."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="conversations")
    channel = models.CharField(_("channel"), max_length=24, choices=IntakeChannel.choices)
    sender_index = models.BinaryField(max_length=32, null=True, editable=False)
    address = SealedField(section=Section.CONTACT, codec=TEXT, limit=limits.NAME)
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    last_inbound_at = models.DateTimeField(default=timezone.now)
    # Flags for triage, in clear (booleans, no content): a sender who asked about routes or
    # crossing a border before anyone verified them; a sender who said it is urgent.
    asks_route = models.BooleanField(_("asks about routes before verification"), default=False)
    urgent = models.BooleanField(_("urgent"), default=False)
    # Where a scripted channel's conversation stands (the bot's next question): a code.
    step = models.CharField(max_length=24, blank=True)

    class Meta:
        ordering = ["-urgent", "received_at"]
        indexes = [models.Index(fields=["organisation", "channel", "sender_index"])]

    def __str__(self) -> str:
        return f"{self.channel} {self.pk}"


class Direction(models.TextChoices):
    INBOUND = "in", _("From the person")
    OUTBOUND = "out", _("Reply")


class Delivery(models.TextChoices):
    NONE = "", _("Received")
    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    NOT_NEEDED = "not_needed", _("Waiting for the person to read it")
    FAILED = "failed", _("Could not be sent")


class Message(models.Model):
    """One message of a conversation, sealed under the case's contact key. Outbound messages
    carry their delivery state; a task delivers them by id (intake.tasks)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    seq = models.PositiveIntegerField()
    direction = models.CharField(max_length=3, choices=Direction.choices)
    created_at = models.DateTimeField(default=timezone.now)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = SealedField(section=Section.CONTACT, codec=TEXT, limit=limits.STATEMENT)
    # A channel's own id of the message (a Telegram message id), as a blind index: an edit
    # of that message finds it.
    external_index = models.BinaryField(max_length=32, null=True, editable=False)
    edited = models.BooleanField(default=False)
    delivery = models.CharField(max_length=12, choices=Delivery.choices, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["conversation", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["conversation", "seq"], name="one_message_per_seq")
        ]

    def __str__(self) -> str:
        return f"message {self.pk}"
