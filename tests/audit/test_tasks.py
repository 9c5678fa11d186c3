"""The nightly verification: a Celery task on the beat schedule that e-mails platform admins
a content-free notice when the chain is broken."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from celery.schedules import crontab
from django.core import mail

from audit.models import AuditEvent
from audit.services import record
from audit.tasks import verify_audit_chain_task
from audit.verification import NOTICE_BODY, NOTICE_SUBJECT
from config.celery import app
from tests.audit.db import TABLE, tamper
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def platform_admins():
    return [
        UserFactory(is_superuser=True, is_staff=True),
        UserFactory(is_superuser=True, is_staff=True, preferred_language="ru"),
    ]


def test_the_task_is_registered_and_scheduled_every_night():
    entry = app.conf.beat_schedule["audit-verify-chain-nightly"]

    assert entry["task"] == "audit.tasks.verify_audit_chain_task"
    assert verify_audit_chain_task.name == entry["task"]
    assert entry["task"] in app.tasks
    assert isinstance(entry["schedule"], crontab)
    assert entry["schedule"].hour == {2}
    assert entry["schedule"].minute == {40}


def test_an_intact_chain_records_a_small_success_event_and_sends_nothing(platform_admins):
    for _ in range(3):
        record("auth.logout", actor=None)

    verify_audit_chain_task.apply().get()

    last = AuditEvent.objects.order_by("-seq").first()
    assert (last.action, last.data, last.actor_id, last.organisation_id) == (
        "audit.verify.succeeded",
        {"head_seq": 3},
        None,
        None,
    )
    assert mail.outbox == []


@time_machine.travel(datetime(2026, 11, 26, 2, 40, 5, tzinfo=UTC), tick=False)
def test_a_broken_chain_e_mails_each_active_platform_admin_a_content_free_notice(platform_admins):
    UserFactory(is_superuser=True, is_active=False)  # no longer an admin: not told
    UserFactory()  # not an admin
    for _ in range(5):
        record("case.section.viewed", actor=None, section="identity")
    tamper(f"UPDATE {TABLE} SET object_id = 'x' WHERE seq = 3")  # noqa: S608

    verify_audit_chain_task.apply().get()

    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        admin.email for admin in platform_admins
    )
    for message in mail.outbox:
        assert len(message.to) == 1 and not message.cc and not message.bcc
    english = next(m for m in mail.outbox if m.to == [platform_admins[0].email])
    assert english.subject == NOTICE_SUBJECT
    assert english.body == NOTICE_BODY.format(time="2026-11-26 02:40 UTC")
    # Nothing about where or what: no sequence number, no hash, no id.
    assert "3" not in english.body.replace("2026-11-26 02:40", "")
    last = AuditEvent.objects.order_by("-seq").first()
    assert (last.action, last.data) == ("audit.verify.failed", {"first_bad_seq": 3})


def test_a_broken_chain_without_any_platform_admin_still_records_the_failure():
    for _ in range(3):
        record("auth.logout", actor=None)
    tamper(f"DELETE FROM {TABLE} WHERE seq = 2")  # noqa: S608

    verify_audit_chain_task.apply().get()

    assert mail.outbox == []
    assert AuditEvent.objects.filter(action="audit.verify.failed").count() == 1
