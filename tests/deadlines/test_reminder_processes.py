"""Reminders through real processes: Celery workers on Redis, the test's PostgreSQL database,
and an aiosmtpd SMTP server. Skipped locally without PostgreSQL and Redis; required in CI."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from casework import services as casework_services
from casework.models import Country
from deadlines import services
from deadlines.models import Deadline, Notification, OutboundEmail, ReminderClaim
from deadlines.tasks import reminders_scan_task
from tests.conftest import require_service
from tests.deadlines.conftest import MARKER
from tests.deadlines.processes import (
    Sink,
    SmtpServer,
    Worker,
    free_port,
    purge_queue,
    redis_available,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def services_up(reference_data):
    require_service("PostgreSQL", connection.vendor == "postgresql", "set DATABASE_URL")
    require_service("Redis", redis_available(), "set REDIS_URL")
    purge_queue()
    yield
    purge_queue()


@pytest.fixture
def smtp(services_up):
    """A running SMTP sink: (sink, port)."""
    sink, port = Sink(), free_port()
    server = SmtpServer(sink, port)
    server.start()
    yield sink, port
    sink.stall.clear()
    server.stop()


@pytest.fixture
def workers():
    """``workers(name, smtp_port)`` starts one; all are stopped by their own pid at the end."""
    started: list[Worker] = []

    def start(name: str, port: int) -> Worker:
        worker = Worker(name=name, smtp_port=port).start()
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


def _settle(sink: Sink, seconds: float = 2.0) -> None:
    """Waits so that a duplicate, if any, would have arrived."""
    time.sleep(seconds)


def _deadline(case, by, kind, days):
    return services.deadline_create(
        case=case, by=by, kind=kind, due_date=timezone.now().date() + timedelta(days=days)
    )


def test_a_deadline_due_in_7_days_sends_one_e_mail_at_the_7_day_offset_and_none_before(
    smtp, workers, case_getlost, caseworker_getlost, kind
):
    sink, port = smtp
    workers("w1", port)
    today = timezone.now()
    _deadline(case_getlost, caseworker_getlost, kind, 10)
    for day in (0, 1, 2):
        with time_machine.travel(today + timedelta(days=day)):
            services.reminders_scan()
    _settle(sink)
    assert sink.messages == []
    with time_machine.travel(today + timedelta(days=3)):
        services.reminders_scan()
        services.reminders_scan()
    assert sink.wait_for(1)
    _settle(sink)
    assert sink.recipients == [caseworker_getlost.email]
    assert list(ReminderClaim.objects.values_list("offset", flat=True)) == [7]
    assert OutboundEmail.objects.get().sent_at is not None


def test_two_workers_scanning_at_the_same_moment_send_each_reminder_once(
    smtp, workers, open_case, caseworker_getlost, make_member, kind
):
    sink, port = smtp
    people = [caseworker_getlost] + [make_member("get-lost") for _ in range(4)]
    for n in range(20):
        case = open_case(by=caseworker_getlost)
        _deadline(case, caseworker_getlost, kind, (0, 1, 3, 7)[n % 4])
        casework_services.case_assign(
            case=case, by=caseworker_getlost, caseworkers=[people[n % 5], people[(n + 1) % 5]]
        )
    workers("a", port)
    workers("b", port)
    time.sleep(3)  # both consuming before the scans are queued
    reminders_scan_task.delay()
    reminders_scan_task.delay()
    assert sink.wait_for(5, timeout=60)
    _settle(sink, 3)
    assert sorted(sink.recipients) == sorted(p.email for p in people)
    assert ReminderClaim.objects.count() == 20
    assert Notification.objects.count() == 40
    assert Notification.objects.values("user", "deadline", "offset").distinct().count() == 40


def test_a_worker_killed_while_sending_is_replaced_and_the_e_mail_goes_out_once(
    smtp, workers, case_getlost, caseworker_getlost, kind
):
    sink, port = smtp
    _deadline(case_getlost, caseworker_getlost, kind, 0)
    sink.stall.set()
    first = workers("doomed", port)
    services.reminders_scan()
    assert sink.stalled.wait(30), "the worker never reached the SMTP server"
    first.kill()  # SIGKILL, by its own pid, in the middle of the SMTP conversation
    sink.stall.clear()
    assert first.process.returncode == -9
    assert OutboundEmail.objects.get().sent_at is None
    time.sleep(3.5)  # the broker's visibility timeout (3 s in the workers' environment)
    workers("replacement", port)
    assert sink.wait_for(1, timeout=60)
    _settle(sink, 4)
    assert sink.recipients == [caseworker_getlost.email]
    assert OutboundEmail.objects.get().sent_at is not None


def test_an_smtp_server_down_at_first_gets_the_e_mail_later_through_retries(
    services_up, workers, case_getlost, caseworker_getlost, kind
):
    port = free_port()
    sink = Sink()
    workers("patient", port)
    _deadline(case_getlost, caseworker_getlost, kind, 0)
    services.reminders_scan()
    queued = timezone.now()
    time.sleep(2.5)  # first attempt and a retry or two hit a closed port
    assert OutboundEmail.objects.get().sent_at is None
    server = SmtpServer(sink, port)
    server.start()
    try:
        assert sink.wait_for(1, timeout=30)
        _settle(sink)
    finally:
        server.stop()
    assert sink.recipients == [caseworker_getlost.email]
    email = OutboundEmail.objects.get()
    assert email.sent_at - queued >= timedelta(seconds=2)


def test_every_e_mail_in_a_run_is_byte_identical_and_carries_no_planted_marker(
    smtp, workers, open_case, caseworker_getlost, make_member, kind
):
    sink, port = smtp
    people = [caseworker_getlost] + [make_member("get-lost") for _ in range(3)]
    references = []
    for n, code in enumerate(("KZ", "AM", "GE", "TR", "RS", "FR")):
        case = open_case(
            by=caseworker_getlost,
            pseudonym=f"{MARKER}p{n}",
            legal_name=f"{MARKER} Иванов {n}",
            country=Country.objects.get(pk=code),
        )
        services.deadline_create(
            case=case,
            by=caseworker_getlost,
            kind=kind,
            due_date=timezone.now().date() + timedelta(days=(0, 1, 3)[n % 3]),
            note=f"{MARKER} note",
        )
        casework_services.case_assign(
            case=case, by=caseworker_getlost, caseworkers=people[: 1 + n % 4]
        )
        references.append(case.reference)
    workers("w", port)
    services.reminders_scan()
    assert sink.wait_for(len(people), timeout=60)
    _settle(sink)
    parsed = sink.parsed()
    assert len(parsed) == len(people)
    subjects = {m["Subject"] for m in parsed}
    bodies = {m.get_payload(decode=True) for m in parsed}
    assert subjects == {services.DIGEST_SUBJECT}
    # One body for everyone, byte for byte (SMTP puts CRLF line ends on the wire).
    assert bodies == {services.DIGEST_BODY.replace("\n", "\r\n").encode()}
    planted = [MARKER, "Иванов", "Kazakhstan", "Armenia", *references]
    for raw in sink.messages:
        text = raw.decode("utf-8", "replace")
        for value in planted:
            assert value not in text
    assert Deadline.objects.count() == 6
