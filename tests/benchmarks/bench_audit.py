"""Audit log benchmark (not collected by pytest: the file name does not start with test_).

Reports
  1. appends per second by ``audit.services.record`` with 4 concurrent writer threads on
     PostgreSQL (target: at least 1,000/s on a 2-core machine): on an empty log (the old,
     flattering figure), then on the loaded log of --events events, alone and with --readers
     processes requesting the case list and a case page beside the writers (their page rate
     is printed too: each case page appends its own case.viewed event). Every figure is a
     pair measured in the same run: the previous append path ("before": the chain lock held
     while each event's commit waits for the disk) and the current one ("now": the wait for
     the disk after the lock is released, where concurrent appends share one flush);
  2. the time ``manage.py audit_verify`` takes over the loaded log (target: under 30 s for
     1,000,000 events), run as its own process, with its peak memory.

The page readers are processes, as gunicorn's sync workers are: as threads of the writers'
process they would mostly measure the writers waiting for Python's interpreter lock.

Run (full size; the default is small, for the shared machine):
    .venv/bin/python -m tests.benchmarks.bench_audit --events 1000000 --writers 4

It uses its own database, DATABASE_URL (default postgres://postgres@127.0.0.1:5432/wp_bench),
which it DROPS and re-creates: the database name must start with "wp_bench".
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
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


def legacy_append(pending, *, encode=None):
    """The append path before this change, for the "before" figures: the SQL function in the
    connection's autocommit, so the chain lock is held while the commit waits for the disk."""
    from django.db import connection

    from audit.models import AuditEvent
    from audit.services import CANONICAL_ENCODER

    events = []
    for fields, tail in pending:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT event_id, event_seq, event_prev_hash, event_hash FROM "
                "audit_event_append(%s, %s, %s, %s, %s, %s, %s, %s::jsonb, %s)",
                [
                    fields["at"],
                    fields["actor_id"],
                    fields["organisation_id"],
                    fields["action"],
                    fields["object_type"],
                    fields["object_id"],
                    fields["request_id"],
                    CANONICAL_ENCODER.encode(fields["data"]),
                    tail,
                ],
            )
            event_id, seq, prev_hash, digest = cursor.fetchone()
        events.append(AuditEvent(id=event_id, seq=seq, prev_hash=prev_hash, hash=digest, **fields))
    return events


CURRENT_APPEND = None


def use_path(path: str) -> None:
    """Switch audit.services to the "before" or the "now" append path."""
    global CURRENT_APPEND
    from audit import services

    if CURRENT_APPEND is None:
        CURRENT_APPEND = services.append_postgresql
    services.append_postgresql = legacy_append if path == "before" else CURRENT_APPEND


def _reader(user_pk, reference: str, path: str, stop, done, ready) -> None:
    """One page-reader process: signed in as the caseworker, requests the case list and the
    case page until told to stop."""
    import django

    django.setup()
    from django.test import Client
    from django.test.utils import setup_test_environment

    from accounts.models import User
    from tests.conftest import sign_in

    setup_test_environment()
    use_path(path)
    client = Client()
    sign_in(client, User.objects.get(pk=user_pk))
    ready.release()
    while not stop.is_set():
        for page in ("/cases/", f"/cases/{reference}/"):
            assert client.get(page).status_code == 200, page
            with done.get_lock():
                done.value += 1


class PageLoad:
    """``readers`` processes requesting pages (see _reader) while the block runs; ``rate`` is
    the pages served per second."""

    def __init__(self, readers: int, *, user, reference: str, path: str) -> None:
        self.readers = readers
        self.args = (user.pk, reference, path)
        self.ctx = multiprocessing.get_context("spawn")
        self.stop = self.ctx.Event()
        self.done = self.ctx.Value("l", 0)
        self.ready = self.ctx.Semaphore(0)
        self.processes: list = []

    def __enter__(self) -> PageLoad:
        for _ in range(self.readers):
            process = self.ctx.Process(
                target=_reader, args=(*self.args, self.stop, self.done, self.ready)
            )
            process.start()
            self.processes.append(process)
        for _ in range(self.readers):
            self.ready.acquire()
        self.began = time.perf_counter()
        self.start_count = self.done.value
        return self

    def __exit__(self, *exc) -> None:
        elapsed = time.perf_counter() - self.began
        served = self.done.value - self.start_count
        self.stop.set()
        for process in self.processes:
            process.join()
        failed = [p.exitcode for p in self.processes if p.exitcode]
        if failed:
            sys.exit(f"a page reader failed (exit codes {failed})")
        self.rate = served / elapsed


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
    parser.add_argument("--readers", type=int, default=2, help="page request processes")
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

    setup_test_environment()  # make_case, as the tests make one
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    from django.db import connection

    from audit.models import AuditEvent
    from tests.benchmarks.bench_casework import make_case

    with connection.cursor() as cursor:
        # Creating and migrating the database leaves dirty pages behind: flush them now so
        # that a checkpoint does not land in the middle of the measurement.
        cursor.execute("CHECKPOINT")

    def pair(label: str, **page_load) -> float:
        """Both paths, "before" then "now", twice over; prints every run and returns the
        lower of the two "now" figures."""
        rates: dict[str, list[float]] = {"before": [], "now": []}
        pages: dict[str, list[float]] = {"before": [], "now": []}
        for path in ("before", "now", "before", "now"):
            use_path(path)
            if page_load:
                with PageLoad(args.readers, path=path, **page_load) as load:
                    rate = bench_appends(writers=args.writers, per_writer=args.appends)
                pages[path].append(load.rate)
            else:
                rate = bench_appends(writers=args.writers, per_writer=args.appends)
            rates[path].append(rate)
        use_path("now")

        def runs(values: list[float], unit: str = "/s") -> str:
            return " and ".join(f"{value:,.0f}{unit}" for value in values)

        ratio = sum(rates["now"]) / sum(rates["before"])
        print(f"appends {label}, {args.writers} writers:")
        print(f"  now {runs(rates['now'])}; before {runs(rates['before'])} ({ratio:.2f}x)")
        if page_load:
            print(
                "  pages served: now "
                + " and ".join(f"{value:.1f}/s" for value in pages["now"])
                + "; before "
                + " and ".join(f"{value:.1f}/s" for value in pages["before"])
            )
        sys.stdout.flush()
        return min(rates["now"])

    pair("on an empty log (old figure)")

    added, load_s = bulk_load(args.events)
    size = AuditEvent.objects.count()
    print(f"loaded {added:,} chained events with COPY in {load_s:.1f} s ({size:,} in the log)")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute("CHECKPOINT")
    pair(f"on a {size:,}-event log")
    case, user = make_case()
    loaded = pair(
        f"on a {size:,}-event log beside {args.readers} page reader processes (target >= 1,000/s)",
        user=user,
        reference=case.reference,
    )

    elapsed, output, peak = run_verify()
    events = AuditEvent.objects.count()
    print(f"audit_verify: {elapsed:.1f} s over {events:,} events, peak RSS {peak} MiB")
    print(f"  {output}")
    verdict = "OK" if loaded >= 1000 and elapsed < 30 else "BELOW TARGET"
    print(f"result: {verdict}")


if __name__ == "__main__":
    main()
