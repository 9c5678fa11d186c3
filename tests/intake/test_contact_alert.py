"""The spent-budget alert through real processes: the page's refusal queues a task with the
organisation's id only on Redis, and a real Celery worker sends one content-free e-mail to
each of the organisation's admins through an aiosmtpd server. Skipped locally without
PostgreSQL and Redis (required in CI)."""

from __future__ import annotations

import base64
import json

import pytest
import redis
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse

from accounts.models import Role
from intake.contact.tasks import ALERT_BODY, ALERT_SUBJECT
from intake.contact.tokens import form_token_new
from tests.deadlines.test_reminder_processes import services_up, smtp, workers  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)

MARKER = "ALERTMRK4417"


def _queued() -> list[dict]:
    """The task messages waiting on the default queue, decoded."""
    broker = redis.Redis.from_url(settings.REDIS_URL)
    messages = [json.loads(raw) for raw in broker.lrange("celery", 0, -1)]
    for message in messages:
        message["decoded"] = base64.b64decode(message["body"]).decode()
    return messages


def _send(client, text: str):
    data = {"token": form_token_new(), "message": text, "consent": "on", "lang": "en"}
    return client.post(reverse("contact:form"), data)


@pytest.mark.usefixtures("services_up")
def test_a_spent_budget_e_mails_each_admin_once_and_says_nothing_of_the_messages(
    client,
    make_member,
    settings,
    smtp,  # noqa: F811 - the fixture imported above
    workers,  # noqa: F811
):
    sink, port = smtp
    cache.clear()
    settings.WAYPOINT_CONTACT_HOURLY_BUDGET = 1
    admins = [make_member("get-lost", Role.ORG_ADMIN) for _ in range(2)]
    make_member("get-lost", Role.CASEWORKER)
    assert _send(client, f"first {MARKER}").status_code == 200
    assert _send(client, f"second {MARKER}").status_code == 429
    assert _send(client, f"third {MARKER}").status_code == 429

    queued = _queued()
    assert len(queued) == 1
    organisation = admins[0].memberships.get().organisation
    assert json.loads(queued[0]["decoded"])[0] == [str(organisation.pk)]
    assert MARKER not in json.dumps(queued)

    workers("alert", port)
    assert sink.wait_for(2)
    assert sorted(sink.recipients) == sorted(admin.email for admin in admins)
    for message in sink.parsed():
        assert message["Subject"] == ALERT_SUBJECT
        assert message.get_payload(decode=True).decode().replace("\r\n", "\n") == ALERT_BODY
        assert MARKER not in message.as_string()
    cache.clear()
