"""How a reply reaches the person, per channel.

A channel registers a deliverer: a function given the conversation, the outbound message and
its opened text, which sends it (raising DeliveryError or any exception to be retried), or
NO_DELIVERY when nothing is sent (the contact page: the person reads replies with their
phrase). A channel with no registration cannot carry replies (the reply box says so)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from intake.models import Conversation, Message

Deliverer = Callable[["Conversation", "Message", str], None]


class DeliveryError(Exception):
    """A delivery that failed and may succeed later (retried with backoff). Its message
    carries no content: codes and ids only."""


def _no_delivery(conversation: Conversation, message: Message, text: str) -> None:
    return None


NO_DELIVERY: Deliverer = _no_delivery
_registry: dict[str, Deliverer] = {}


def register_delivery(channel: str, deliverer: Deliverer) -> None:
    """Registers how replies on ``channel`` are delivered (NO_DELIVERY: kept for the person
    to read). Registering again replaces the deliverer."""
    _registry[str(channel)] = deliverer


def deliverer_for(channel: str) -> Deliverer | None:
    """The channel's deliverer, or None when the channel cannot carry replies."""
    return _registry.get(str(channel))


def needs_delivery(channel: str) -> bool:
    """Whether a reply on the channel is sent somewhere (False also for unknown channels)."""
    deliverer = _registry.get(str(channel))
    return deliverer is not None and deliverer is not NO_DELIVERY
