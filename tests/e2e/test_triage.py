"""Browser test of a caseworker's triage and an admin's bulk reassignment, in headless
Chromium: the dashboard's due tasks lead to the case; the case list sorts, filters by
assignee and finds a case by reference; an org admin hands a frozen colleague's cases over."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from accounts.models import Role
from casework.models import Case, RiskLevel
from deadlines import services as deadline_services
from deadlines.models import DeadlineKind
from tests.casework.conftest import _media_root, open_case, reference_data  # noqa: F401
from tests.conftest import sign_in

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _as(page, client, user, base: str) -> None:
    """Puts ``user``'s signed-in session into the browser."""
    client.cookies.clear()
    sign_in(client, user)
    page.context.clear_cookies()
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": base}])


def _rows(page) -> list[str]:
    return page.locator("[data-testid=case-table] tbody tr td a").all_inner_texts()


@pytest.mark.usefixtures("reference_data", "_media_root")
def test_triage_from_the_dashboard_and_list_then_bulk_reassignment(
    live_server,
    page,
    client,
    make_member,
    open_case,  # noqa: F811 - the fixture
):
    worker = make_member("get-lost", Role.CASEWORKER)
    leaver = make_member("get-lost", Role.CASEWORKER)
    admin = make_member("get-lost", Role.ORG_ADMIN)
    low = open_case(by=worker, pseudonym="Crane", risk_level=RiskLevel.LOW)
    critical = open_case(by=worker, pseudonym="Sparrow", risk_level=RiskLevel.CRITICAL)
    left = [open_case(by=leaver, pseudonym=f"Owl{i}") for i in range(2)]
    kind = DeadlineKind.objects.get(code="consulate_appointment")
    deadline_services.deadline_create(
        case=critical, by=worker, kind=kind, due_date=timezone.now().date() + timedelta(days=2)
    )
    base = live_server.url

    # The caseworker's dashboard: the task due this week leads to its case.
    _as(page, client, worker, base)
    page.goto(f"{base}/")
    due = page.locator("section", has=page.get_by_role("heading", name="Deadlines due"))
    assert "1 due this week" in due.inner_text()
    due.get_by_role("link", name=critical.reference).click()
    page.wait_for_url(f"{base}/cases/{critical.reference}/#deadlines")

    # The list: sorted by risk, highest first; the next deadline shows.
    page.goto(f"{base}/cases/")
    page.locator("[data-sort=risk]").click()
    page.wait_for_url("**/cases/?sort=risk")
    page.locator("[data-sort=risk]").click()
    page.wait_for_url("**/cases/?sort=-risk")
    assert _rows(page)[0] == critical.reference
    assert "Consulate appointment" in page.locator("[data-testid=case-table]").inner_text()

    # Filtered by assignee, then found by reference.
    page.locator("#id_assignee").select_option(label=leaver.display_name or leaver.email)
    page.get_by_role("button", name="Show").click()
    assert sorted(_rows(page)) == sorted(c.reference for c in left)
    page.get_by_label("Search by").select_option("reference")
    page.get_by_label("Exact value").fill(low.reference[-4:])
    page.get_by_role("button", name="Search").click()
    assert _rows(page) == [low.reference]

    # The colleague leaves: frozen, shown as such; the admin hands their cases over.
    leaver.frozen_at = timezone.now()
    leaver.save(update_fields=["frozen_at"])
    _as(page, client, admin, base)
    page.goto(f"{base}/cases/?assignee={leaver.pk}")
    assert "frozen" in page.locator("[data-testid=case-table]").inner_text()
    for case in left:
        page.get_by_label(f"Choose {case.reference}").check()
    bulk = page.locator("#bulk-form")
    bulk.get_by_label("Assign to").select_option(label=worker.display_name or worker.email)
    bulk.get_by_label("Take off these cases").select_option(
        label=f"{leaver.display_name or leaver.email} (frozen)"
    )
    bulk.get_by_label("Why do you reassign these cases?").select_option("caseworker_left")
    bulk.get_by_label("Explain").fill("Left the organisation in December.")
    bulk.get_by_role("button", name="Reassign").click()
    page.wait_for_url(f"**/cases/?assignee={worker.pk}")
    assert "2 cases reassigned." in page.content()
    assert len(_rows(page)) == 4
    for case in left:
        assert list(Case.objects.get(pk=case.pk).assigned_caseworkers.all()) == [worker]
