"""A new member's first day, in headless Chromium: invitation, password, authenticator app,
backup codes, sign out, sign in again with password and code, dashboard, sign out."""

from __future__ import annotations

import base64
import re

import pytest
from django_otp.oath import totp
from playwright.sync_api import Page, expect

from accounts.models import Invitation, Membership, Role, User
from accounts.services.invitations import invitation_send

pytestmark = pytest.mark.e2e

EMAIL = "newcomer@example.org"
PASSWORD = "a quiet river under the birches"


def code_from(secret: str, *, drift: int = 0) -> str:
    """The 6-digit code an authenticator app shows for ``secret`` (base32, as on the page).

    ``drift=1`` is the next 30-second step's code: the server accepts one step of clock skew,
    and a code of a step already used is refused, so signing in right after enrolment uses it.
    """
    padded = secret + "=" * (-len(secret) % 8)
    return f"{totp(base64.b32decode(padded), drift=drift):06d}"


def test_an_invited_person_joins_enrols_and_signs_in(
    page: Page, live_server, admin_getlost, mailoutbox
):
    organisation = admin_getlost.memberships.get().organisation
    invitation_send(organisation=organisation, email=EMAIL, role=Role.CASEWORKER, by=admin_getlost)
    link = re.search(r"https?://\S+/invite/(\S+?)/", mailoutbox[-1].body)
    assert link is not None, "the invitation e-mail carries the link"
    token = link.group(1)

    # The invitation link: the token leaves the address bar at once.
    page.goto(f"{live_server.url}/invite/{token}/")
    expect(page).to_have_url(re.compile(r"/invite/accept/$"))
    expect(page.get_by_text(organisation.name).first).to_be_visible()
    page.locator("#id_display_name").fill("Sasha")
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()

    # A password alone leads only to second-factor enrolment.
    expect(page).to_have_url(re.compile(r"/accounts/security/enrol/$"))
    page.get_by_role("link", name="Set up an authenticator app").click()
    expect(page).to_have_url(re.compile(r"/accounts/security/totp/$"))
    secret = re.sub(r"\s", "", page.locator("#totp-secret").inner_text())
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    page.locator("#id_code").fill(code_from(secret))
    page.get_by_role("button", name="Confirm").click()

    # Backup codes, shown once.
    expect(page).to_have_url(re.compile(r"/accounts/security/backup-codes/$"))
    expect(page.locator("#backup-codes li")).to_have_count(10)
    page.get_by_role("link", name="I have saved my codes").click()
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", name="Hello, Sasha")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))

    # Signing in again: password, then a code from the app.
    page.locator("#id_username").fill(EMAIL)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(re.compile(r"/accounts/verify/"))
    page.locator("#id_code").fill(code_from(secret, drift=1))
    page.get_by_role("button", name="Confirm", exact=True).click()

    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", name="Hello, Sasha")).to_be_visible()
    expect(page.get_by_text(organisation.name).first).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))

    user = User.objects.get(email=EMAIL)
    assert Membership.objects.filter(
        user=user, organisation=organisation, role=Role.CASEWORKER
    ).exists()
    assert Invitation.objects.get(email=EMAIL).accepted_at is not None
    assert user.totpdevice_set.filter(confirmed=True).count() == 1
