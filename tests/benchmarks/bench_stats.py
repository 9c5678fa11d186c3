"""Statistics benchmark (not collected by pytest: the file name does not start with test_).

Reports, with N cases (default 1,000,000) over 8 organisations and 4 years:
  1. the first release (the periodic task's work: every period as of the cut-off, and the
     snapshot): wall time and published tables;
  2. the dashboard page for a coordinator (all organisations) and for an org admin: server
     time per page (median of R requests; target under 1 s on PostgreSQL) and queries.

Run:
    .venv/bin/python -m tests.benchmarks.bench_stats [--cases 100000] [--requests 10]

(full size: --cases 1000000; the default is smaller, for the shared machine.)

It uses its own database (--database, default
postgres://postgres@127.0.0.1:5432/wp_bench_stats), which it DROPS and re-creates: the
database name must start with "wp_bench". Cases are written with INSERT ... SELECT over
generate_series (shells only: statistics read no sealed column, so they stay NULL).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/wp_bench_stats"
ROOT = Path(__file__).resolve().parents[2]


def setup(url: str) -> None:
    from tests.benchmarks.bench_audit import recreate_database

    recreate_database(url)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    setup_test_environment()
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)


def _array(values) -> str:
    return "ARRAY[" + ",".join(f"'{v}'" for v in values) + "]"


def fill(cases: int) -> tuple[object, object]:
    """Eight organisations, a caseworker and an admin in the first, a coordinator; N cases
    spread over 2023-2026 with categories, statuses, countries, exposures, crisis changes
    and assignments. Returns (coordinator, admin)."""
    from django.db import connection

    from accounts.models import Role
    from casework.models import (
        CRISIS_STATUSES,
        Article,
        LegalCategory,
        ProceduralStage,
        ServiceCategory,
        Status,
        WantedLevel,
    )
    from tests.factories import MembershipFactory, OrganisationFactory, UserFactory, totp_device

    orgs = [OrganisationFactory(slug=f"org-{n}", name=f"Org {n}") for n in range(8)]
    caseworker, admin, coordinator = UserFactory(), UserFactory(), UserFactory()
    MembershipFactory(user=caseworker, organisation=orgs[0], role=Role.CASEWORKER)
    MembershipFactory(user=admin, organisation=orgs[0], role=Role.ORG_ADMIN)
    coordination = OrganisationFactory(slug="coordination", name="Coordination")
    MembershipFactory(user=coordinator, organisation=coordination, role=Role.COORDINATOR)
    for user in (caseworker, admin, coordinator):
        totp_device(user)
    org_ids = [str(o.pk) for o in orgs]
    countries = ["KZ", "GE", "AM", "RS", "TR", "DE", "FR", "MN", "KG", "AE", "IL", "ME"]
    crisis = sorted(CRISIS_STATUSES)
    with connection.cursor() as cur:
        cur.execute(
            f"""
            INSERT INTO casework_case (id, organisation_id, reference, year, number,
                intake_channel, legal_category, service_category, status, status_before_crisis,
                suggested_status, stayed_reason, risk_level, opened_month, verified_month)
            SELECT gen_random_uuid(), ({_array(org_ids)})[1 + mod(g, 8)]::uuid,
                   'B-' || (2023 + mod(g, 4)) || '-' || lpad(g::text, 8, '0'), 2023 + mod(g, 4), g,
                   'hotline',
                   ({_array(LegalCategory.values)})[1 + mod(g / 7, {len(LegalCategory.values)})],
                   ({_array(ServiceCategory.values)})
                       [1 + mod(g / 3, {len(ServiceCategory.values)})],
                   ({_array(Status.values)})[1 + mod(g / 11, {len(Status.values)})], '', '', '',
                   'medium',
                   make_date(2023 + mod(g, 4), 1 + mod(g / 5, 12), 1),
                   CASE WHEN mod(g, 5) > 0 THEN make_date(2023 + mod(g, 4), 1 + mod(g / 5, 12), 1)
                   END
            FROM generate_series(1, %s) AS g
            """,
            [cases],
        )
        cur.execute(
            f"""
            INSERT INTO casework_location (id, case_id, country_id, legal_basis, since_month)
            SELECT gen_random_uuid(), c.id,
                   ({_array(countries)})[1 + mod(c.number / 13, {len(countries)})], '',
                   c.opened_month
            FROM casework_case c WHERE mod(c.number, 10) < 7
            """
        )
        cur.execute(
            f"""
            INSERT INTO casework_legalexposure (id, case_id, article, during_mobilisation,
                computed_part, procedural_stage, wanted_level, exit_ban, passport_confiscated,
                recorded_month)
            SELECT gen_random_uuid(), c.id,
                   ({_array(Article.values)})[1 + mod(c.number / 17, {len(Article.values)})],
                   true, '',
                   ({_array(ProceduralStage.values)})
                       [1 + mod(c.number / 19, {len(ProceduralStage.values)})],
                   ({_array(WantedLevel.values)})
                       [1 + mod(c.number / 23, {len(WantedLevel.values)})],
                   false, false, c.opened_month
            FROM casework_case c WHERE mod(c.number, 2) = 0
            """
        )
        # The history the services write: status, categories and country since opening.
        cur.execute(
            """
            INSERT INTO casework_casestatuschange (case_id, from_status, to_status,
                changed_month, event)
            SELECT c.id, '', c.status, c.opened_month, '' FROM casework_case c
            """
        )
        cur.execute(
            """
            INSERT INTO casework_attributechange (case_id, attribute, value, changed_month)
            SELECT c.id, 'legal_category', c.legal_category, c.opened_month
            FROM casework_case c
            UNION ALL
            SELECT c.id, 'service_category', c.service_category, c.opened_month
            FROM casework_case c
            UNION ALL
            SELECT l.case_id, 'country', l.country_id, l.since_month FROM casework_location l
            """
        )
        cur.execute(
            """
            INSERT INTO casework_attributechange (case_id, attribute, item, value, changed_month)
            SELECT e.case_id, 'exposure_article', e.id, e.article, e.recorded_month
            FROM casework_legalexposure e
            UNION ALL
            SELECT e.case_id, 'exposure_stage', e.id, e.procedural_stage, e.recorded_month
            FROM casework_legalexposure e
            UNION ALL
            SELECT e.case_id, 'exposure_wanted', e.id, e.wanted_level, e.recorded_month
            FROM casework_legalexposure e
            """
        )
        cur.execute(
            f"""
            INSERT INTO casework_casestatuschange (case_id, from_status, to_status,
                changed_month, event)
            SELECT c.id, 'in_transit', ({_array(crisis)})[1 + mod(c.number / 29, {len(crisis)})],
                   c.opened_month, ''
            FROM casework_case c WHERE mod(c.number, 33) = 0
            """
        )
        cur.execute(
            """
            INSERT INTO casework_case_assigned_caseworkers (case_id, user_id)
            SELECT c.id, %s FROM casework_case c WHERE mod(c.number, 4) = 0
            """,
            [str(caseworker.pk)],
        )
        cur.execute("ANALYZE")
    return coordinator, admin


def bench_release() -> dict[str, object]:
    from stats.services import release_publish

    start = time.perf_counter()
    release = release_publish()
    tables = release.tables.count() if release else 0
    return {"seconds": round(time.perf_counter() - start, 2), "published_tables": tables}


def bench_page(user, requests: int) -> dict[str, object]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from tests.conftest import sign_in

    client = Client()
    sign_in(client, user)
    client.get("/stats/")  # warm up
    times = []
    for _ in range(requests):
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            response = client.get("/stats/")
            times.append(time.perf_counter() - start)
        assert response.status_code == 200, response.status_code
        assert b"stats-table" in response.content
    return {
        "median_ms": round(statistics.median(times) * 1000, 1),
        "max_ms": round(max(times) * 1000, 1),
        "queries": len(queries),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=10)
    parser.add_argument("--database", default=DEFAULT_URL, help="dropped and re-created")
    args = parser.parse_args()
    setup(args.database)
    start = time.perf_counter()
    coordinator, admin = fill(args.cases)
    filled = round(time.perf_counter() - start, 1)
    report = {
        "cases": args.cases,
        "fill_seconds": filled,
        "release": bench_release(),
        "dashboard_coordinator": bench_page(coordinator, args.requests),
        "dashboard_org_admin": bench_page(admin, args.requests),
    }
    print(json.dumps(report, indent=2))
    ok = all(
        report[k]["median_ms"] < 1000 for k in ("dashboard_coordinator", "dashboard_org_admin")
    )
    print("target (< 1 s per page):", "met" if ok else "MISSED")


if __name__ == "__main__":
    main()
