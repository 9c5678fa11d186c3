"""Celery beat that sends each periodic task once, however many nodes run beat.

Every beat process competes for one Redis lock; only the holder sends anything, and it renews
the lock on every tick (at most ``beat_max_loop_interval`` apart, well inside the lock's
lifetime). When the holder stops or dies, its lock expires and another beat takes over within
``LOCK_SECONDS``. Without Redis (the embedded setup of ``make run``) there is one machine and
one beat, and no lock is needed.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

import redis
from celery.beat import PersistentScheduler
from django.conf import settings

logger = logging.getLogger(__name__)

LOCK_KEY = "wp:beat:leader"
LOCK_SECONDS = 60
# A beat ticks at least this often (seconds): the leader renews, a standby looks again.
TICK_SECONDS = 10

# Renew only a lock we still hold: compare and extend in one step.
_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('expire', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('del', KEYS[1])
end
return 0
"""


class SingleBeatScheduler(PersistentScheduler):
    """A PersistentScheduler that sends only while it holds the beat lock in Redis."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.identity = uuid.uuid4().hex
        self.leading = False
        url = settings.REDIS_URL
        self.redis = redis.Redis.from_url(url) if url else None
        super().__init__(*args, **kwargs)

    def lead(self) -> bool:
        """True while this beat holds the lock (taking it if it is free)."""
        if self.redis is None:
            return True
        if self.leading and self.redis.eval(_RENEW, 1, LOCK_KEY, self.identity, LOCK_SECONDS):
            return True
        was_leading = self.leading
        self.leading = bool(self.redis.set(LOCK_KEY, self.identity, nx=True, ex=LOCK_SECONDS))
        if self.leading != was_leading:
            logger.info("beat %s", "leads" if self.leading else "stands by")
        return self.leading

    def tick(self, *args: Any, **kwargs: Any) -> float:
        if not self.lead():
            return TICK_SECONDS
        return min(super().tick(*args, **kwargs), TICK_SECONDS)

    def close(self) -> None:
        super().close()
        if self.redis is not None and self.leading:
            # Hand over at once rather than after the lock expires.
            self.redis.eval(_RELEASE, 1, LOCK_KEY, self.identity)
            self.leading = False
