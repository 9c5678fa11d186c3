"""Browser test in headless Chromium: an evacuation group refers a case to a legal group
under the client's consent; the lawyer accepts, sees the testimony and legal sections but not
the route; the owner revokes; the lawyer's next page is 404; both sides' views appear in "who
has seen this case"."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from accounts.models import Role
from casework import services
from casework.models import Country
from tests.casework.conftest import _media_root, reference_data  # noqa: F401
from tests.casework.conftest import open_case as open_case  # noqa: F401 - fixture
from tests.conftest import sign_in

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TESTIMONY = "TESTIMONYMARK5521"
LEGAL = "LEGALMARK5521"
ROUTE = "ROUTEMARK5521"


def _signed_in(context, user, live_server) -> None:
    # A client of its own per person: signing a second user into the same client would end
    # the first one's session.
    client = sign_in(Client(), user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )


@pytest.mark.usefixtures("reference_data", "_media_root")
def test_a_case_is_referred_to_a_legal_group_then_revoked(
    live_server,
    page,
    browser,
    client,
    make_member,
    open_case,  # noqa: F811
):
    caseworker = make_member("get-lost", Role.CASEWORKER)
    lawyer = make_member("intransit", Role.LAWYER)
    lawyer.display_name = "Advocate Orlova"
    lawyer.save()
    case = open_case(by=caseworker)
    services.testimony_add(
        case=case, by=caseworker, language="ru", text=TESTIMONY, consent_dossier=True
    )
    services.exposure_add(
        case=case,
        by=caseworker,
        article="337.5",
        during_mobilisation=True,
        absence_start=None,
        procedural_stage="none",
        wanted_level="none",
        exit_ban=False,
        passport_confiscated=False,
        details=LEGAL,
    )
    services.case_verify(case=case, by=caseworker)
    services.location_update(
        case=case,
        by=caseworker,
        country=Country.objects.get(pk="GE"),
        legal_basis="",
        region="",
        stay_expires=None,
        route_notes=ROUTE,
    )
    base = live_server.url
    case_url = f"{base}/cases/{case.reference}/"
    until = (timezone.now() + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M")

    # The evacuation group records the client's consent, then refers the case.
    _signed_in(page.context, caseworker, live_server)
    page.goto(case_url)
    page.get_by_role("link", name="Record consent").click()
    page.get_by_label("Purpose").select_option("legal_advice")
    page.get_by_label("Recipient organisation").select_option(label="Intransit")
    page.get_by_label("Testimony").check()
    page.get_by_label("Legal exposure").check()
    page.get_by_label("The client", exact=True).check()
    page.get_by_label("How the client confirmed").select_option("in_person")
    page.get_by_label("When the client confirmed").fill(
        timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    )
    page.get_by_label("Valid until").fill(until)
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(case_url)
    assert "The consent has been recorded." in page.content()

    page.get_by_role("link", name="Refer this case").click()
    page.get_by_label("Refer to").select_option(label="Intransit")
    page.get_by_label("Testimony").check()
    page.get_by_label("Legal exposure").check()
    page.get_by_label("View", exact=True).check()
    page.get_by_label("Reason").select_option("legal_review")
    page.get_by_label("Until").fill(until)
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(case_url)
    assert "The referral has been sent." in page.content()

    # The legal group accepts from "waiting for an answer" and reads what was shared.
    lawyer_context = browser.new_context()
    lawyer_page = lawyer_context.new_page()
    lawyer_page.set_default_timeout(10_000)
    _signed_in(lawyer_context, lawyer, live_server)
    lawyer_page.goto(f"{base}/cases/referrals/")
    lawyer_page.get_by_role("button", name="Accept").click()
    lawyer_page.wait_for_url(f"{base}/cases/referrals/")
    response = lawyer_page.goto(case_url)
    assert response.status == 200
    body = lawyer_page.content()
    assert TESTIMONY in body and LEGAL in body
    assert ROUTE not in body and "Иванов" not in body

    # The owner sees the lawyer's view in "who has seen this case", and revokes.
    page.goto(case_url)
    viewers = page.locator("section[aria-labelledby=viewers-heading]")
    assert "Advocate Orlova" in viewers.inner_text()
    assert ROUTE in page.content()
    page.get_by_role("button", name="Revoke").click()
    page.wait_for_url(case_url)
    assert "The referral has been revoked." in page.content()

    # The lawyer's very next page finds nothing.
    assert lawyer_page.goto(case_url).status == 404
    assert TESTIMONY not in lawyer_page.content()
    lawyer_context.close()
