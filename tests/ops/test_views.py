"""/healthz (ops/views.py): anonymous, "ok" or "fail", nothing more."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_healthz_says_ok_to_anyone_without_details(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"


def test_healthz_says_fail_with_503_when_the_broker_is_unreachable(client, settings):
    from config.celery import app

    original = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    try:
        response = client.get("/healthz")
    finally:
        app.conf.broker_url = original
    assert response.status_code == 503
    assert response.content == b"fail"


def test_the_broker_check_uses_the_project_app_in_any_thread():
    # Web servers answer from worker threads; Celery's "current app" is per thread, and a
    # thread without one would fall back to a default app (amqp://localhost) and say "fail".
    from concurrent.futures import ThreadPoolExecutor

    from ops.views import _broker_reachable

    with ThreadPoolExecutor(max_workers=1) as pool:
        assert pool.submit(_broker_reachable).result(timeout=30)
