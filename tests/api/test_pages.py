"""The token pages: making a token needs a fresh second factor and shows its text once; only
its digest is stored; the security page and the org admin's members page list the tokens;
revoking works once. And the API's documentation page runs under the strict CSP."""

from __future__ import annotations

import time

import pytest
from django.test import Client
from django.urls import reverse

from accounts.security import SESSION_2FA_AT
from api import services
from api.models import ApiToken, TokenKind
from audit.models import AuditEvent
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def stale(client: Client) -> Client:
    """The session's second factor was given an hour ago: outside the re-auth window."""
    session = client.session
    session[SESSION_2FA_AT] = int(time.time()) - 3600
    session.save()
    return client


def test_making_a_personal_token_needs_a_fresh_second_factor(caseworker_getlost):
    client = stale(sign_in(Client(), caseworker_getlost))
    url = reverse("api:personal_tokens")
    response = client.post(url, {"name": "laptop", "days": "7"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:reauth"))
    assert not ApiToken.objects.exists()
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["can_create"] is False


def test_a_new_token_is_shown_once_and_only_its_digest_is_stored(caseworker_getlost):
    client = sign_in(Client(), caseworker_getlost)
    response = client.post(reverse("api:personal_tokens"), {"name": "laptop", "days": "7"})
    assert response.status_code == 200
    text = response.context["issued"].text
    assert text.startswith("wpp_") and text in response.content.decode()
    token = ApiToken.objects.get()
    assert token.kind == TokenKind.PERSONAL and token.user == caseworker_getlost
    secret = text.rsplit("_", 1)[1]
    stored = " ".join(str(v) for v in ApiToken.objects.values_list().get())
    assert secret not in stored
    assert token.digest != secret
    again = client.get(reverse("api:personal_tokens"))
    assert secret not in again.content.decode()
    assert token.key_id in again.content.decode()
    event = AuditEvent.objects.get(action="api.token.created")
    assert event.actor_id == caseworker_getlost.pk
    assert secret not in str(event.data)


@pytest.mark.parametrize(
    ("days", "message"),
    [("31", "Ensure this value is less than or equal to 30."), ("0", "greater than or equal")],
)
def test_a_personal_token_lasts_thirty_days_at_most(caseworker_getlost, days, message):
    client = sign_in(Client(), caseworker_getlost)
    response = client.post(reverse("api:personal_tokens"), {"name": "laptop", "days": days})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ApiToken.objects.exists()


def test_the_service_refuses_more_than_thirty_days(caseworker_getlost):
    from django.core.exceptions import ValidationError

    org = caseworker_getlost.memberships.get().organisation
    with pytest.raises(ValidationError) as refused:
        services.personal_token_create(user=caseworker_getlost, organisation=org, name="x", days=31)
    assert refused.value.messages == [str(services.ERR_PERSONAL_DAYS)]
    assert not ApiToken.objects.exists()


def test_the_security_page_lists_live_personal_tokens(caseworker_getlost, personal_token):
    personal_token(caseworker_getlost)
    token = ApiToken.objects.get()
    page = sign_in(Client(), caseworker_getlost).get(reverse("accounts:security"))
    assert token.key_id in page.content.decode()
    services.token_revoke(token=token, by=caseworker_getlost)
    page = sign_in(Client(), caseworker_getlost).get(reverse("accounts:security"))
    assert token.key_id not in page.content.decode()


def test_the_org_admin_makes_lists_and_revokes_intake_tokens(admin_getlost):
    client = sign_in(Client(), admin_getlost)
    response = client.post(reverse("api:intake_tokens"), {"name": "hotline form", "days": "90"})
    assert response.status_code == 200
    assert response.context["issued"].text.startswith("wpi_")
    token = ApiToken.objects.get(kind=TokenKind.INTAKE)
    assert token.user is None and token.created_by == admin_getlost
    members = client.get(reverse("accounts:members"))
    assert token.key_id in members.content.decode()
    revoke = reverse("api:intake_token_revoke", args=[token.pk])
    assert client.post(revoke).status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == admin_getlost
    again = client.post(revoke, follow=True)
    assert str(services.ERR_REVOKED) in again.content.decode()
    assert AuditEvent.objects.filter(action="api.token.revoked").count() == 1


def test_a_caseworker_cannot_revoke_the_organisations_intake_token(
    admin_getlost, caseworker_getlost, intake_token
):
    intake_token(admin_getlost)
    token = ApiToken.objects.get()
    client = sign_in(Client(), caseworker_getlost)
    response = client.post(reverse("api:intake_token_revoke", args=[token.pk]))
    assert response.status_code == 403
    token.refresh_from_db()
    assert token.revoked_at is None


def test_the_documentation_page_needs_no_inline_script_and_no_cdn(client):
    response = client.get(reverse("api:docs"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>" not in html and "<style>" not in html
    assert "cdn" not in html.lower() and "https://" not in html
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    sources = [part.split('"')[0] for part in html.split('src="')[1:]]
    assert len(sources) == 3
    for source in sources:
        assert source.startswith("/"), source
        served = client.get(source)
        assert served.status_code == 200, source
        served.close()
