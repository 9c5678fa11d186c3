"""`make loadtest`: caseworkers (deploy/loadtest/locustfile.py) against the production stack
of `make deploy-test` (deploy/test/stack.py) holding 100,000 cases.

Starts the stack (two gunicorn nodes behind nginx, worker, beat, PostgreSQL, Redis), signs in
an admin and a caseworker, creates a few cases through the web (the case pages, notes and
uploads go to these) and bulk-fills the organisation to LOADTEST_CASES cases
(tests/benchmarks/fill.py: shells assigned to the caseworker, as the list pages read them).
Then headless locust at each of LOADTEST_USERS (10,50) users for LOADTEST_DURATION (60s)
each; prints requests/s and p50/p95 per page and the machine's load. A benchmark, not a test:
not part of `make test`. Every process is stopped by pid at the end.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "test"))

import phases  # noqa: E402
from deploy_test import prepare, start_services  # noqa: E402
from stack import ROOT, Stack, say  # noqa: E402
from web import Client, forms  # noqa: E402

FILL = """
import random
from accounts.models import User
from casework.models import Case, CaseCounter
from tests.benchmarks.fill import bulk_cases
user = User.objects.get(email={email!r})
case = Case.objects.filter(assigned_caseworkers=user).first()
org = case.organisation
prefix = case.reference.split("-")[0]
start = CaseCounter.objects.get(organisation=org, year=2026).last + 1
rng = random.Random(7)
for first in range(start, start + {count}, 10_000):
    numbers = range(first, min(first + 10_000, start + {count}))
    bulk_cases(organisation=org, prefix=prefix, numbers=numbers, assignee=user, rng=rng)
CaseCounter.objects.filter(organisation=org, year=2026).update(last=start + {count})
print(Case.objects.filter(organisation=org).count())
"""


def session_file(stack: Stack, client: Client, cases: list[str]) -> Path:
    page = client.get(cases[0] + "documents/new/")
    upload = next(form for form in forms(page.text) if form.files)
    fields = {k: v for k, v in upload.fields.items() if k != "csrfmiddlewaretoken"}
    path = stack.work / "session.json"
    cookies = {cookie.name: cookie.value for cookie in client.http.cookies}
    document = {
        "base": stack.base, "cert": str(stack.cert), "cookies": cookies, "cases": cases,
        "upload_fields": fields,
    }  # fmt: skip
    path.write_text(json.dumps(document), encoding="utf-8")
    path.chmod(0o600)
    return path


def populate(stack: Stack) -> Path:
    admin = phases.Person(f"admin-{stack.suffix}@example.org")
    caseworker = phases.Person(f"caseworker-{stack.suffix}@example.org")
    admin_client = Client(stack.base, str(stack.cert))
    phases.first_start(stack, admin, admin_client)
    client = Client(stack.base, str(stack.cert))
    phases.invite(stack, admin_client, caseworker, client)
    cases = [phases.create_case(client) for _ in range(20)]
    count = int(os.environ.get("LOADTEST_CASES", "100000"))
    say(f"bulk fill: {count} cases")
    started = time.monotonic()
    fill = FILL.format(email=caseworker.email, count=count)
    total = stack.run_manage("shell", "--no-imports", "-c", fill).stdout.strip()
    say(f"the organisation holds {total} cases ({time.monotonic() - started:.0f} s to fill)")
    return session_file(stack, client, cases)


def locust(stack: Stack, session: Path, users: int, duration: str) -> list[dict[str, str]]:
    prefix = stack.work / f"locust-{users}"
    env = {**os.environ, "LOADTEST_SESSION": str(session)}
    argv = [
        str(Path(sys.executable).with_name("locust")), "-f", str(HERE / "locustfile.py"),
        "--headless", "--users", str(users), "--spawn-rate", str(max(users // 5, 1)),
        "--run-time", duration, "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING",
    ]  # fmt: skip
    stack.start(f"locust-{users}", argv, env)
    stack.procs[f"locust-{users}"].wait()
    with open(f"{prefix}_stats.csv", encoding="utf-8", newline="") as stats:
        return list(csv.DictReader(stats))


def report(users: int, rows: list[dict[str, str]], load: tuple[float, float, float]) -> None:
    print(f"\n{users} users (load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f})")
    print(f"  {'page':<28} {'requests':>8} {'fails':>6} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7}")
    for row in rows:
        print(
            f"  {row['Name']:<28} {row['Request Count']:>8} {row['Failure Count']:>6} "
            f"{float(row['Requests/s']):>7.2f} {row['50%']:>7} {row['95%']:>7}"
        )


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="waypoint-loadtest-"))
    stack = Stack(
        work,
        db_prefix=os.environ.get("LOADTEST_DB_PREFIX", "wp_loadtest"),
        redis_url=os.environ.get("LOADTEST_REDIS_URL", "redis://127.0.0.1:6379/13"),
    )
    duration = os.environ.get("LOADTEST_DURATION", "60s")
    levels = [int(n) for n in os.environ.get("LOADTEST_USERS", "10,50").split(",")]
    print(f"machine: {os.cpu_count()} cores, {ROOT.name}; {duration} per level")
    try:
        prepare(stack)
        start_services(stack)
        session = populate(stack)
        for users in levels:
            rows = locust(stack, session, users, duration)
            report(users, rows, os.getloadavg())
    finally:
        stack.stop_all()
        stack.drop_database()
        stack.flush_redis()
        if os.environ.get("LOADTEST_KEEP"):
            say(f"logs kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
