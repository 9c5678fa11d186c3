"""The dashboard: greeting, active organisation and switcher, links by role, no fake data."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role
from tests.conftest import sign_in
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory, totp_device

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("dashboard")
MEMBERS = reverse("accounts:members")
AUDIT = reverse("accounts:org_audit")
SECURITY = reverse("accounts:security")
SESSIONS = reverse("accounts:sessions")
SWITCH = reverse("accounts:switch_organisation")


def _page(client) -> str:
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    return response.content.decode()


def test_it_greets_the_user_and_shows_the_active_organisation_and_role(client, caseworker_getlost):
    caseworker_getlost.display_name = "Masha"
    caseworker_getlost.save()
    sign_in(client, caseworker_getlost)

    body = _page(client)

    assert "Hello, Masha" in body
    assert "Get Lost" in body
    assert "Caseworker" in body
    assert f'href="{SECURITY}"' in body
    assert f'href="{SESSIONS}"' in body


def test_a_caseworker_sees_no_admin_links(client, caseworker_getlost):
    sign_in(client, caseworker_getlost)
    body = _page(client)
    assert f'href="{MEMBERS}"' not in body
    assert f'href="{AUDIT}"' not in body


def test_an_org_admin_sees_member_and_audit_links_and_real_counts(
    client, admin_getlost, caseworker_getlost, make_member
):
    frozen = make_member("get-lost", Role.LAWYER)
    frozen.frozen_at = frozen.date_joined
    frozen.save()
    sign_in(client, admin_getlost)

    body = _page(client)

    assert f'href="{MEMBERS}"' in body
    assert f'href="{AUDIT}"' in body
    assert "3 members" in body
    assert "1 frozen" in body
    assert "0 pending invitations" in body


def test_case_widgets_show_real_counts_and_nothing_invented(client, caseworker_getlost):
    sign_in(client, caseworker_getlost)
    body = _page(client)
    for heading in ("Deadlines due", "New intakes", "Referrals waiting"):
        assert heading in body
    assert "0 cases are at intake." in body


def test_a_coordinator_sees_no_case_widgets(client, coordinator):
    sign_in(client, coordinator)
    body = _page(client)
    assert "Deadlines due" not in body
    assert "Statistics" in body
    assert 'href="/stats/"' in body


def test_the_switcher_appears_only_with_several_organisations(client, caseworker_getlost):
    sign_in(client, caseworker_getlost)
    assert f'action="{SWITCH}"' not in _page(client)

    other = OrganisationFactory(slug="intransit", name="InTransit")
    MembershipFactory(user=caseworker_getlost, organisation=other, role=Role.LAWYER)
    body = _page(client)

    assert f'action="{SWITCH}"' in body
    assert f'value="{other.pk}"' in body


def test_someone_in_no_organisation_is_told_how_to_join(client):
    user = UserFactory()
    totp_device(user)
    sign_in(client, user)
    body = _page(client)
    assert "does not belong to any organisation" in body
    assert f'href="{MEMBERS}"' not in body


def test_a_password_only_session_does_not_reach_the_dashboard(client, caseworker_getlost):
    sign_in(client, caseworker_getlost, verified=False)
    response = client.get(DASHBOARD)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:verify"))


def test_the_dashboard_costs_the_same_queries_with_more_members(client, admin_getlost, make_member):
    sign_in(client, admin_getlost)
    client.get(DASHBOARD)  # the navigation's triage badge is cached from here on
    with CaptureQueriesContext(connection) as few:
        client.get(DASHBOARD)
    for _ in range(5):
        make_member("get-lost", Role.CASEWORKER)
    client.get(DASHBOARD)
    with CaptureQueriesContext(connection) as many:
        client.get(DASHBOARD)
    assert len(many.captured_queries) == len(few.captured_queries)
