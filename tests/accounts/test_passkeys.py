"""Passkeys through django-otp-webauthn's real endpoints (/webauthn/…), driven by a small
software authenticator: registration at first enrolment and from the security page, use as a
second factor and for re-authentication, and the rules around them."""

from __future__ import annotations

import hashlib
import json
import os
import re
import struct
import time

import cbor2
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from webauthn.helpers import bytes_to_base64url

from accounts.models import BackupCode
from accounts.security import SESSION_2FA_AT, SESSION_FRESH_BACKUP_CODES
from accounts.services.factors import LAST_FACTOR, WebAuthnCredential
from audit.models import AuditEvent
from tests.conftest import sign_in

# The browser tests' launch arguments (Debian's Chromium; skipped locally, required in CI).
from tests.e2e.conftest import browser_type_launch_args  # noqa: F401
from tests.factories import PASSWORD, UserFactory

REGISTER_BEGIN = "/webauthn/registration/begin/"
REGISTER_COMPLETE = "/webauthn/registration/complete/"
AUTH_BEGIN = "/webauthn/authentication/begin/"
AUTH_COMPLETE = "/webauthn/authentication/complete/"


class SoftAuthenticator:
    """A platform authenticator in software: an ES256 key pair, "none" attestation."""

    def __init__(self, origin: str | None = None) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(32)
        self.sign_count = 0
        self.origin = origin or settings.OTP_WEBAUTHN_ALLOWED_ORIGINS[0]

    def _cose_public_key(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        return cbor2.dumps(
            {
                1: 2,
                3: -7,
                -1: 1,
                -2: numbers.x.to_bytes(32, "big"),
                -3: numbers.y.to_bytes(32, "big"),
            }
        )

    def _client_data(self, kind: str, challenge: str) -> bytes:
        return json.dumps(
            {"type": kind, "challenge": challenge, "origin": self.origin, "crossOrigin": False}
        ).encode()

    def create(self, options: dict) -> dict:
        rp_hash = hashlib.sha256(options["rp"]["id"].encode()).digest()
        flags = 0x01 | 0x04 | 0x40  # user present, user verified, attested credential data
        auth_data = (
            rp_hash
            + bytes([flags])
            + struct.pack(">I", self.sign_count)
            + bytes(16)  # AAGUID
            + struct.pack(">H", len(self.credential_id))
            + self.credential_id
            + self._cose_public_key()
        )
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        cid = bytes_to_base64url(self.credential_id)
        return {
            "id": cid,
            "rawId": cid,
            "type": "public-key",
            "response": {
                "clientDataJSON": bytes_to_base64url(
                    self._client_data("webauthn.create", options["challenge"])
                ),
                "attestationObject": bytes_to_base64url(attestation),
                "transports": ["internal"],
            },
            "clientExtensionResults": {"credProps": {"rk": True}},
            "authenticatorAttachment": "platform",
        }

    def get(self, options: dict, *, tamper: bool = False) -> dict:
        self.sign_count += 1
        rp_hash = hashlib.sha256(options["rpId"].encode()).digest()
        auth_data = rp_hash + bytes([0x01 | 0x04]) + struct.pack(">I", self.sign_count)
        client_data = self._client_data("webauthn.get", options["challenge"])
        signature = self.key.sign(
            auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256())
        )
        if tamper:
            client_data = client_data.replace(b"webauthn.get", b"webauthn.got")
        cid = bytes_to_base64url(self.credential_id)
        return {
            "id": cid,
            "rawId": cid,
            "type": "public-key",
            "response": {
                "clientDataJSON": bytes_to_base64url(client_data),
                "authenticatorData": bytes_to_base64url(auth_data),
                "signature": bytes_to_base64url(signature),
            },
            "clientExtensionResults": {},
            "authenticatorAttachment": "platform",
        }


def _post_json(client, url: str, body: dict | None = None):
    return client.post(url, data=json.dumps(body or {}), content_type="application/json")


def register(client, authenticator: SoftAuthenticator):
    begin = client.post(REGISTER_BEGIN)
    assert begin.status_code == 200, begin.content
    return _post_json(client, REGISTER_COMPLETE, authenticator.create(begin.json()))


def authenticate(client, authenticator: SoftAuthenticator, *, next_url: str = "", tamper=False):
    begin = client.post(AUTH_BEGIN)
    assert begin.status_code == 200, begin.content
    url = AUTH_COMPLETE + (f"?next={next_url}" if next_url else "")
    return _post_json(client, url, authenticator.get(begin.json(), tamper=tamper))


def _stale(client) -> None:
    session = client.session
    session[SESSION_2FA_AT] = int(time.time()) - 3600
    session.save()


@pytest.fixture
def passkey_user(client):
    """An account whose only factor is a passkey, registered through the endpoints."""
    user = UserFactory()
    sign_in(client, user, verified=False)
    authenticator = SoftAuthenticator()
    assert register(client, authenticator).status_code == 200
    client.post(reverse("accounts:logout"))
    return user, authenticator


@pytest.mark.django_db
def test_a_first_passkey_enrols_verifies_the_session_and_prepares_backup_codes(client):
    user = UserFactory()
    sign_in(client, user, verified=False)
    key_before = client.session.session_key

    response = register(client, SoftAuthenticator())

    assert response.status_code == 200
    credential = WebAuthnCredential.objects.get(user=user)
    assert response.json() == {"id": credential.pk}
    assert client.session[DEVICE_ID_SESSION_KEY] == credential.persistent_id
    assert client.session.session_key != key_before
    assert client.session.get(SESSION_FRESH_BACKUP_CODES)
    assert BackupCode.objects.filter(device__user=user).count() == 10
    page = client.get(reverse("accounts:backup_codes")).content.decode()
    assert len(re.findall(r"<code>[A-Z2-7-]{19}</code>", page)) == 10
    added = AuditEvent.objects.get(action="auth.factor.added")
    assert added.data == {"factor": "passkey"} and added.actor_id == user.pk
    assert client.get(reverse("accounts:security")).status_code == 200


@pytest.mark.django_db
def test_a_password_only_session_of_an_enrolled_user_cannot_register_a_passkey(
    client, caseworker_getlost
):
    sign_in(client, caseworker_getlost, verified=False)

    begin = client.post(REGISTER_BEGIN)
    complete = _post_json(client, REGISTER_COMPLETE, {})

    for response in (begin, complete):
        assert response.status_code == 302
        assert response["Location"] == reverse("accounts:verify")
    assert not WebAuthnCredential.objects.exists()


@pytest.mark.django_db
def test_the_library_check_also_refuses_it_behind_the_middleware(
    client, caseworker_getlost, settings
):
    # Defence in depth: without our middleware, django-otp-webauthn itself must still refuse.
    settings.MIDDLEWARE = [
        m for m in settings.MIDDLEWARE if m != "accounts.middleware.SecondFactorRequiredMiddleware"
    ]
    sign_in(client, caseworker_getlost, verified=False)

    response = client.post(REGISTER_BEGIN)

    assert response.status_code == 403
    assert response.json()["code"] == "user_not_verified"


@pytest.mark.django_db
def test_adding_a_passkey_later_needs_a_recent_second_factor(client, caseworker_getlost):
    sign_in(client, caseworker_getlost)
    _stale(client)

    response = client.post(REGISTER_BEGIN)

    assert response.status_code == 403
    assert response.json()["code"] == "reauth_required"
    assert not WebAuthnCredential.objects.exists()


@pytest.mark.django_db
def test_a_verified_user_adds_a_passkey_from_the_security_page(client, caseworker_getlost):
    sign_in(client, caseworker_getlost)
    device_before = client.session[DEVICE_ID_SESSION_KEY]
    page = client.get(reverse("accounts:security")).content.decode()
    assert 'id="passkey-register-button"' in page

    response = register(client, SoftAuthenticator())

    assert response.status_code == 200
    assert WebAuthnCredential.objects.filter(user=caseworker_getlost).count() == 1
    # The session keeps the factor it was verified with; no new backup codes appear.
    assert client.session[DEVICE_ID_SESSION_KEY] == device_before
    assert not BackupCode.objects.exists()


@pytest.mark.django_db
def test_a_passkey_is_a_second_factor_after_the_password(client, passkey_user):
    user, authenticator = passkey_user
    sign_in(client, user, verified=False)
    verify_page = client.get(reverse("accounts:verify")).content.decode()
    assert 'id="passkey-verification-placeholder"' in verify_page
    key_before = client.session.session_key

    response = authenticate(client, authenticator, next_url="/accounts/sessions/")

    assert response.status_code == 200
    credential = WebAuthnCredential.objects.get(user=user)
    assert response.json() == {"id": credential.pk, "redirect_url": "/accounts/sessions/"}
    assert client.session[DEVICE_ID_SESSION_KEY] == credential.persistent_id
    assert client.session.session_key != key_before
    assert client.session[SESSION_2FA_AT] >= int(time.time()) - 5
    event = AuditEvent.objects.filter(action="auth.2fa.succeeded").get()
    assert event.data == {"factor": "passkey"} and event.actor_id == user.pk
    assert client.get(reverse("accounts:security")).status_code == 200


@pytest.mark.django_db
def test_the_passkey_redirect_ignores_an_unsafe_next(client, passkey_user):
    user, authenticator = passkey_user
    sign_in(client, user, verified=False)

    response = authenticate(client, authenticator, next_url="https://evil.example/")

    assert response.json()["redirect_url"] == reverse("dashboard")


@pytest.mark.django_db
def test_a_forged_assertion_is_refused_and_audited(client, passkey_user):
    user, authenticator = passkey_user
    sign_in(client, user, verified=False)

    response = authenticate(client, authenticator, tamper=True)

    assert response.status_code == 422
    assert DEVICE_ID_SESSION_KEY not in client.session
    failed = AuditEvent.objects.get(action="auth.2fa.failed")
    assert failed.data["factor"] == "passkey"
    assert client.get(reverse("accounts:security")).status_code == 302


@pytest.mark.django_db
def test_an_assertion_cannot_be_replayed(client, passkey_user):
    user, authenticator = passkey_user
    sign_in(client, user, verified=False)
    begin = client.post(AUTH_BEGIN).json()
    assertion = authenticator.get(begin)
    assert _post_json(client, AUTH_COMPLETE, assertion).status_code == 200

    other = client.__class__()
    sign_in(other, user, verified=False)
    other.post(AUTH_BEGIN)
    replayed = _post_json(other, AUTH_COMPLETE, assertion)

    assert replayed.status_code == 422
    assert DEVICE_ID_SESSION_KEY not in other.session


@pytest.mark.django_db
def test_someone_elses_passkey_is_refused(client, passkey_user, caseworker_getlost):
    _user, authenticator = passkey_user
    sign_in(client, caseworker_getlost, verified=False)

    response = authenticate(client, authenticator)

    assert response.status_code == 403
    assert DEVICE_ID_SESSION_KEY not in client.session


@pytest.mark.django_db
def test_passkeys_never_sign_in_without_a_password(client, passkey_user):
    response = client.post(AUTH_BEGIN)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_a_passkey_re_authenticates_a_verified_session(client, passkey_user):
    user, authenticator = passkey_user
    sign_in(client, user, verified=False)
    assert authenticate(client, authenticator).status_code == 200
    _stale(client)

    response = authenticate(client, authenticator, next_url="/accounts/security/backup-codes/")

    assert response.json()["redirect_url"] == "/accounts/security/backup-codes/"
    assert client.session[SESSION_2FA_AT] >= int(time.time()) - 5
    event = AuditEvent.objects.get(action="auth.reauth.succeeded")
    assert event.data == {"factor": "passkey"}


@pytest.mark.django_db
def test_the_last_passkey_cannot_be_removed(client, passkey_user):
    user, authenticator = passkey_user
    sign_in(client, user, verified=False)
    authenticate(client, authenticator)
    credential = WebAuthnCredential.objects.get(user=user)

    response = client.post(reverse("accounts:passkey_remove", args=[credential.pk]), follow=True)

    assert WebAuthnCredential.objects.filter(pk=credential.pk).exists()
    assert str(LAST_FACTOR) in response.content.decode()


@pytest.mark.django_db
def test_a_passkey_is_removed_when_another_factor_remains(client, caseworker_getlost):
    sign_in(client, caseworker_getlost)
    register(client, SoftAuthenticator())
    credential = WebAuthnCredential.objects.get(user=caseworker_getlost)

    response = client.post(reverse("accounts:passkey_remove", args=[credential.pk]))

    assert response["Location"] == reverse("accounts:security")
    assert not WebAuthnCredential.objects.filter(pk=credential.pk).exists()
    assert AuditEvent.objects.get(action="auth.factor.removed").data == {"factor": "passkey"}


@pytest.mark.django_db
def test_removing_someone_elses_passkey_is_not_found(client, passkey_user, caseworker_getlost):
    user, _authenticator = passkey_user
    credential = WebAuthnCredential.objects.get(user=user)
    sign_in(client, caseworker_getlost)

    response = client.post(reverse("accounts:passkey_remove", args=[credential.pk]))

    assert response.status_code == 404
    assert WebAuthnCredential.objects.filter(pk=credential.pk).exists()


@pytest.mark.django_db
def test_the_passkey_scripts_carry_the_csp_nonce_and_no_inline_code(client, passkey_user):
    user, _authenticator = passkey_user
    sign_in(client, user, verified=False)

    response = client.get(reverse("accounts:verify"))
    body = response.content.decode()
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)

    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", body, flags=re.S)
    assert any("otp_webauthn_auth.js" in attrs for attrs, _ in scripts)
    for attrs, content in scripts:
        if 'type="application/json"' in attrs:
            continue  # data, not code
        assert f'nonce="{nonce}"' in attrs
        assert content.strip() == "", "no inline code"
    assert "style=" not in body


@pytest.mark.django_db
def test_the_enrolment_page_offers_a_passkey_first(client):
    user = UserFactory()
    sign_in(client, user, verified=False)

    body = client.get(reverse("accounts:enrol")).content.decode()

    assert body.index('id="passkey-registration-placeholder"') < body.index(
        reverse("accounts:totp_enrol")
    )
    assert f'data-done-url="{reverse("accounts:backup_codes")}"' in body
    assert "waypoint/passkeys.js" in body


# --- In a real browser -------------------------------------------------------------------------


@pytest.mark.e2e
def test_a_browser_enrols_a_passkey_and_signs_in_with_it(page, live_server, settings):
    """Chromium with a virtual authenticator (CDP): the library's scripts run under our CSP,
    register at first enrolment, lead to the backup codes, and verify the next sign-in."""
    from playwright.sync_api import expect

    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [live_server.url]
    page.set_default_timeout(10_000)
    user = UserFactory()
    problems: list[str] = []
    page.on(
        "console",
        lambda msg: problems.append(msg.text) if msg.type in ("error", "warning") else None,
    )
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )

    def sign_in_with_password() -> None:
        page.goto(f"{live_server.url}/accounts/login/")
        page.locator("#id_username").fill(user.email)
        page.locator("#id_password").fill(PASSWORD)
        page.get_by_role("button", name="Continue").click()

    sign_in_with_password()
    expect(page).to_have_url(re.compile(r"/accounts/security/enrol/$"))
    # The passkey scripts are deferred: click only once they have attached their handlers.
    page.wait_for_load_state("load")
    page.get_by_role("button", name="Create a passkey").click()
    expect(page).to_have_url(re.compile(r"/accounts/security/backup-codes/$"))
    expect(page.locator("#backup-codes li")).to_have_count(10)
    assert WebAuthnCredential.objects.filter(user=user).count() == 1

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    sign_in_with_password()
    expect(page).to_have_url(re.compile(r"/accounts/verify/"))
    page.wait_for_load_state("load")
    page.get_by_role("button", name="Use your passkey").click()
    expect(page).to_have_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/accounts/security/")
    expect(page.get_by_role("heading", name="How you sign in")).to_be_visible()
    assert AuditEvent.objects.filter(action="auth.2fa.succeeded", data__factor="passkey").exists()
    # No script error and no Content-Security-Policy violation on any page of the journey.
    assert problems == []
