"""Partner access benchmark (not collected by pytest: the file name does not start with test_).

Data: cases across 50 organisations (a caseworker and 10 lawyers each), per-section user
grants (CaseUserPermission) of the lawyers on their organisation's cases, and referrals of
other organisations' cases to one partner organisation, each with its consent and its grant
rows for the partner's caseworker. Full size: 100,000 cases, 200,000 grants.

Reports, on the lists whose rows depend on grants:
  1. a lawyer's list (cases of the lawyer's organisation the lawyer holds a live grant on);
  2. the partner's "referred to us" list (cases of other organisations referred to it);
  each as our selector (casework.selectors.cases_visible_to, live grants only) against
  guardian used the best way a guardian user would: ``get_objects_for_user`` on the section
  permissions with the same organisation pre-filter as ``klass``, groups, superuser and
  global permissions off, the same row decoration (selectors.list_rows) and the same paging
  (count + rows 26-50). A fresh user object every round on both sides (guardian caches its
  lookups on the user, a real request starts without them). Median time of each, the ratio,
  and the queries of each side (target: the same count at every size);
  3. a caseworker's case list page (/cases/): time per page and queries.

Run (full size; the default is small, for the shared machine):
    .venv/bin/python -m tests.benchmarks.bench_access --cases 100000 --grants 200000 \\
        --referred 5000 --rounds 30

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
from datetime import timedelta
from pathlib import Path

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/wp_bench_access"
ROOT = Path(__file__).resolve().parents[2]
ORGS = 50
LAWYERS_PER_ORG = 10
BATCH = 5000
PARTNER = 1  # the organisation referrals go to
REFERRED_SECTIONS = ("identity", "legal")


def setup(url: str) -> None:
    from tests.benchmarks.bench_casework import setup as casework_setup

    casework_setup(url)


def _people(orgs):
    from accounts.models import Membership, Organisation, Role, User

    caseworkers, lawyers = [], []
    for index in range(ORGS):
        org = Organisation.objects.create(name=f"Org {index}", slug=f"org-{index}")
        # No password hashing: 500 Argon2 hashes would dominate the load time.
        worker = User.objects.create(email=f"cw{index}@example.org", password="!")
        Membership.objects.create(user=worker, organisation=org, role=Role.CASEWORKER)
        for n in range(LAWYERS_PER_ORG):
            lawyer = User.objects.create(email=f"lawyer{index}.{n}@example.org", password="!")
            Membership.objects.create(user=lawyer, organisation=org, role=Role.LAWYER)
            lawyers.append((lawyer, index))
        orgs.append(org)
        caseworkers.append(worker)
    return caseworkers, lawyers


def _grants(grants: int, lawyers, case_ids, opens, rng) -> None:
    """Each lawyer gets every section on a sample of the organisation's cases."""
    from casework.models import CaseUserPermission

    per_lawyer = grants // len(lawyers)
    pending = []
    for lawyer, index in lawyers:
        chosen = rng.sample(case_ids[index], min(len(case_ids[index]), -(-per_lawyer // 7)))
        for case_id in chosen:
            pending.extend(
                CaseUserPermission(content_object_id=case_id, user=lawyer, permission=perm)
                for perm in opens
            )
        if len(pending) >= BATCH:
            CaseUserPermission.objects.bulk_create(pending)
            pending = []
    CaseUserPermission.objects.bulk_create(pending)


def _referrals(referred: int, orgs, caseworkers, case_ids, opens, rng) -> None:
    """``referred`` cases of the other organisations referred to the partner: accepted, with
    a confirmed consent, and the partner caseworker's grant rows for two sections."""
    from django.utils import timezone

    from casework.models import CaseUserPermission, Consent, Referral, ReferralStatus

    now, year = timezone.now(), timedelta(days=365)
    partner, receiver = orgs[PARTNER], caseworkers[PARTNER]
    perms = [p for p in opens if p.codename.removeprefix("open_") in REFERRED_SECTIONS]
    others = [i for i in range(ORGS) if i != PARTNER]
    chosen = [(i, c) for i in others for c in case_ids[i][: -(-referred // len(others))]]
    for start in range(0, min(referred, len(chosen)), BATCH):
        batch = chosen[start : min(start + BATCH, referred)]
        consents = Consent.objects.bulk_create(
            [
                Consent(
                    case_id=c,
                    purpose="legal_advice",
                    recipient=partner,
                    sections=list(REFERRED_SECTIONS),
                    given_by="client",
                    confirmed_at=now,
                    confirmed_via="in_person",
                    confirmation_recorded_by=caseworkers[i],
                    recorded_by=caseworkers[i],
                    expires_at=now + year,
                )
                for i, c in batch
            ]  # fmt: skip
        )
        referrals = Referral.objects.bulk_create(
            [
                Referral(
                    case_id=c,
                    to_organisation=partner,
                    consent=consent,
                    sections=list(REFERRED_SECTIONS),
                    actions=["view"],
                    reason="legal_review",
                    status=ReferralStatus.ACCEPTED,
                    created_by=caseworkers[i],
                    expires_at=now + year,
                    decided_by=receiver,
                    decided_at=now,
                )
                for (i, c), consent in zip(batch, consents, strict=True)
            ]  # fmt: skip
        )
        CaseUserPermission.objects.bulk_create(
            [
                CaseUserPermission(
                    content_object_id=r.case_id, user=receiver, permission=p, referral=r
                )
                for r in referrals
                for p in perms
            ]  # fmt: skip
        )


def fill(cases: int, grants: int, referred: int):
    """Bulk rows; returns (organisations, caseworkers, lawyers)."""
    import random

    from django.contrib.auth.models import Permission

    from casework.sections import SECTIONS
    from tests.benchmarks.fill import bulk_cases
    from tests.factories import totp_device

    rng = random.Random(11)  # noqa: S311 - benchmark data
    opens = list(
        Permission.objects.filter(
            content_type__app_label="casework", codename__in=[f"open_{s}" for s in SECTIONS]
        )
    )
    orgs: list = []
    caseworkers, lawyers = _people(orgs)
    totp_device(caseworkers[0])
    per_org = max(1, cases // ORGS)
    case_ids: dict[int, list] = {}
    for index, org in enumerate(orgs):
        case_ids[index] = []
        for start in range(1, per_org + 1, BATCH):
            rows = bulk_cases(
                organisation=org,
                prefix=f"O{index}",
                numbers=range(start, min(start + BATCH, per_org + 1)),
                assignee=caseworkers[index],
                rng=rng,
            )
            case_ids[index].extend(c.pk for c in rows)
    _grants(grants, lawyers, case_ids, opens, rng)
    _referrals(referred, orgs, caseworkers, case_ids, opens, rng)
    return orgs, caseworkers, lawyers


def _median_ms(timings: list[float]) -> float:
    return statistics.median(timings) * 1000


def compare(user_id, prefilter, rounds: int) -> dict[str, object]:
    """Selector against guardian used well on one list: median ms, ratio, queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from guardian.shortcuts import get_objects_for_user

    from accounts.models import User
    from casework import selectors
    from casework.models import Case

    def ours(user):
        rows = selectors.list_rows(prefilter(selectors.cases_visible_to(user=user)))
        rows = rows.order_by("-year", "-number", "pk")  # numbers repeat across organisations
        return rows.count(), [c.pk for c in rows[25:50]]

    def guardian(user):
        granted = get_objects_for_user(
            user,
            selectors.OPEN_PERMS,
            klass=prefilter(Case.objects.all()),
            any_perm=True,
            use_groups=False,
            with_superuser=False,
            accept_global_perms=False,
        )
        rows = selectors.list_rows(granted).order_by("-year", "-number", "pk")
        return rows.count(), [c.pk for c in rows[25:50]]

    fresh = lambda: User.objects.get(pk=user_id)  # noqa: E731 - outside the clock
    assert ours(fresh()) == guardian(fresh()), "both sides must list the same page"
    mine, theirs, queries = [], [], {"selector": set(), "guardian": set()}
    for _ in range(rounds):
        for label, call, timings in (("selector", ours, mine), ("guardian", guardian, theirs)):
            user = fresh()
            with CaptureQueriesContext(connection) as captured:
                start = time.perf_counter()
                count, _page = call(user)
                timings.append(time.perf_counter() - start)
            queries[label].add(len(captured.captured_queries))
    return {
        "rows": count,
        "selector_ms": _median_ms(mine),
        "guardian_ms": _median_ms(theirs),
        "guardian_over_selector": statistics.median(theirs) / statistics.median(mine),
        "queries": {label: sorted(n) for label, n in queries.items()},
    }


def case_list_page(user, requests: int) -> dict[str, object]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from tests.conftest import sign_in

    client = Client()
    sign_in(client, user)
    pages = ["/cases/", "/cases/?page=2", "/cases/?status=crisis", "/cases/?country=KZ&risk=high"]
    timings, queries = [], set()
    for index in range(requests):
        url = pages[index % len(pages)]
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = client.get(url)
            timings.append(time.perf_counter() - start)
        assert response.status_code == 200, url
        queries.add(len(captured.captured_queries))
    return {"requests": requests, "median_ms": _median_ms(timings), "queries": sorted(queries)}


def bench(cases: int, grants: int, referred: int, requests: int, rounds: int) -> dict:
    from django.db import connection

    from casework.models import Case, CaseUserPermission, Referral

    began = time.perf_counter()
    orgs, caseworkers, lawyers = fill(cases, grants, referred)
    load_s = time.perf_counter() - began
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # as autovacuum would after a bulk load
    own, partner = orgs[0], orgs[PARTNER]
    return {
        "cases": Case.objects.count(),
        "grants": CaseUserPermission.objects.count(),
        "referrals": Referral.objects.count(),
        "load_seconds": round(load_s, 1),
        "lawyer_list": compare(lawyers[0][0].pk, lambda qs: qs.filter(organisation=own), rounds),
        "referred_to_us": compare(
            caseworkers[PARTNER].pk, lambda qs: qs.exclude(organisation=partner), rounds
        ),
        "case_list_page": case_list_page(caseworkers[0], requests),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=5_000)
    parser.add_argument("--grants", type=int, default=10_000)
    parser.add_argument("--referred", type=int, default=500)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    if not url.rsplit("/", 1)[-1].startswith("wp_bench"):
        sys.exit("DATABASE_URL must name a database starting with wp_bench (it is dropped)")
    setup(url)
    report = bench(args.cases, args.grants, args.referred, args.requests, args.rounds)
    print(json.dumps(report, indent=2))
    for name in ("lawyer_list", "referred_to_us"):
        r = report[name]
        print(
            f"{name} ({r['rows']} rows; {report['cases']} cases, {report['grants']} grants): "
            f"selector {r['selector_ms']:.1f} ms vs guardian used well {r['guardian_ms']:.1f} "
            f"ms = {r['guardian_over_selector']:.2f}x (target >= 5x); queries {r['queries']}"
        )
    page = report["case_list_page"]
    print(f"case list page: median {page['median_ms']:.1f} ms, queries {page['queries']}")


if __name__ == "__main__":
    main()
