"""The Django admin: only staff who passed a second factor, and never a secret on screen."""

from __future__ import annotations

import base64

import pytest
from django.urls import reverse

from accounts.models import BackupCode, TOTPDevice
from accounts.services.factors import backup_codes_generate
from tests.conftest import sign_in
from tests.factories import UserFactory, totp_device

SEED = b"a seed nobody may see"


@pytest.fixture
def staff(db):
    """A platform admin (staff superuser) with an authenticator app and backup codes."""
    user = UserFactory(is_staff=True, is_superuser=True)
    totp_device(user, key=SEED)
    return user


@pytest.fixture
def member(db):
    """An ordinary account whose change page the platform admin opens."""
    user = UserFactory()
    totp_device(user, key=SEED)
    backup_codes_generate(user=user)
    return user


def test_a_password_only_staff_session_is_turned_away_from_the_admin(client, staff):
    sign_in(client, staff, verified=False)
    for url in (reverse("admin:index"), reverse("admin:accounts_user_changelist")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:verify"))


def test_a_verified_member_who_is_not_staff_cannot_open_the_admin(client, member):
    sign_in(client, member)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    # The admin's login page sends to ours, which sends a signed-in member home.
    response = client.get(reverse("admin:index"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("dashboard")
    assert b"Site administration" not in response.content


def test_the_admin_has_no_password_only_login_page(client, db):
    response = client.get(reverse("admin:login"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login")


def test_a_verified_superuser_opens_a_user_without_seeing_any_secret(client, staff, member):
    sign_in(client, staff)
    response = client.get(reverse("admin:accounts_user_change", args=[member.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert member.email in page
    member.refresh_from_db()
    device = TOTPDevice.objects.get(user=member)
    secrets = {
        "password hash": member.password,
        "password hash body": member.password.split("$")[-1],
        "seed (hex)": SEED.hex(),
        "seed (base32)": base64.b32encode(SEED).decode().rstrip("="),
        "sealed seed (hex)": bytes(device.sealed_key).hex()[:32],
        "sealed seed (base64)": base64.b64encode(bytes(device.sealed_key)).decode()[:24],
    }
    for code in BackupCode.objects.filter(device__user=member):
        secrets[f"backup code hash {code.pk}"] = code.code_hash
        secrets[f"backup code hash body {code.pk}"] = code.code_hash.split("$")[-1]
    leaked = [name for name, value in secrets.items() if value and value in page]
    assert leaked == []
    assert 'name="password"' not in page


def test_the_admin_lists_no_device_or_session_models(client, staff):
    sign_in(client, staff)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    page = response.content.decode().lower()
    for model in ("totpdevice", "backupcode", "usersession", "webauthncredential"):
        assert f"/admin/accounts/{model}/" not in page
    assert "/admin/django_otp_webauthn/" not in page
