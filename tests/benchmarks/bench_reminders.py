"""Reminder benchmark (not collected by pytest: the file name does not start with test_).

Reports
  1. the time of one reminder scan (``deadlines.services.reminders_scan``) over 100,000
     deadlines on 10,000 cases (target: under 2 s), each deadline's day sealed in one of the
     three sections due dates go in (the scan narrows by month in clear, then unwraps the
     keys and opens the days), and
  2. end-to-end delivery throughput of digest e-mails through Redis to an SMTP sink
     (aiosmtpd) with 2 Celery worker processes (target: at least 200 e-mails/s).

Run:
    REDIS_URL=redis://127.0.0.1:6379/7 .venv/bin/python -m tests.benchmarks.bench_reminders \\
        [--deadlines 100000] [--cases 10000] [--emails 2000] [--concurrency 4]

It uses its own database, DATABASE_URL (default postgres://postgres@127.0.0.1:5432/
wp_bench_jobs), which it DROPS and re-creates: the name must start with "wp_bench". Without
REDIS_URL only the scan is measured.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/wp_bench_jobs"
ROOT = Path(__file__).resolve().parents[2]


def setup(url: str) -> None:
    from tests.benchmarks.bench_audit import recreate_database

    recreate_database(url)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def build(*, cases: int, deadlines: int, users: int, today: date) -> None:
    from accounts.models import Membership, Organisation, Role, User
    from casework.envelope import key_scope, load_keys
    from casework.models import Case, IntakeChannel, LegalCategory, ServiceCategory
    from deadlines.dates import seal_due
    from deadlines.models import DUE_FIELDS, Deadline, DeadlineKind

    rng = random.Random(7)  # noqa: S311 - benchmark data
    org = Organisation.objects.create(name="Bench", slug="bench")
    people = User.objects.bulk_create(
        [User(email=f"bench{i}@example.org", password="!") for i in range(users)]
    )
    Membership.objects.bulk_create(
        [Membership(user=u, organisation=org, role=Role.CASEWORKER) for u in people]
    )
    # Case shells with the data keys of the sections due dates are sealed in.
    rows = [
        Case(
            organisation=org,
            reference=f"BN-2026-{n:06d}",
            year=2026,
            number=n,
            intake_channel=IntakeChannel.HOTLINE,
            legal_category=LegalCategory.DESERTER,
            service_category=ServiceCategory.MOBILISED,
        )
        for n in range(cases)
    ]
    Case.objects.bulk_create(rows, batch_size=2000)
    through = Case.assigned_caseworkers.through
    through.objects.bulk_create(
        [through(case_id=c.pk, user_id=people[i % users].pk) for i, c in enumerate(rows)],
        batch_size=5000,
    )
    add_case_keys([c.pk for c in rows])
    kinds = list(DeadlineKind.objects.all())
    sections = list(DUE_FIELDS)
    rows_due = []
    with key_scope():
        load_keys((c.pk, section) for c in rows for section in sections)
        for i in range(deadlines):
            deadline = Deadline(
                case_id=rows[i % cases].pk,
                kind=kinds[i % len(kinds)],
                created_on=today - timedelta(days=60),
            )
            due = today + timedelta(days=rng.randrange(-30, 335))
            seal_due(deadline, due=due, section=sections[i % len(sections)])
            rows_due.append(deadline)
    Deadline.objects.bulk_create(rows_due, batch_size=5000)


def add_case_keys(case_ids: list) -> None:
    """The wrapped data keys of the sections due dates go into (create_case_keys writes one
    case at a time: too slow for 10,000)."""
    import vault
    from casework.envelope.store import wrap_aad
    from casework.models import CaseKey
    from deadlines.models import DUE_FIELDS

    keys = []
    for case_id in case_ids:
        for section in DUE_FIELDS:
            wrapped = vault.seal(vault.new_data_key(), aad=wrap_aad(case_id, section))
            keys.append(
                CaseKey(
                    case_id=case_id,
                    section=section,
                    wrapped_key=wrapped,
                    kek_id=vault.key_id_of(wrapped),
                )
            )
    CaseKey.objects.bulk_create(keys, batch_size=5000)


def bench_scan(now: datetime) -> tuple[float, object]:
    from deadlines.services import reminders_scan

    start = time.perf_counter()
    result = reminders_scan(now=now)
    return time.perf_counter() - start, result


def bench_delivery(*, emails: int, concurrency: int) -> float:
    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    from accounts.models import User
    from config.celery import app
    from deadlines.models import OutboundEmail
    from deadlines.services import EMAIL_BATCH
    from deadlines.tasks import send_digest_emails_task
    from tests.deadlines.processes import Sink, SmtpServer, free_port

    app.control.purge()
    OutboundEmail.objects.all().delete()
    users = User.objects.bulk_create(
        [User(email=f"mail{i}@example.org", password="!") for i in range(emails)]
    )
    rows = OutboundEmail.objects.bulk_create(
        [OutboundEmail(user=u, queued_at=timezone.now()) for u in users]
    )
    sink, port = Sink(), free_port()
    server = SmtpServer(sink, port)
    server.start()
    env = dict(os.environ)
    db = connection.settings_dict
    env.update(
        {
            "DATABASE_URL": os.environ["DATABASE_URL"],
            "EMAIL_URL": f"smtp://127.0.0.1:{port}",
            "SECRET_KEY": settings.SECRET_KEY,
            "WAYPOINT_KEYRING": settings.WAYPOINT_KEYRING,
        }
    )
    assert db["NAME"].startswith("wp_bench")
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                f"--concurrency={concurrency}",
                "--loglevel=ERROR",
                "--without-mingle",
                "--without-gossip",
                "-n",
                f"bench{n}-{os.getpid()}@localhost",
            ],
            cwd=ROOT,
            env=env,
        )
        for n in range(2)
    ]
    try:
        time.sleep(5)  # both workers connected and idle
        start = time.perf_counter()
        ids = [row.pk for row in rows]
        for first in range(0, len(ids), EMAIL_BATCH):
            send_digest_emails_task.delay(ids[first : first + EMAIL_BATCH])
        if not sink.wait_for(emails, timeout=600):
            raise SystemExit(f"only {len(sink.messages)} of {emails} e-mails arrived")
        elapsed = time.perf_counter() - start
    finally:
        for worker in workers:
            os.kill(worker.pid, signal.SIGTERM)
        for worker in workers:
            worker.wait(30)
        server.stop()
    sent = OutboundEmail.objects.filter(sent_at__isnull=False).count()
    if sent != emails or len(sink.messages) != emails:
        raise SystemExit(f"sent {sent}, received {len(sink.messages)}, expected {emails}")
    return emails / elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--deadlines", type=int, default=100_000)
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--emails", type=int, default=2_000)
    parser.add_argument("--concurrency", type=int, default=4)
    # The scan opens every deadline of the months its windows reach: two months from the
    # 18th or so on (the 14-day windows), one before. --today 2026-12-27 measures the worst.
    parser.add_argument("--today", type=date.fromisoformat, default=None)
    args = parser.parse_args()
    os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    import logging

    logging.getLogger("mail.log").setLevel(logging.WARNING)  # one line per SMTP session
    setup(os.environ["DATABASE_URL"])
    started = time.perf_counter()
    now = datetime.now(UTC)
    if args.today is not None:
        now = datetime.combine(args.today, now.timetz())
    build(cases=args.cases, deadlines=args.deadlines, users=args.users, today=now.date())
    print(
        f"built {args.deadlines} deadlines on {args.cases} cases in "
        f"{time.perf_counter() - started:.1f} s"
    )
    seconds, result = bench_scan(now)
    verdict = "OK" if seconds < 2 else "SLOWER THAN TARGET"
    print(
        f"reminder scan: {seconds:.2f} s ({result.claimed} reminders claimed, "
        f"{result.notifications} notifications, {result.emails} e-mails queued) "
        f"- target < 2 s: {verdict}"
    )
    if not os.environ.get("REDIS_URL"):
        print("delivery throughput: skipped (set REDIS_URL)")
        return
    rate = bench_delivery(emails=args.emails, concurrency=args.concurrency)
    verdict = "OK" if rate >= 200 else "BELOW TARGET"
    print(
        f"delivery: {rate:.0f} e-mails/s with 2 Celery workers x concurrency {args.concurrency} "
        f"= {2 * args.concurrency} sending processes (+2 worker parents, the SMTP sink and "
        f"this process) on {os.cpu_count()} cores - target >= 200/s: {verdict}"
    )


if __name__ == "__main__":
    main()
