"""The pages users open, through the real stack (not collected by pytest).

For each size (cases per caseworker; the demo has 40 per organisation) an organisation with
one caseworker holding that many demo cases (casework.demo.seed_cases: sealed content,
documents, exposures) and their demo deadlines, and an org admin. Then gunicorn (2 sync
workers, DEBUG off) serves the bench database, and for each page: the median and p90 time of
sequential requests over HTTP, the response size, and the queries of one request (counted
in-process with the test client on the same data: gunicorn runs them out of sight).

Pages: the dashboard, the case list, a case page, /deadlines/ (the caseworker) and the
statistics page (the org admin).

Run (full size: about 4 minutes of loading on a quiet 2-core machine):
    .venv/bin/python -m tests.benchmarks.bench_pages --sizes 40,300,2000 --requests 30

It uses its own database, DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/wp_bench_pages), which it DROPS and re-creates: the
database name must start with "wp_bench".
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/wp_bench_pages"
ROOT = Path(__file__).resolve().parents[2]
WORKERS = 2


def setup(url: str) -> None:
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("SECRET_KEY", "bench-pages-" + "x" * 40)  # shared with gunicorn
    from tests.benchmarks.bench_casework import setup as casework_setup

    casework_setup(url)


def fill(size: int):
    """An organisation whose caseworker holds ``size`` demo cases; returns (caseworker, admin,
    a case reference)."""
    from accounts.models import Membership, Organisation, Role, User
    from casework.demo import seed_cases
    from deadlines.demo import seed_deadlines
    from tests.factories import totp_device

    org = Organisation.objects.create(name=f"Size {size}", slug=f"size-{size}")
    worker = User.objects.create(email=f"cw{size}@example.org", password="!")
    admin = User.objects.create(email=f"admin{size}@example.org", password="!")
    Membership.objects.create(user=worker, organisation=org, role=Role.CASEWORKER)
    Membership.objects.create(user=admin, organisation=org, role=Role.ORG_ADMIN)
    for user in (worker, admin):
        totp_device(user)
    cases = []
    for start in range(0, size, 100):
        cases += seed_cases(
            organisation=org, caseworkers=[worker], count=min(100, size - start), start=start
        )
    seed_deadlines(cases=cases)
    return worker, admin, cases[0].reference


def _cookie(user) -> str:
    from django.conf import settings
    from django.test import Client

    from tests.conftest import sign_in

    client = Client()
    sign_in(client, user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def _queries(user, path: str) -> tuple[int, int]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from tests.conftest import sign_in

    client = Client()
    sign_in(client, user)
    client.get(path)  # warm up
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    return response.status_code, len(captured.captured_queries)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(port: int) -> subprocess.Popen:
    process = subprocess.Popen(  # noqa: S603 - our own virtualenv's gunicorn
        [str(Path(sys.executable).parent / "gunicorn"), "config.wsgi", "--workers",
         str(WORKERS), "--bind", f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=ROOT, env=os.environ.copy(),
    )  # fmt: skip
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError("gunicorn did not start")


def _timed(port: int, path: str, cookie: str, requests: int) -> dict[str, float]:
    timings, size, status = [], 0, 0
    for index in range(requests + 1):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        began = time.perf_counter()
        connection.request("GET", path, headers={"Cookie": cookie, "Host": "127.0.0.1"})
        response = connection.getresponse()
        body = response.read()
        if index:  # the first warms the worker up
            timings.append(time.perf_counter() - began)
        size, status = len(body), response.status
        connection.close()
    return {
        "status": status,
        "median_ms": round(statistics.median(timings) * 1000, 1),
        "p90_ms": round(sorted(timings)[int(len(timings) * 0.9)] * 1000, 1),
        "kb": round(size / 1024, 1),
    }


def bench(sizes: list[int], requests: int) -> dict:
    levels = []
    for size in sizes:
        began = time.perf_counter()
        worker, admin, reference = fill(size)
        levels.append((size, worker, admin, reference, time.perf_counter() - began))
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    port = _free_port()
    server = start_gunicorn(port)
    report = {}
    try:
        for size, worker, admin, reference, load_s in levels:
            pages = {
                "dashboard": (worker, "/"),
                "case list": (worker, "/cases/"),
                "case page": (worker, f"/cases/{reference}/"),
                "deadlines": (worker, "/deadlines/"),
                "statistics": (admin, "/stats/"),
            }
            row: dict[str, object] = {"load_seconds": round(load_s, 1)}
            for name, (user, path) in pages.items():
                figures = _timed(port, path, _cookie(user), requests)
                figures["queries"] = _queries(user, path)[1]
                row[name] = figures
            report[f"{size} cases per caseworker"] = row
    finally:
        server.terminate()
        server.wait(timeout=30)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="40,300", help="cases per caseworker, comma-separated")
    parser.add_argument("--requests", type=int, default=10)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    if not url.rsplit("/", 1)[-1].startswith("wp_bench"):
        sys.exit("DATABASE_URL must name a database starting with wp_bench (it is dropped)")
    setup(url)
    sizes = [int(size) for size in args.sizes.split(",")]
    before = os.getloadavg()
    report = bench(sizes, args.requests)
    print(json.dumps(report, indent=2))
    print(f"gunicorn: {WORKERS} sync workers, DEBUG off, sequential requests")
    print(f"load average (1, 5, 15 min): before {before}, after {os.getloadavg()}")
    for level, row in report.items():
        pages = ", ".join(
            f"{name} {f['median_ms']} ms/{f['queries']} q ({f['status']})"
            for name, f in row.items()
            if isinstance(f, dict)
        )
        print(f"{level}: {pages}")
        # The target: the dashboard costs at most 2x the case list (at 2,000 cases each).
        dashboard, cases = row["dashboard"], row["case list"]
        assert isinstance(dashboard, dict) and isinstance(cases, dict)
        ratio = dashboard["median_ms"] / cases["median_ms"]
        print(f"{level}: dashboard / case list = {ratio:.2f}x (target <= 2x)")


if __name__ == "__main__":
    main()
