"""Digest delivery in batches, against a real SMTP server (aiosmtpd in a thread): what a
failure in the middle of a batch leaves behind, and a recipient refused for good."""

from __future__ import annotations

import smtplib

import pytest
from django.utils import timezone

from deadlines import services
from deadlines.models import OutboundEmail
from tests.deadlines.processes import Sink, SmtpServer, free_port
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


class PickySink(Sink):
    """Refuses one address at RCPT for good (550), or fails one message at DATA for now (451)."""

    def __init__(self) -> None:
        super().__init__()
        self.refuse: set[str] = set()
        self.fail_data: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.refuse:
            return "550 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        if self.fail_data.intersection(envelope.rcpt_tos):
            return "451 Try again later"
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def sink(settings):
    sink, port = PickySink(), free_port()
    server = SmtpServer(sink, port)
    server.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    yield sink
    services.smtp_connection_close()
    server.stop()


def _pending(*people) -> list[int]:
    now = timezone.now()
    rows = OutboundEmail.objects.bulk_create(
        [OutboundEmail(user=person, queued_at=now) for person in people]
    )
    return [row.pk for row in rows]


def _sent() -> set[str]:
    rows = OutboundEmail.objects.filter(sent_at__isnull=False).select_related("user")
    return {row.user.email for row in rows}


def test_a_failure_mid_batch_keeps_what_went_out_and_the_retry_sends_only_the_rest(sink):
    people = [UserFactory() for _ in range(4)]
    ids = _pending(*people)
    sink.fail_data.add(people[2].email)

    with pytest.raises(smtplib.SMTPDataError):
        services.emails_deliver(email_ids=ids)

    assert sink.recipients == [people[0].email, people[1].email]
    assert _sent() == {people[0].email, people[1].email}
    assert set(
        OutboundEmail.objects.filter(sent_at__isnull=False).values_list("attempts", flat=True)
    ) == {1}

    sink.fail_data.clear()
    assert services.emails_deliver(email_ids=ids) == 2
    assert sorted(sink.recipients) == sorted(p.email for p in people)  # each exactly once
    assert services.emails_deliver(email_ids=ids) == 0
    assert len(sink.messages) == 4


def test_a_refused_recipient_stays_pending_and_the_others_go_out(sink):
    first, refused, last = UserFactory(), UserFactory(), UserFactory()
    ids = _pending(first, refused, last)
    sink.refuse.add(refused.email)

    assert services.emails_deliver(email_ids=ids) == 2

    assert sink.recipients == [first.email, last.email]
    assert _sent() == {first.email, last.email}
    assert OutboundEmail.objects.get(user=refused).sent_at is None


def test_people_who_left_or_were_frozen_get_nothing_and_their_digest_is_settled(sink):
    gone, frozen, here = UserFactory(is_active=False), UserFactory(), UserFactory()
    frozen.frozen_at = timezone.now()
    frozen.save(update_fields=["frozen_at"])
    ids = _pending(gone, frozen, here)

    assert services.emails_deliver(email_ids=ids) == 1

    assert sink.recipients == [here.email]
    assert not OutboundEmail.objects.filter(sent_at__isnull=True).exists()
    settled = OutboundEmail.objects.filter(user__in=[gone, frozen])
    assert set(settled.values_list("attempts", flat=True)) == {0}
