"""The attacks of issue 16, over consecutive releases on the real tables: each must fail to
learn anything below k. Changes go through the casework services (which write the history
statistics read); the attacker is tests/stats/attacker.py.

The calendar (delay 30 days): a month is published in the first release on or after the 30th
day after it ends — August on 30 September, September on 30 October, and so on.
"""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casework import services
from casework.envelope import create_case_keys, key_scope
from casework.models import Case, Country
from stats.models import GroupVersion, PublishedTable, Release
from tests.stats.attacker import Attacker, attack_everyone
from tests.stats.conftest import make_cases, publish_on

pytestmark = pytest.mark.django_db
K = 10


def workable(case: Case, caseworker) -> Case:
    """A bulk-made case that the casework services can change: its data keys, an assigned and
    verifying caseworker."""
    create_case_keys(case_id=case.pk)
    case.assigned_caseworkers.add(caseworker)
    Case.objects.filter(pk=case.pk).update(verified_by=caseworker)
    return Case.objects.get(pk=case.pk)


def on(day: str):
    return time_machine.travel(f"{day} 12:00:00+00:00", tick=False)


def table(release: Release, scope, code: str, period: str) -> PublishedTable:
    return release.tables.get(scope=str(scope), breakdown=code, period=period)


def cells(t: PublishedTable) -> dict[str, object]:
    out = {row: t.data["cells"][i][0] for i, row in enumerate(t.data["rows"])}
    out["total"] = t.data["col_totals"][0]
    return out


@pytest.fixture
def orgs(caseworker_getlost, admin_getlost, outsider):
    getlost = caseworker_getlost.memberships.get().organisation
    return getlost, outsider.memberships.get().organisation


def test_a_category_change_does_not_reveal_a_hidden_cell(orgs, caseworker_getlost, countries):
    """Attack 1. Get Lost's August: 10 deserters, 9 surrendered, 16 evaders (35). One
    deserter is changed to surrendered after August was published: August never changes, so
    nothing tells that the hidden 9 was 9. And a case moved into a cell after the cut-off
    (October's evaders 9 -> 10) reaches no published October."""
    getlost, _other = orgs
    august = date(2026, 8, 1)
    deserters = make_cases(getlost, 10, opened=august, legal_category="deserter")
    make_cases(getlost, 9, opened=august, legal_category="surrendered")
    make_cases(getlost, 16, opened=august, legal_category="evader")
    october = make_cases(getlost, 9, opened=date(2026, 10, 1), legal_category="evader")
    late = make_cases(getlost, 1, opened=date(2026, 10, 1), legal_category="deserter")[0]
    first = publish_on("2026-10-05")
    assert first.cut_off == august
    mine = table(first, getlost.pk, "requests", "2026-08")
    shown = cells(mine)
    assert (shown["deserter"], shown["surrendered"], shown["total"]) == (10, "<", 35)
    with on("2026-10-10"):
        case = workable(deserters[0], caseworker_getlost)
        services.case_update_shell(
            case=case, by=caseworker_getlost, risk_level="medium", legal_category="surrendered"
        )
    with on("2026-11-03"):  # after October: the late case becomes an evader
        case = workable(late, caseworker_getlost)
        services.case_update_shell(
            case=case, by=caseworker_getlost, risk_level="medium", legal_category="evader"
        )
    second = publish_on("2026-11-05")
    third = publish_on("2026-12-05")
    assert [second.cut_off, third.cut_off] == [date(2026, 9, 1), date(2026, 10, 1)]
    for scope in (getlost.pk, "all"):
        tables = {table(r, scope, "requests", "2026-08") for r in (first, second, third)}
        assert len(tables) == 1  # the same frozen row, the same CSV
    evaders = cells(table(third, getlost.pk, "requests", "2026-10"))
    assert evaders["evader"] == "<"  # 9 as of October's end: the change came in November
    assert len(october) == 9
    assert attack_everyone(k=K, organisations=[getlost.pk, _other.pk]) == []


def test_open_cases_cannot_be_followed_one_closing_at_a_time(
    orgs, caseworker_getlost, signed_in, admin_getlost, countries
):
    """Attack 2. Get Lost holds 38 open cases; one is closed in September and one opened in
    October. No ratio is published any more, and no release pair tells 38 -> 37 -> 38."""
    getlost, other = orgs
    cases = make_cases(getlost, 38, opened=date(2026, 6, 1), status="in_transit", country="KZ")
    for case in cases:
        case.assigned_caseworkers.add(caseworker_getlost)
    first = publish_on("2026-10-05")
    with on("2026-09-15"):
        services.case_change_status(
            case=workable(cases[0], caseworker_getlost), by=caseworker_getlost, status="closed"
        )
    second = publish_on("2026-11-05")
    make_cases(getlost, 1, opened=date(2026, 10, 1), status="in_transit", country="KZ")
    third = publish_on("2026-12-05")
    totals = [cells(table(r, getlost.pk, "backlog", r.cut_off.strftime("%Y-%m")))["total"]
              for r in (first, second, third)]  # fmt: skip
    assert totals[0] == 40 and totals[1] == "h" and totals[2] == 40
    assert attack_everyone(k=K, organisations=[getlost.pk, other.pk]) == []
    body = signed_in(admin_getlost).get("/stats/").content.decode()
    assert "per caseworker:" not in body and "caseload" not in body.lower()


def test_changes_made_today_appear_in_no_table_before_the_delay_passes(
    orgs, caseworker_getlost, countries
):
    """Attack 3. On 25 November a Kazakhstan case gets a crisis status, another moves to
    Turkey and a third changes category. The release of 30 November (cut-off October) and
    every night until the delay has passed show the world without them; the release of 30
    December
    (cut-off November) hides the figures that moved by one."""
    getlost, other = orgs
    kz = make_cases(getlost, 15, opened=date(2026, 6, 1), status="in_transit", country="KZ")
    make_cases(getlost, 10, opened=date(2026, 6, 1), status="in_transit", country="TR")
    make_cases(other, 20, opened=date(2026, 10, 1), status="in_transit", country="GE")
    before = publish_on("2026-11-05")
    kz = [workable(case, caseworker_getlost) for case in kz[:3]]
    with on("2026-11-25"), key_scope(user=caseworker_getlost):
        services.case_change_status(case=kz[0], by=caseworker_getlost, status="detained_abroad")
        services.location_update(
            case=kz[1],
            by=caseworker_getlost,
            country=Country.objects.get(pk="TR"),
            legal_basis="",
            region="",
            stay_expires=None,
            route_notes="",
        )
        services.case_update_shell(
            case=kz[2], by=caseworker_getlost, risk_level="high", legal_category="objector"
        )
    nightly = [publish_on(f"2026-{day}") for day in ["11-26", "11-30", "12-01", "12-15", "12-29"]]
    published = [r for r in nightly if r is not None]
    assert [r.cut_off for r in published] == [date(2026, 10, 1)]
    for release in [before, *published]:
        snapshot = GroupVersion.objects.get(release=release, group="now")
        flat = {(t, r): n for rows in snapshot.counts.values() for t, r, _c, n in rows}
        assert flat[("countries", "KZ")] == 15 and flat[("countries", "TR")] == 10
        assert ("outcome", "crisis") not in flat
        for version in GroupVersion.objects.filter(release=release, group="opened"):
            flat = {(t, r) for rows in version.counts.values() for t, r, _c, _n in rows}
            assert ("requests", "objector") not in flat
    after = publish_on("2026-12-30")
    assert after.cut_off == date(2026, 11, 1)
    countries = cells(table(after, getlost.pk, "countries", "2026-11"))
    assert countries["KZ"] in ("<", "h") and countries["TR"] in ("<", "h")
    assert attack_everyone(k=K, organisations=[getlost.pk, other.pk]) == []


def test_the_attacker_does_find_a_leak_when_disclosure_control_is_off(orgs, countries, monkeypatch):
    """Without stats.control's repair, the coordinator who is also Get Lost's admin reads the
    other organisation's 5 deserters as 45 - 40: the attacker must say so."""
    getlost, other = orgs
    make_cases(getlost, 40, opened=date(2026, 3, 1))
    make_cases(other, 5, opened=date(2026, 3, 1))
    monkeypatch.setattr("stats.publication.repair_view", lambda *a, **kw: 0)
    publish_on("2026-11-25")
    findings = Attacker(k=K, own=str(getlost.pk)).run()
    assert any("rest requests" in f and "= 5" in f for f in findings), findings


def test_a_published_months_csv_is_byte_identical_until_an_audited_republication(
    orgs, caseworker_getlost, countries, make_member
):
    from audit.models import AuditEvent
    from stats.services import release_republish

    getlost, other = orgs
    deserters = make_cases(getlost, 30, opened=date(2026, 8, 1))
    make_cases(other, 20, opened=date(2026, 8, 1), legal_category="evader")
    first, second = publish_on("2026-10-05"), publish_on("2026-11-05")
    csvs = {r.number: table(r, "all", "requests", "2026-08").csv.encode() for r in (first, second)}
    assert csvs[1] == csvs[2] and b"fewer than 10" in csvs[1]
    shown = list(csv.reader(io.StringIO(csvs[1].decode())))
    assert shown[0][0] == "Period" and shown[1][0] == "August 2026"
    with on("2026-11-10"):
        for case in deserters[:12]:  # a correction: twelve were evaders all along
            services.case_update_shell(
                case=workable(case, caseworker_getlost),
                by=caseworker_getlost,
                risk_level="medium",
                legal_category="evader",
            )
    admin = make_member("waypoint-ops", "coordinator")
    admin.is_staff = True
    admin.save()
    with on("2026-11-12"):
        third = release_republish(
            by=admin, reason="categories corrected", periods=[("opened", "2026-08")]
        )
    again = table(third, "all", "requests", "2026-08")
    assert again.csv.encode() != csvs[1]
    assert cells(again)["evader"] == 30 and again.data["changed"] > 0
    event = AuditEvent.objects.get(action="stats.republished")
    assert event.actor_id == admin.pk and event.data["sections"] == ["opened:2026-08"]
    fourth = publish_on("2026-12-05")
    assert table(fourth, "all", "requests", "2026-08") == again  # carried, as re-published
    assert attack_everyone(k=K, organisations=[getlost.pk, other.pk]) == []


# --- The property: random edits between releases -------------------------------------------

STATUSES = ["intake", "in_transit", "detained_abroad", "closed", "asylum_lodged"]
COUNTRY_CODES = ["KZ", "TR", "RU", ""]
EDITS = st.one_of(
    st.tuples(
        st.just("new"),
        st.integers(0, 1),  # organisation
        st.sampled_from(["deserter", "evader"]),
        st.sampled_from(["mobilised", "conscript"]),
        st.sampled_from(COUNTRY_CODES),
        st.sampled_from(STATUSES),
        st.booleans(),  # verified
        st.integers(1, 4),  # how many
    ),
    st.tuples(st.just("status"), st.integers(0, 999), st.sampled_from(STATUSES)),
    st.tuples(st.just("country"), st.integers(0, 999), st.sampled_from(COUNTRY_CODES)),
    st.tuples(st.just("category"), st.integers(0, 999), st.sampled_from(["deserter", "evader"])),
    st.tuples(st.just("verify"), st.integers(0, 999)),
)


class World:
    """Cases and their history, changed the way the casework services change them (the row,
    then a history row of the month), and the same facts kept in Python to check the
    server's counts against."""

    def __init__(self, organisations) -> None:
        self.organisations = organisations
        self.cases: list[Case] = []
        self.facts: list[dict] = []

    def apply(self, edit: tuple, month: date) -> None:
        from casework.models import CaseStatusChange
        from casework.services.history import track

        kind, *args = edit
        if kind == "new":
            org, legal, service, country, status, verified, n = args
            made = make_cases(
                self.organisations[org],
                n,
                opened=month,
                legal_category=legal,
                service_category=service,
                status=status,
                country=country or None,
                verified=verified,
            )
            for case in made:
                self.cases.append(case)
                self.facts.append(
                    {
                        "org": str(self.organisations[org].pk),
                        "status": [(month, status)],
                        "country": [(month, country)],
                        "verified": month if verified else None,
                    }
                )
            return
        if not self.cases:
            return
        index = args[0] % len(self.cases)
        case, facts = self.cases[index], self.facts[index]
        if kind == "status":
            Case.objects.filter(pk=case.pk).update(status=args[1])
            CaseStatusChange.objects.create(case=case, to_status=args[1])
            facts["status"].append((month, args[1]))
        elif kind == "country":
            track(case, country=args[1] or None)
            facts["country"].append((month, args[1]))
        elif kind == "category":
            Case.objects.filter(pk=case.pk).update(legal_category=args[1])
            track(case, legal_category=args[1])
        elif facts["verified"] is None:
            Case.objects.filter(pk=case.pk).update(verified_month=month)
            facts["verified"] = month

    def open_verified_by_country(self, cut_off: date) -> dict[tuple[str, str], int]:
        """Written apart from stats.counting: who was verified, open and where at the cut-off."""
        out: dict[tuple[str, str], int] = {}
        for facts in self.facts:
            status = [v for m, v in facts["status"] if m <= cut_off]
            country = [v for m, v in facts["country"] if m <= cut_off]
            verified = facts["verified"] is not None and facts["verified"] <= cut_off
            if status and verified and status[-1] not in ("closed",):
                key = (facts["org"], country[-1] if country else "")
                out[key] = out.get(key, 0) + 1
        return out


def _forget_everything() -> None:
    Release.tables.through.objects.all().delete()
    PublishedTable.objects.all().delete()
    GroupVersion.objects.all().delete()
    Release.objects.all().delete()
    Case.objects.all().delete()


@settings(
    max_examples=20,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(plan=st.lists(st.lists(EDITS, max_size=6), min_size=3, max_size=5))
def test_no_sequence_of_edits_between_releases_lets_anyone_learn_a_count_under_k(
    plan, orgs, countries, settings
):
    """Random edits — new cases, status (closing included), country and category changes,
    verifications — month after month, a release after each month has passed the delay
    (k = 3, no rounding, so that small worlds still show numbers). The attacker, as a
    coordinator alone and as a coordinator who is also each organisation's admin, learns
    nothing under k from all releases together, and the server's snapshot counts are what
    the edits made them."""
    settings.WAYPOINT_STATS_K = 3
    settings.WAYPOINT_STATS_ROUNDING = 1
    _forget_everything()
    world = World(list(orgs))
    months = [date(2026, m, 1) for m in range(1, len(plan) + 1)]
    for i, (month, edits) in enumerate(zip(months, plan, strict=True)):
        with on(month.replace(day=15).isoformat()):
            for edit in edits:
                world.apply(edit, month)
        if i >= 1:
            publish_on(date(2026, month.month + 1, 3).isoformat())
    publish_on(date(2026, months[-1].month + 2, 3).isoformat())
    for release in Release.objects.all():
        snapshot = GroupVersion.objects.filter(release=release, group="now").first()
        server = {
            (org, row): n
            for org, rows in (snapshot.counts.items() if snapshot else [])
            for table, row, _c, n in rows
            if table == "countries"
        }
        assert server == world.open_verified_by_country(release.cut_off)
    assert attack_everyone(k=3, organisations=[o.pk for o in orgs]) == []
