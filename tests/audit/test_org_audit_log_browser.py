"""In headless Chromium: a member signs in, and the org admin sees it in the audit log."""

from __future__ import annotations

import re

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import Browser, Page, expect

from accounts.models import Membership, Role
from tests.e2e.conftest import browser_type_launch_args, page  # noqa: F401 - the e2e browser
from tests.factories import PASSWORD, UserFactory, totp_device

pytestmark = pytest.mark.e2e

TOTP_KEY = b"0123456789abcdef0123"  # the key tests.factories.totp_device gives every device


def sign_in(tab: Page, base_url: str, email: str) -> None:
    tab.goto(f"{base_url}/accounts/login/")
    tab.get_by_label("E-mail address").fill(email)
    tab.get_by_label("Password").fill(PASSWORD)
    tab.get_by_role("button", name="Continue").click()
    expect(tab).to_have_url(re.compile(r"/accounts/verify/"))
    tab.locator("#id_code").fill(f"{TOTP(TOTP_KEY).token():06d}")
    tab.locator("#id_code").press("Enter")
    expect(tab).to_have_url(re.compile(r"/$"))


def test_the_org_admin_sees_a_members_sign_in_in_the_browser(
    page: Page,  # noqa: F811 - the e2e fixture imported above
    browser: Browser,
    live_server,
    admin_getlost,
    tmp_path,
):
    organisation = admin_getlost.memberships.get().organisation
    member = UserFactory(display_name="Maria Caseworker")
    Membership.objects.create(user=member, organisation=organisation, role=Role.CASEWORKER)
    totp_device(member)

    member_context = browser.new_context()
    member_page = member_context.new_page()
    member_page.set_default_timeout(10_000)
    sign_in(member_page, live_server.url, member.email)
    member_context.close()

    sign_in(page, live_server.url, admin_getlost.email)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit log").click()
    expect(page).to_have_url(re.compile(r"/org/audit/$"))
    page.get_by_label("Person").select_option(label="Maria Caseworker")
    page.get_by_role("button", name="Show events").click()

    table = page.get_by_role("table")
    expect(table.get_by_role("row").filter(has_text="Signed in").first).to_contain_text(
        "Maria Caseworker"
    )
    expect(table).not_to_contain_text(admin_getlost.email)
    page.screenshot(path=str(tmp_path / "audit_log.png"), full_page=True)
