"""Case files benchmark (not collected by pytest: the file name does not start with test_).

Reports
  1. sealing + opening a text field through the case envelope against bare AESGCM on the
     same text with the same one-time setup (ratio; target at most 1.5x; see bench_envelope),
     and
  2. the case list with 10,000 cases in the organisation: server time per page (median;
     target under 50 ms on PostgreSQL on a 2-core machine) and the number of queries.

Run:
    .venv/bin/python -m tests.benchmarks.bench_casework [--cases 10000] [--rounds 2000]

It uses its own database, DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/wp_bench_case), which it DROPS and re-creates: the
database name must start with "wp_bench".
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import sys
import time
from pathlib import Path

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/wp_bench_case"
ROOT = Path(__file__).resolve().parents[2]
PAYLOADS = {"short name (24 B)": 24, "passport list (200 B)": 200, "testimony (8 KiB)": 8192}


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


class NoncePool:
    """Nonces drawn from the operating system 256 at a time, as vault.aead does: the bare side
    gets the same one-time setup as the envelope, so the ratio is the envelope's own work."""

    def __init__(self) -> None:
        from collections import deque

        self._pool: deque[bytes] = deque()

    def take(self) -> bytes:
        try:
            return self._pool.popleft()
        except IndexError:
            batch = os.urandom(12 * 256)
            self._pool.extend(batch[i : i + 12] for i in range(12, len(batch), 12))
            return batch[:12]


def bench_envelope(rounds: int) -> dict[str, dict[str, float]]:
    """Median time of one seal and one open of a text field through the envelope, against
    bare AESGCM on the same text with the same one-time setup: one AESGCM object per key built
    before the clock starts (the envelope keeps one per section key for the request), nonces
    from a pool like vault.aead's, and the same codec (UTF-8, or UTF-16 for long non-ASCII
    text) around one encryption and one decryption. ``ratio`` (target at most 1.5x) is then
    what the envelope adds: the row check, associated data, key lookup, length padding and
    its check, framing.

    ``parts`` splits one envelope round, so it is clear where the per-field cost goes:
    ``datakey_us`` is vault.DataKey seal + open alone (padding and framing, no envelope; the
    associated data bound once, as the envelope does per row), ``codec_us`` the text codec
    alone. ``floor_ratio`` is (DataKey + codec) / bare: what the stored format costs before
    the envelope does anything (row check, key lookup, length limit)."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from casework import services
    from casework.envelope import UTF16_FROM, Envelope, key_scope
    from casework.envelope.encoding import CODECS
    from casework.fields import TEXT
    from vault import DataKey, bind_aad

    case, user = make_case()
    # A note's text: long enough for the 8 KiB payload (a legal name is at most 200).
    note = services.note_add(case=case, by=user, text="x")
    envelope = Envelope(case.pk)
    encode, decode, _ = CODECS[TEXT]
    results = {}
    with key_scope():
        envelope.open(note, "text")  # unwrap the notes key once, as a request would
        for label, size in PAYLOADS.items():
            text = "я" * (size // 2)
            codec = "utf-16" if len(text) >= UTF16_FROM else "utf-8"
            key = secrets.token_bytes(32)
            cipher, data_key, pool = AESGCM(key), DataKey(key), NoncePool()
            aad = b"waypoint.field.v1:casework.note:text:" + str(note.pk).encode() + b":notes"
            bound = bind_aad(aad)
            bare, ours, datakey, codec_only = [], [], [], []
            # Interleaved, so all sides see the same machine (other load, frequency changes).
            for _ in range(rounds):
                began = time.perf_counter()
                nonce = pool.take()
                sealed = cipher.encrypt(nonce, text.encode(codec), aad)
                cipher.decrypt(nonce, sealed, aad).decode(codec)
                bare.append(time.perf_counter() - began)
                began = time.perf_counter()
                envelope.seal(note, "text", text)
                envelope.open(note, "text")
                ours.append(time.perf_counter() - began)
                raw = encode(text)
                began = time.perf_counter()
                data_key.open_bound(data_key.seal_bound(raw, bound), bound)
                datakey.append(time.perf_counter() - began)
                began = time.perf_counter()
                decode(encode(text))
                codec_only.append(time.perf_counter() - began)
            b, o, d, c = (statistics.median(t) for t in (bare, ours, datakey, codec_only))
            results[label] = {
                "bare_us": b * 1e6,
                "envelope_us": o * 1e6,
                "ratio": o / b,
                "floor_ratio": (d + c) / b,
                "parts": {"codec_us": c * 1e6, "datakey_us": d * 1e6},
            }
    return results


def make_case():
    from accounts.models import Role
    from casework import services
    from casework.models import Country
    from tests.factories import MembershipFactory, OrganisationFactory, UserFactory, totp_device

    org = OrganisationFactory(slug="get-lost", name="Get Lost")
    user = UserFactory()
    MembershipFactory(user=user, organisation=org, role=Role.CASEWORKER)
    totp_device(user)
    case = services.case_create(
        organisation=org,
        by=user,
        pseudonym="Bench",
        legal_name="Иванов Иван",
        intake_channel="hotline",
        legal_category="deserter",
        service_category="mobilised",
        risk_level="high",
        country=Country.objects.get(pk="KZ"),
    )
    return case, user


def fill_organisation(cases: int) -> None:
    """Bulk rows for the list page (shells, people with pseudonyms, locations, assignment):
    the list decrypts nothing, so the sealed columns stay empty here."""
    import random

    from accounts.models import Organisation, User
    from tests.benchmarks.fill import bulk_cases

    org = Organisation.objects.get(slug="get-lost")
    users = list(User.objects.all())
    rng = random.Random(7)  # noqa: S311 - benchmark data
    batch = 2000
    for start in range(2, cases + 1, batch):
        bulk_cases(
            organisation=org,
            prefix="GL",
            numbers=range(start, min(start + batch, cases + 1)),
            assignee=users[0],
            rng=rng,
        )


def bench_list(cases: int, requests: int) -> dict[str, object]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from tests.conftest import sign_in

    fill_organisation(cases)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # as autovacuum would after a bulk load
    client = Client()
    sign_in(client, User.objects.first())
    timings, queries = [], set()
    pages = ["/cases/", "/cases/?page=2", "/cases/?page=200", "/cases/?status=crisis",
             "/cases/?mine=on&page=50", "/cases/?country=KZ&risk=high"]  # fmt: skip
    for index in range(requests):
        url = pages[index % len(pages)]
        with CaptureQueriesContext(connection) as captured:
            began = time.perf_counter()
            response = client.get(url)
            timings.append(time.perf_counter() - began)
        assert response.status_code == 200, url
        queries.add(len(captured.captured_queries))
    return {
        "cases": cases,
        "requests": requests,
        "median_ms": statistics.median(timings) * 1000,
        "p90_ms": sorted(timings)[int(len(timings) * 0.9)] * 1000,
        "queries_per_page": sorted(queries),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=60)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    setup(url)
    report = {
        "envelope": bench_envelope(args.rounds),
        "case_list": bench_list(args.cases, args.requests),
    }
    print(json.dumps(report, indent=2, ensure_ascii=False))
    envelope = report["envelope"].values()
    worst = max(r["ratio"] for r in envelope)
    pairs = ", ".join(
        f"{label} {r['envelope_us']:.1f}/{r['bare_us']:.1f} us"
        for label, r in report["envelope"].items()
    )
    floors = ", ".join(
        f"{label} {r['floor_ratio']:.2f}x" for label, r in report["envelope"].items()
    )
    print(
        "envelope vs bare AESGCM (same setup: cipher per key, nonce pool, same codec): "
        f"{pairs}; worst {worst:.2f}x (target <= 1.5x)"
    )
    print(f"stored format alone (vault.DataKey + codec, no envelope) vs bare: {floors}")
    print(
        f"case list, {args.cases} cases: median {report['case_list']['median_ms']:.1f} ms per page "
        f"(target < 50 ms), queries per page {report['case_list']['queries_per_page']}"
    )


if __name__ == "__main__":
    main()
