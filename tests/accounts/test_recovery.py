"""Admin-initiated account recovery: what it disables, the one-time link, who may start it."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP

from accounts.models import Membership, UserSession
from accounts.services.auth import INVALID_LOGIN
from tests.conftest import sign_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

TOTP_KEY = b"0123456789abcdef0123"  # tests.factories.totp_device's default seed


def _code() -> str:
    return f"{TOTP(TOTP_KEY).token():06d}"


def _login(client: Client, email: str, password: str = PASSWORD):
    return client.post(reverse("accounts:login"), {"username": email, "password": password})


def test_after_recovery_the_old_password_and_the_old_code_no_longer_sign_in(
    admin_getlost, caseworker_getlost
):
    thief = sign_in(Client(), caseworker_getlost)  # the seized phone, with an open session
    admin = sign_in(Client(), admin_getlost)
    membership = Membership.objects.get(user=caseworker_getlost)

    response = admin.post(reverse("accounts:member_recover", args=[membership.pk]))

    assert response.status_code == 302
    assert not UserSession.objects.filter(user=caseworker_getlost).exists()
    assert thief.get(reverse("dashboard"))["Location"].startswith(reverse("accounts:login"))
    refused = _login(thief, caseworker_getlost.email)
    assert refused.status_code == 200
    assert str(INVALID_LOGIN) in [str(e) for e in refused.context["form"].non_field_errors()]
    # Even a session that got past the password could not pass the old app's code.
    sign_in(thief, caseworker_getlost, verified=False)
    verify = thief.post(reverse("accounts:verify"), {"code": _code()})
    assert verify.status_code == 302
    assert verify["Location"] == reverse("accounts:enrol")
    assert not caseworker_getlost.totpdevice_set.exists()
