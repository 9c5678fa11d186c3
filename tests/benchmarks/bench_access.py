"""Partner access benchmark (not collected by pytest: the file name does not start with test_).

Data: 100,000 cases across 50 organisations, each organisation's group holding view_case on
its cases (the way guardian's own docs would model "members see the org's cases", 100,000
group rows), and 200,000 per-section user grants (CaseUserPermission) of 500 lawyers.

Reports, for a caseworker of one organisation:
  1. the case list page (/cases/, several filters and pages): server time per page (median,
     p90) and the number of queries (target: constant; median under 50 ms);
  2. the selector behind it (count + one page of 25) against guardian's default
     ``get_objects_for_user(user, "casework.view_case", klass=Case)`` (superuser and global
     permissions accepted, groups used) on the same data, count + the same page: median time
     of each and the ratio (target: at least 5x faster).

Run:
    .venv/bin/python -m tests.benchmarks.bench_access [--cases 100000] [--grants 200000]

It uses its own database, DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/wp_bench_access), which it DROPS and re-creates: the
database name must start with "wp_bench".
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/wp_bench_access"
ROOT = Path(__file__).resolve().parents[2]
ORGS = 50
LAWYERS_PER_ORG = 10
BATCH = 5000


def setup(url: str) -> None:
    from tests.benchmarks.bench_casework import setup as casework_setup

    casework_setup(url)


def fill(cases: int, grants: int):
    """Bulk rows: organisations with groups, a caseworker each, lawyers, case shells with
    pseudonyms and countries, group rows and per-section user grants. Returns the caseworker
    of the first organisation."""
    import random

    from django.contrib.auth.models import Group, Permission

    from accounts.models import Membership, Organisation, Role, User
    from casework.models import CaseGroupPermission, CaseUserPermission
    from casework.sections import SECTIONS
    from tests.benchmarks.fill import bulk_cases
    from tests.factories import totp_device

    rng = random.Random(11)  # noqa: S311 - benchmark data
    view = Permission.objects.get(content_type__app_label="casework", codename="view_case")
    opens = list(
        Permission.objects.filter(
            content_type__app_label="casework", codename__in=[f"open_{s}" for s in SECTIONS]
        )
    )
    orgs, groups, caseworkers, lawyers = [], [], [], []
    for index in range(ORGS):
        org = Organisation.objects.create(name=f"Org {index}", slug=f"org-{index}")
        group = Group.objects.create(name=f"org-{index}")
        worker = User.objects.create(email=f"cw{index}@example.org", password="!")
        Membership.objects.create(user=worker, organisation=org, role=Role.CASEWORKER)
        worker.groups.add(group)
        for n in range(LAWYERS_PER_ORG):
            # No password hashing: 500 Argon2 hashes would dominate the load time.
            lawyer = User.objects.create(email=f"lawyer{index}.{n}@example.org", password="!")
            Membership.objects.create(user=lawyer, organisation=org, role=Role.LAWYER)
            lawyers.append((lawyer, org))
        orgs.append(org)
        groups.append(group)
        caseworkers.append(worker)
    totp_device(caseworkers[0])
    per_org = cases // ORGS
    case_ids: dict[int, list] = {}
    for index, org in enumerate(orgs):
        prefix = f"O{index}"
        ids = []
        for start in range(1, per_org + 1, BATCH):
            rows = bulk_cases(
                organisation=org,
                prefix=prefix,
                numbers=range(start, min(start + BATCH, per_org + 1)),
                assignee=caseworkers[index],
                rng=rng,
            )
            CaseGroupPermission.objects.bulk_create(
                [
                    CaseGroupPermission(content_object=c, group=groups[index], permission=view)
                    for c in rows
                ]  # fmt: skip
            )
            ids.extend(c.pk for c in rows)
        case_ids[index] = ids
    # 200,000 per-section grants: each lawyer gets sections on cases of their organisation.
    per_lawyer = grants // len(lawyers)
    pending = []
    for lawyer, org in lawyers:
        index = orgs.index(org)
        chosen = rng.sample(case_ids[index], -(-per_lawyer // len(opens)))  # at least `grants`
        for case_id in chosen:
            for perm in opens:
                pending.append(
                    CaseUserPermission(content_object_id=case_id, user=lawyer, permission=perm)
                )
        if len(pending) >= BATCH:
            CaseUserPermission.objects.bulk_create(pending)
            pending = []
    CaseUserPermission.objects.bulk_create(pending)
    return caseworkers[0], orgs[0]


def _median_ms(timings: list[float]) -> float:
    return statistics.median(timings) * 1000


def bench(cases: int, grants: int, requests: int, rounds: int) -> dict[str, object]:
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from guardian.shortcuts import get_objects_for_user

    from casework import selectors
    from casework.models import Case, CaseUserPermission
    from tests.conftest import sign_in

    began = time.perf_counter()
    user, org = fill(cases, grants)
    load_s = time.perf_counter() - began
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # as autovacuum would after a bulk load
    client = Client()
    sign_in(client, user)
    pages = ["/cases/", "/cases/?page=2", "/cases/?page=40", "/cases/?status=crisis",
             "/cases/?mine=on&page=20", "/cases/?country=KZ&risk=high"]  # fmt: skip
    timings, queries = [], {}
    for index in range(requests):
        url = pages[index % len(pages)]
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = client.get(url)
            timings.append(time.perf_counter() - start)
        assert response.status_code == 200, url
        queries.setdefault(url, set()).add(len(captured.captured_queries))

    def ours():
        listing = selectors.case_listing(user=user, organisation=org)
        return listing.count(), listing[25:50]

    def guardian_default():
        # The same rows, decorated the same way: only the permission filter differs.
        qs = selectors.list_rows(get_objects_for_user(user, "casework.view_case", klass=Case))
        return qs.count(), list(qs[25:50])

    assert ours()[0] == guardian_default()[0], "both paths must see the same cases"
    mine, theirs = [], []
    for _ in range(rounds):
        reset_queries()
        start = time.perf_counter()
        ours()
        mine.append(time.perf_counter() - start)
        start = time.perf_counter()
        guardian_default()
        theirs.append(time.perf_counter() - start)
    return {
        "cases": Case.objects.count(),
        "grants": CaseUserPermission.objects.count(),
        "load_seconds": round(load_s, 1),
        "page": {
            "requests": requests,
            "median_ms": _median_ms(timings),
            "p90_ms": sorted(timings)[int(len(timings) * 0.9)] * 1000,
            "queries_per_page": {url: sorted(n) for url, n in queries.items()},
        },
        "selector_ms": _median_ms(mine),
        "guardian_default_ms": _median_ms(theirs),
        "ratio": statistics.median(theirs) / statistics.median(mine),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--grants", type=int, default=200_000)
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    if not url.rsplit("/", 1)[-1].startswith("wp_bench"):
        sys.exit("DATABASE_URL must name a database starting with wp_bench (it is dropped)")
    setup(url)
    report = bench(args.cases, args.grants, args.requests, args.rounds)
    print(json.dumps(report, indent=2))
    page = report["page"]
    print(
        f"case list, {report['cases']} cases, {report['grants']} grants: median "
        f"{page['median_ms']:.1f} ms per page (target < 50 ms), queries per page "
        f"{page['queries_per_page']} (target: one value); selector {report['selector_ms']:.1f} "
        f"ms vs guardian default {report['guardian_default_ms']:.1f} ms: "
        f"{report['ratio']:.1f}x (target >= 5x)"
    )


if __name__ == "__main__":
    main()
