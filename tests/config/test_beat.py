"""Beat on several nodes: only the holder of the Redis lock sends; another takes over when it
stops. Two schedulers stand for two nodes' beats; the broker is Celery's in-memory one, whose
queue the test counts."""

from __future__ import annotations

import time

import pytest
import redis
from celery import Celery
from django.conf import settings

from config import beat
from config.celery import app as waypoint_app
from tests.conftest import require_service


@pytest.fixture
def lock():
    require_service("Redis", bool(settings.REDIS_URL), "set REDIS_URL")
    client = redis.Redis.from_url(settings.REDIS_URL)
    client.delete(beat.LOCK_KEY)
    yield client
    client.delete(beat.LOCK_KEY)
    client.close()


@pytest.fixture
def app():
    """A Celery app with one entry that is due on every tick."""
    app = Celery("beat-test", broker="memory://", set_as_current=False)
    app.conf.beat_schedule = {"always": {"task": "beat.test.always", "schedule": 0.0}}
    _purge(app)  # the in-memory broker is shared by every app of this process
    yield app
    _purge(app)
    app.close()


def _purge(app) -> None:
    with app.connection_for_write() as connection:
        queue = connection.SimpleQueue("celery")
        queue.clear()
        queue.close()


def _queued(app) -> int:
    with app.connection_for_write() as connection:
        queue = connection.SimpleQueue("celery")
        try:
            return queue.qsize()
        finally:
            queue.close()


def _beat(app, tmp_path, name: str) -> beat.SingleBeatScheduler:
    return beat.SingleBeatScheduler(app=app, schedule_filename=str(tmp_path / name))


def test_waypoint_beat_uses_the_single_beat_scheduler():
    assert waypoint_app.conf.beat_scheduler == "config.beat:SingleBeatScheduler"


def test_only_one_of_two_beats_sends_and_the_other_takes_over(app, lock, tmp_path):
    one, two = _beat(app, tmp_path, "one"), _beat(app, tmp_path, "two")
    try:
        one.tick()
        assert _queued(app) == 1
        assert two.tick() == beat.TICK_SECONDS
        one.tick()
        two.tick()
        assert _queued(app) == 2
        assert lock.get(beat.LOCK_KEY).decode() == one.identity
        assert 0 < lock.ttl(beat.LOCK_KEY) <= beat.LOCK_SECONDS
    finally:
        one.close()
    # The first beat stopped and let go: the second sends from its next tick.
    two.tick()
    assert _queued(app) == 3
    assert lock.get(beat.LOCK_KEY).decode() == two.identity
    two.close()


def test_a_beat_that_died_is_replaced_once_its_lock_expires(app, lock, tmp_path, monkeypatch):
    monkeypatch.setattr(beat, "LOCK_SECONDS", 1)
    dead, two = _beat(app, tmp_path, "dead"), _beat(app, tmp_path, "two")
    dead.tick()  # takes the lock, then never ticks again (no close: it died)
    two.tick()
    assert _queued(app) == 1
    time.sleep(1.2)
    two.tick()
    assert _queued(app) == 2
    # The dead beat, were it to wake up, finds the lock gone and stands by.
    assert dead.tick() == beat.TICK_SECONDS
    assert _queued(app) == 2
    two.close()
