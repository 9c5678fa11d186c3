"""Audit log benchmark (not collected by pytest: the file name does not start with test_).

Reports
  1. appends per second by ``audit.services.record`` with 4 concurrent writer threads on
     PostgreSQL (target: at least 1,000/s on a 2-core machine): on an empty log (the old,
     flattering figure), then on the loaded log of --events events, alone and with --readers
     threads requesting case pages beside the writers (their page rate is printed too: each
     case page appends its own case.viewed event), and
  2. the time ``manage.py audit_verify`` takes over the loaded log (target: under 30 s for
     1,000,000 events), run as its own process, with its peak memory.

Run (full size; the default is small, for the shared machine):
    .venv/bin/python -m tests.benchmarks.bench_audit --events 1000000 --writers 4

It uses its own database, DATABASE_URL (default postgres://postgres@127.0.0.1:5432/wp_bench),
which it DROPS and re-creates: the database name must start with "wp_bench".
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/wp_bench"
ROOT = Path(__file__).resolve().parents[2]


def recreate_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name.startswith("wp_bench"):
        sys.exit(f"refusing to drop {name!r}: the benchmark database must be named wp_bench*")
    admin_url = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


class PageLoad:
    """``readers`` threads, each signed in as a caseworker, requesting the case list and a case
    page over and over until stopped; ``done`` counts the pages served."""

    def __init__(self, readers: int) -> None:
        self.readers = readers
        self.done = 0
        self.stop = threading.Event()
        self.threads: list[threading.Thread] = []

    def _read(self, user, reference: str) -> None:
        from django.db import connection
        from django.test import Client

        from tests.conftest import sign_in

        client = Client()
        sign_in(client, user)
        try:
            while not self.stop.is_set():
                for path in ("/cases/", f"/cases/{reference}/"):
                    assert client.get(path).status_code == 200, path
                    self.done += 1
        finally:
            connection.close()

    def __enter__(self) -> PageLoad:
        from tests.benchmarks.bench_casework import make_case

        case, user = make_case()
        for _ in range(self.readers):
            thread = threading.Thread(target=self._read, args=(user, case.reference))
            thread.start()
            self.threads.append(thread)
        self.began = time.perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join()
        self.rate = self.done / (time.perf_counter() - self.began)


def bench_appends(*, writers: int, per_writer: int) -> float:
    from django.db import connection

    from audit.services import record

    start = threading.Barrier(writers + 1)
    errors: list[BaseException] = []
    actors = [uuid.uuid4() for _ in range(writers)]

    def write(actor: uuid.UUID) -> None:
        try:
            record("bench.warmup", actor=actor)  # open the thread's connection first
            start.wait()
            for index in range(per_writer):
                record("case.section.viewed", actor=actor, section="identity", count=index)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(actor,)) for actor in actors]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    if errors:
        raise errors[0]
    return writers * per_writer / elapsed


ACTIONS = [
    ("case.section.viewed", {"section": "identity"}),
    ("case.section.viewed", {"section": "legal"}),
    ("case.updated", {"sections": ["notes", "legal"]}),
    ("auth.login.succeeded", {"method": "totp"}),
    ("dossier.exported", {"export_id": "e-1"}),
    ("org.member.role_changed", {"old_role": "caseworker", "new_role": "lawyer"}),
]


def bulk_load(total: int) -> tuple[int, float]:
    """Appends chained events until the log holds ``total``, with COPY. Returns (added, s)."""
    from django.db import connection

    from audit.models import AuditEvent
    from audit.services import GENESIS, canonical, chain_hash

    head = AuditEvent.objects.order_by("-seq").values_list("seq", "hash", "at").first()
    seq, prev, at = head if head else (0, GENESIS, datetime.now(UTC))
    to_add = total - seq
    if to_add <= 0:
        return 0, 0.0
    rng = random.Random(7)
    actors = [str(uuid.uuid4()) for _ in range(200)]
    orgs = [str(uuid.uuid4()) for _ in range(5)]
    objects = [str(uuid.uuid4()) for _ in range(5000)]
    began = time.perf_counter()
    columns = (
        "seq, at, actor_id, organisation_id, action, object_type, object_id, request_id, "
        "data, prev_hash, hash"
    )
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg cursor, for COPY
        with raw.copy(f"COPY audit_auditevent ({columns}) FROM STDIN") as copy:
            for _ in range(to_add):
                seq += 1
                at = at + timedelta(microseconds=rng.randint(1, 2_000_000))
                action, data = ACTIONS[rng.randrange(len(ACTIONS))]
                actor, org = rng.choice(actors), rng.choice(orgs)
                object_type, object_id = "casework.case", rng.choice(objects)
                request_id = uuid.uuid4().hex
                digest = chain_hash(
                    prev,
                    canonical(
                        seq=seq,
                        at=at,
                        actor_id=actor,
                        organisation_id=org,
                        action=action,
                        object_type=object_type,
                        object_id=object_id,
                        request_id=request_id,
                        data=data,
                    ),
                )
                copy.write_row(
                    (
                        seq,
                        at,
                        actor,
                        org,
                        action,
                        object_type,
                        object_id,
                        request_id,
                        json.dumps(data),
                        prev,
                        digest,
                    )
                )
                prev = digest
        cursor.execute("ANALYZE audit_auditevent")
    return to_add, time.perf_counter() - began


def run_verify() -> tuple[float, str, int]:
    """``manage.py audit_verify`` as its own process: (seconds, output, peak RSS in MiB)."""
    began = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "audit_verify"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=os.environ.copy(),
        check=False,
    )
    elapsed = time.perf_counter() - began
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
    output = (proc.stdout + proc.stderr).strip()
    if proc.returncode != 0:
        sys.exit(f"audit_verify failed ({proc.returncode}): {output}")
    return elapsed, output, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--readers", type=int, default=2, help="page request threads")
    parser.add_argument("--appends", type=int, default=500, help="appends per writer")
    args = parser.parse_args()

    os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if not os.environ["DATABASE_URL"].startswith("postgres"):
        sys.exit("the benchmark runs on PostgreSQL: set DATABASE_URL=postgres://…/wp_bench")
    recreate_database(os.environ["DATABASE_URL"])

    import django

    django.setup()
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    setup_test_environment()  # the page threads use the test client
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    from django.db import connection

    with connection.cursor() as cursor:
        # Creating and migrating the database leaves dirty pages behind: flush them now so
        # that a checkpoint does not land in the middle of the measurement.
        cursor.execute("CHECKPOINT")

    empty = bench_appends(writers=args.writers, per_writer=args.appends)
    print(f"appends on an empty log: {empty:,.0f}/s with {args.writers} writers (old figure)")

    added, load_s = bulk_load(args.events)
    print(f"loaded {added:,} chained events with COPY in {load_s:.1f} s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute("CHECKPOINT")
    rate = bench_appends(writers=args.writers, per_writer=args.appends)
    print(f"appends on a {added:,}-event log: {rate:,.0f}/s with {args.writers} writers")
    with PageLoad(args.readers) as pages:
        loaded = bench_appends(writers=args.writers, per_writer=args.appends)
    print(
        f"appends on a {added:,}-event log beside {args.readers} page readers: {loaded:,.0f}/s "
        f"with {args.writers} writers (target >= 1,000/s); pages served {pages.rate:,.1f}/s"
    )

    elapsed, output, peak = run_verify()
    print(f"audit_verify: {elapsed:.1f} s over {args.events:,} events, peak RSS {peak} MiB")
    print(f"  {output}")
    verdict = "OK" if loaded >= 1000 and elapsed < 30 else "BELOW TARGET"
    print(f"result: {verdict}")


if __name__ == "__main__":
    main()
