"""Abuse control for the contact page without IP addresses (Tor users share a few exits, and
an address is personal data we do not want).

* A global budget of new intakes per clock hour (WAYPOINT_CONTACT_HOURLY_BUDGET). When it is
  spent the page says so and the receiving organisation's admins are alerted once that hour.
* Per phrase, per day: how many times the answers may be read and how many follow-ups may be
  written (WAYPOINT_CONTACT_PHRASE_READS, WAYPOINT_CONTACT_PHRASE_FOLLOWUPS).
* Sizes: the message's length (forms) and the attachment's bytes (uploads).

Counters live in the cache (Redis in production: atomic increments shared by every web node;
the embedded setup's memory cache counts per process). Keys hold a hash of the phrase's
digest, never the phrase or the digest itself; they expire with their window.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

HOUR = 3600
DAY = 86400
BUDGET_PREFIX = "contact:budget:"
ALERT_PREFIX = "contact:alerted:"
PHRASE_PREFIX = "contact:phrase:"


def _window(length: int) -> int:
    return int(time.time()) // length


def _count(key: str, timeout: int) -> int:
    """Adds one to the counter and returns the new value (atomic on Redis)."""
    cache.add(key, 0, timeout=timeout)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr: start the window again
        cache.add(key, 1, timeout=timeout)
        return 1


@dataclass(frozen=True)
class Reservation:
    """A place in this hour's budget; ``first_refusal`` is True for the one request that
    found the budget spent first this hour (it raises the alert)."""

    granted: bool
    first_refusal: bool = False
    key: str = ""


def budget_reserve() -> Reservation:
    """Takes one place in this hour's budget of new intakes. One or two cache round trips."""
    hour = _window(HOUR)
    key = f"{BUDGET_PREFIX}{hour}"
    used = _count(key, HOUR + 60)
    if used <= settings.WAYPOINT_CONTACT_HOURLY_BUDGET:
        return Reservation(granted=True, key=key)
    first = cache.add(f"{ALERT_PREFIX}{hour}", 1, timeout=HOUR + 60)
    return Reservation(granted=False, first_refusal=first)


def budget_release(reservation: Reservation) -> None:
    """Gives a place back when nothing was saved after all."""
    if reservation.granted:
        try:
            cache.decr(reservation.key)
        except ValueError:
            pass


def _phrase_key(kind: str, digest: bytes) -> str:
    # A hash of the digest: the cache holds nothing that matches a database column.
    return f"{PHRASE_PREFIX}{kind}:{_window(DAY)}:{hashlib.sha256(digest).hexdigest()}"


def phrase_allows(kind: str, digest: bytes) -> bool:
    """Counts one use of the phrase (``kind``: "read" or "followup") and returns whether it
    is within today's limit. A use over the limit is counted too (it changes nothing)."""
    limit = {
        "read": settings.WAYPOINT_CONTACT_PHRASE_READS,
        "followup": settings.WAYPOINT_CONTACT_PHRASE_FOLLOWUPS,
    }[kind]
    return _count(_phrase_key(kind, digest), DAY + 60) <= limit
