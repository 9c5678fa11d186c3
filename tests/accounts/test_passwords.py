"""Changing one's own password: re-authentication, validation, other sessions ending."""

from __future__ import annotations

import json
import time

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from accounts.forms.org import PASSWORDS_DIFFER
from accounts.models import UserSession
from accounts.security import SESSION_2FA_AT
from accounts.services.passwords import PASSWORD_CHANGED, SAME_PASSWORD, WRONG_PASSWORD
from audit.models import AuditEvent
from tests.conftest import sign_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a brand new passphrase for the laptop 7"


@pytest.fixture(autouse=True)
def _fresh_lockout_counters():
    # django-axes keeps its failure counts in a cache that outlives a test.
    for alias in settings.CACHES:
        caches[alias].clear()
    yield
    for alias in settings.CACHES:
        caches[alias].clear()


def _change(client: Client, current: str = PASSWORD, new: str = NEW_PASSWORD, again=None):
    return client.post(
        reverse("accounts:password_change"),
        {
            "current_password": current,
            "new_password1": new,
            "new_password2": new if again is None else again,
        },
    )


def _field_errors(response, field: str) -> list[str]:
    return [str(error) for error in response.context["form"].errors.get(field, [])]


def _unchanged(user) -> bool:
    user.refresh_from_db()
    return user.check_password(PASSWORD) and not user.check_password(NEW_PASSWORD)


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


def test_success_cycles_the_session_key_and_says_so(client, caseworker_getlost):
    sign_in(client, caseworker_getlost)
    key_before = client.session.session_key

    response = _change(client)

    assert response["Location"] == reverse("accounts:security")
    assert client.session.session_key != key_before
    assert not UserSession.objects.filter(session_key=key_before).exists()
    assert [str(m) for m in get_messages(response.wsgi_request)] == [str(PASSWORD_CHANGED)]
    # Still verified: the second factor given before the change still counts.
    assert client.get(reverse("accounts:security")).status_code == 200


def test_the_new_password_signs_in_and_the_old_one_does_not(caseworker_getlost):
    sign_in(client := Client(), caseworker_getlost)
    _change(client)
    login = reverse("accounts:login")
    email = caseworker_getlost.email

    old = Client().post(login, {"username": email, "password": PASSWORD})
    new = Client().post(login, {"username": email, "password": NEW_PASSWORD})

    assert old.status_code == 200
    assert new.status_code == 302
    assert new["Location"] == reverse("accounts:verify")


def test_the_change_is_audited_with_ids_only(client, caseworker_getlost):
    other = sign_in(Client(), caseworker_getlost)
    sign_in(client, caseworker_getlost)

    _change(client)

    event = AuditEvent.objects.get(action="auth.password.changed")
    assert event.actor_id == caseworker_getlost.pk
    assert event.data == {"count": 1}
    revoked = AuditEvent.objects.get(action="auth.session.revoked")
    assert revoked.actor_id == caseworker_getlost.pk
    assert other.session.session_key not in json.dumps(revoked.data)
    for row in AuditEvent.objects.values():
        text = json.dumps(row, default=str)
        assert caseworker_getlost.email not in text
        assert NEW_PASSWORD not in text
        assert PASSWORD not in text


def test_a_wrong_current_password_changes_nothing(client, caseworker_getlost):
    other = sign_in(Client(), caseworker_getlost)
    sign_in(client, caseworker_getlost)

    response = _change(client, current="not my password at all 1")

    assert response.status_code == 400
    assert _field_errors(response, "current_password") == [str(WRONG_PASSWORD)]
    assert _unchanged(caseworker_getlost)
    assert other.get(reverse("dashboard")).status_code == 200
    assert not AuditEvent.objects.filter(action="auth.password.changed").exists()
    # Counted like a failed sign-in against this account.
    failed = AuditEvent.objects.get(action="auth.login.failed")
    assert failed.data == {"target_user": str(caseworker_getlost.pk)}


def test_a_stale_second_factor_sends_to_reauth_and_changes_nothing(client, caseworker_getlost):
    sign_in(client, caseworker_getlost)
    session = client.session
    session[SESSION_2FA_AT] = int(time.time()) - 11 * 60
    session.save()
    page = reverse("accounts:password_change")

    posted = _change(client)
    opened = client.get(page)

    assert posted.status_code == 302
    assert posted["Location"].startswith(reverse("accounts:reauth"))
    assert opened["Location"].startswith(reverse("accounts:reauth"))
    assert "next=%2Faccounts%2Fsecurity%2Fpassword%2F" in posted["Location"]
    assert _unchanged(caseworker_getlost)


@pytest.mark.parametrize(
    ("new", "again", "field", "expected"),
    [
        ("Sh0rt&sweet", None, "new_password1", "This password is too short."),
        ("123456789012345678", None, "new_password1", "This password is entirely numeric."),
        (NEW_PASSWORD, NEW_PASSWORD + "x", "new_password2", str(PASSWORDS_DIFFER)),
        (PASSWORD, None, "new_password1", str(SAME_PASSWORD)),
    ],
)
def test_a_weak_or_mistyped_new_password_changes_nothing(
    client, caseworker_getlost, new, again, field, expected
):
    other = sign_in(Client(), caseworker_getlost)
    sign_in(client, caseworker_getlost)
    key_before = client.session.session_key

    response = _change(client, new=new, again=again)

    assert response.status_code == 400
    assert any(error.startswith(expected) for error in _field_errors(response, field))
    assert _unchanged(caseworker_getlost)
    assert client.session.session_key == key_before
    assert other.get(reverse("dashboard")).status_code == 200
    assert not AuditEvent.objects.filter(action="auth.password.changed").exists()


def test_a_password_like_the_email_address_is_refused(client, caseworker_getlost):
    sign_in(client, caseworker_getlost)

    response = _change(client, new=caseworker_getlost.email + "x")

    assert response.status_code == 400
    assert _field_errors(response, "new_password1")
    assert _unchanged(caseworker_getlost)


def test_wrong_current_passwords_run_into_the_lockout(client, caseworker_getlost, settings):
    settings.AXES_FAILURE_LIMIT = 3
    sign_in(client, caseworker_getlost)

    statuses = [_change(client, current=f"guess number {n} is wrong").status_code for n in range(3)]
    after = _change(client)

    assert statuses == [400, 400, 429]
    assert after.status_code == 429
    assert _unchanged(caseworker_getlost)


def test_the_page_shows_the_form_with_labelled_fields(client, caseworker_getlost):
    sign_in(client, caseworker_getlost)

    page = client.get(reverse("accounts:password_change")).content.decode()

    assert 'autocomplete="current-password"' in page
    assert page.count('autocomplete="new-password"') == 2
    assert '<label for="id_current_password"' in page
    assert 'name="csrfmiddlewaretoken"' in page


# Not named "page": pytest-playwright would take it for its browser fixture.
@pytest.mark.parametrize("url_name", ["accounts:sessions", "accounts:security"])
def test_the_sessions_and_security_pages_link_to_it(client, caseworker_getlost, url_name):
    sign_in(client, caseworker_getlost)

    body = client.get(reverse(url_name)).content.decode()

    assert f'href="{reverse("accounts:password_change")}"' in body
