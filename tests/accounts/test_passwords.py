"""Changing one's own password: re-authentication, validation, other sessions ending."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import UserSession
from tests.conftest import sign_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a brand new passphrase for the laptop 7"


def _change(client: Client, current: str = PASSWORD, new: str = NEW_PASSWORD, again=None):
    return client.post(
        reverse("accounts:password_change"),
        {
            "current_password": current,
            "new_password1": new,
            "new_password2": new if again is None else again,
        },
    )


def test_a_signed_in_user_changes_their_password_and_other_sessions_end(caseworker_getlost):
    phone = sign_in(Client(), caseworker_getlost)  # the lost phone, still signed in
    laptop = sign_in(Client(), caseworker_getlost)

    response = _change(laptop)

    assert response.status_code == 302
    caseworker_getlost.refresh_from_db()
    assert caseworker_getlost.check_password(NEW_PASSWORD)
    assert not caseworker_getlost.check_password(PASSWORD)
    assert UserSession.objects.filter(user=caseworker_getlost).count() == 1
    assert phone.get(reverse("dashboard")).status_code == 302
    assert laptop.get(reverse("dashboard")).status_code == 200
