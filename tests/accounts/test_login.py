"""The password step, lockout, logout, and the session key at each step of signing in."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.core.cache import caches
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP

from accounts.models import UserSession
from accounts.services.auth import INVALID_LOGIN
from audit.models import AuditEvent
from tests.factories import PASSWORD, UserFactory

LOGIN = "/accounts/login/"
TOTP_KEY = b"0123456789abcdef0123"


@pytest.fixture(autouse=True)
def _fresh_lockout_counters():
    # django-axes counts failures in a cache; transactional tests and the local-memory cache
    # would otherwise carry counts from one test into the next.
    for alias in settings.CACHES:
        caches[alias].clear()
    yield
    for alias in settings.CACHES:
        caches[alias].clear()


def _post_login(client, email, password, **extra):
    return client.post(
        LOGIN, {"username": email, "password": password, **extra.pop("data", {})}, **extra
    )


def _form_errors(response) -> list[str]:
    return [str(error) for error in response.context["form"].non_field_errors()]


def _normalised_body(response) -> bytes:
    """The page without what differs on every request (CSRF token, CSP nonce)."""
    body = response.content
    body = re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", body)
    body = re.sub(rb'nonce="[^"]+"', b"", body)
    body = re.sub(rb'"X-CSRFToken": "[^"]+"', b"", body)
    return body


def _current_code(key: bytes = TOTP_KEY) -> str:
    return f"{TOTP(key).token():06d}"


@pytest.mark.django_db
def test_it_sends_an_enrolled_user_from_the_password_to_the_second_factor(
    client, caseworker_getlost
):
    response = _post_login(client, caseworker_getlost.email, PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:verify")
    # Signed in, but only with the password.
    assert client.session["_auth_user_id"] == str(caseworker_getlost.pk)
    assert client.get("/").url.startswith(reverse("accounts:verify"))


@pytest.mark.django_db
def test_it_sends_an_account_without_a_factor_to_enrolment(client):
    user = UserFactory()

    response = _post_login(client, user.email, PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:enrol")


@pytest.mark.django_db
def test_it_accepts_the_address_in_any_case_and_with_spaces(client, caseworker_getlost):
    response = _post_login(client, f"  {caseworker_getlost.email.upper()} ", PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:verify")


@pytest.mark.django_db
def test_it_gives_an_unknown_address_and_a_wrong_password_the_same_answer(
    client, caseworker_getlost
):
    unknown = _post_login(client, "nobody-here@example.org", PASSWORD)
    wrong = _post_login(client, caseworker_getlost.email, "not the right password at all")

    assert unknown.status_code == wrong.status_code == 200
    assert _form_errors(unknown) == _form_errors(wrong) == [str(INVALID_LOGIN)]
    # The whole page is the same except for the typed address echoed into the field.
    assert _normalised_body(unknown).replace(b"nobody-here@example.org", b"") == _normalised_body(
        wrong
    ).replace(caseworker_getlost.email.encode(), b"")
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_it_refuses_a_frozen_user_with_the_same_message(client, caseworker_getlost, admin_getlost):
    caseworker_getlost.frozen_at = timezone.now()
    caseworker_getlost.frozen_by = admin_getlost
    caseworker_getlost.save()

    response = _post_login(client, caseworker_getlost.email, PASSWORD)

    assert response.status_code == 200
    assert _form_errors(response) == [str(INVALID_LOGIN)]
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_it_refuses_a_deactivated_user_with_the_same_message(client, caseworker_getlost):
    caseworker_getlost.is_active = False
    caseworker_getlost.save()

    response = _post_login(client, caseworker_getlost.email, PASSWORD)

    assert _form_errors(response) == [str(INVALID_LOGIN)]
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_it_locks_out_an_account_after_the_failure_limit_from_any_address(
    client, caseworker_getlost, settings
):
    settings.AXES_FAILURE_LIMIT = 3
    for n in range(2):
        response = _post_login(
            client, caseworker_getlost.email, "wrong password number one", REMOTE_ADDR=f"10.0.0.{n}"
        )
        assert response.status_code == 200
    locked = _post_login(
        client, caseworker_getlost.email, "wrong password number one", REMOTE_ADDR="10.0.0.9"
    )
    assert locked.status_code == 429
    assert b"Signing in is paused" in locked.content

    # Even the right password, from yet another address, is refused while the lock lasts.
    right = _post_login(client, caseworker_getlost.email, PASSWORD, REMOTE_ADDR="10.0.1.1")
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_it_locks_out_an_address_after_the_failure_limit_for_any_account(
    client, caseworker_getlost, settings
):
    settings.AXES_FAILURE_LIMIT = 3
    for n in range(3):
        _post_login(client, f"guess{n}@example.org", "some password guess", REMOTE_ADDR="10.9.9.9")

    response = _post_login(client, caseworker_getlost.email, PASSWORD, REMOTE_ADDR="10.9.9.9")

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    # Another address is not affected.
    other = _post_login(client, caseworker_getlost.email, PASSWORD, REMOTE_ADDR="10.9.9.10")
    assert other.status_code == 302


@pytest.mark.django_db
def test_the_lockout_page_is_the_same_whether_or_not_the_account_exists(
    client, caseworker_getlost, settings
):
    settings.AXES_FAILURE_LIMIT = 2
    pages = []
    for n, email in enumerate([caseworker_getlost.email, "nobody-at-all@example.org"]):
        for _ in range(2):
            response = _post_login(client, email, "wrong password guess", REMOTE_ADDR=f"10.1.{n}.1")
        assert response.status_code == 429
        pages.append(_normalised_body(response))

    assert pages[0] == pages[1]
    assert caseworker_getlost.email.encode() not in pages[0]


@pytest.mark.django_db
def test_a_frozen_account_still_runs_into_the_lockout(client, caseworker_getlost, settings):
    settings.AXES_FAILURE_LIMIT = 2
    caseworker_getlost.frozen_at = timezone.now()
    caseworker_getlost.save()

    _post_login(client, caseworker_getlost.email, PASSWORD, REMOTE_ADDR="10.2.0.1")
    response = _post_login(client, caseworker_getlost.email, PASSWORD, REMOTE_ADDR="10.2.0.2")

    assert response.status_code == 429


@pytest.mark.django_db
def test_a_success_resets_the_failure_count(client, caseworker_getlost, settings):
    settings.AXES_FAILURE_LIMIT = 3
    _post_login(client, caseworker_getlost.email, "wrong password guess", REMOTE_ADDR="10.3.0.1")
    _post_login(client, caseworker_getlost.email, "wrong password guess", REMOTE_ADDR="10.3.0.1")
    assert (
        _post_login(client, caseworker_getlost.email, PASSWORD, REMOTE_ADDR="10.3.0.1").status_code
        == 302
    )
    client.post(reverse("accounts:logout"))

    _post_login(client, caseworker_getlost.email, "wrong password guess", REMOTE_ADDR="10.3.0.1")
    response = _post_login(client, caseworker_getlost.email, PASSWORD, REMOTE_ADDR="10.3.0.1")

    assert response.status_code == 302


@pytest.mark.django_db
def test_it_keeps_a_safe_next_through_the_second_factor(client, caseworker_getlost):
    response = _post_login(
        client, caseworker_getlost.email, PASSWORD, data={"next": "/accounts/sessions/"}
    )
    assert response["Location"] == reverse("accounts:verify") + "?next=%2Faccounts%2Fsessions%2F"

    verified = client.post(
        response["Location"], {"code": _current_code(), "next": "/accounts/sessions/"}
    )

    assert verified.status_code == 302
    assert verified["Location"] == "/accounts/sessions/"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "evil", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)", "\\\\evil.example"]
)
def test_it_ignores_a_next_pointing_elsewhere(client, caseworker_getlost, evil):
    response = _post_login(client, caseworker_getlost.email, PASSWORD, data={"next": evil})
    assert response["Location"] == reverse("accounts:verify")

    verified = client.post(
        reverse("accounts:verify") + "?next=" + evil, {"code": _current_code(), "next": evil}
    )

    assert verified["Location"] == reverse("dashboard")


@pytest.mark.django_db
def test_the_session_key_changes_after_the_password_and_again_after_the_second_factor(
    client, caseworker_getlost
):
    # An anonymous session exists before signing in (as it would after any earlier visit).
    anonymous = client.session
    anonymous["probe"] = 1
    anonymous.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = anonymous.session_key
    key_before = anonymous.session_key

    _post_login(client, caseworker_getlost.email, PASSWORD)
    key_after_password = client.cookies[settings.SESSION_COOKIE_NAME].value

    response = client.post(reverse("accounts:verify"), {"code": _current_code()})
    key_after_second_factor = client.cookies[settings.SESSION_COOKIE_NAME].value

    assert response.status_code == 302
    assert len({key_before, key_after_password, key_after_second_factor}) == 3
    # The old keys are gone from the database, not just unused.
    assert not UserSession.objects.filter(session_key__in=[key_before, key_after_password]).exists()
    assert (
        UserSession.objects.get(session_key=key_after_second_factor).user_id
        == caseworker_getlost.pk
    )
    assert client.get(reverse("accounts:security")).status_code == 200


@pytest.mark.django_db
def test_logout_refuses_get(client, caseworker_getlost, signed_in):
    signed_in(caseworker_getlost)

    response = client.get(reverse("accounts:logout"))

    assert response.status_code == 405
    assert client.session["_auth_user_id"] == str(caseworker_getlost.pk)


@pytest.mark.django_db
def test_logout_ends_the_session_and_clears_site_data(client, caseworker_getlost, signed_in):
    signed_in(caseworker_getlost)
    key = client.session.session_key

    response = client.post(reverse("accounts:logout"))

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login")
    assert response["Clear-Site-Data"] == '"cache", "cookies", "storage"'
    assert not UserSession.objects.filter(session_key=key).exists()
    assert client.get("/").url.startswith(reverse("accounts:login"))


@pytest.mark.django_db
def test_a_verified_user_visiting_the_login_page_goes_to_the_dashboard(
    client, caseworker_getlost, signed_in
):
    signed_in(caseworker_getlost)

    response = client.get(LOGIN)

    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")


@pytest.mark.django_db
def test_the_login_page_is_not_cached_and_marks_its_fields(client):
    response = client.get(LOGIN)

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    body = response.content.decode()
    assert 'autocomplete="username"' in body
    assert 'autocomplete="current-password"' in body
    assert '<label for="id_username"' in body
    assert '<label for="id_password"' in body


@pytest.mark.django_db
def test_sign_in_events_are_audited_without_the_typed_address(client, caseworker_getlost):
    _post_login(client, "stranger-marker@example.org", "wrong password guess")
    _post_login(client, caseworker_getlost.email, "wrong password guess")
    _post_login(client, caseworker_getlost.email, PASSWORD)

    events = list(AuditEvent.objects.order_by("seq"))
    actions = [event.action for event in events]
    assert actions == ["auth.login.failed", "auth.login.failed", "auth.password.succeeded"]
    unknown, known, success = events
    assert unknown.actor_id is None and unknown.data == {}
    # A failure against an existing account names the account by id, for its org's admins.
    membership = caseworker_getlost.memberships.get()
    assert known.data == {"target_user": str(caseworker_getlost.pk)}
    assert known.organisation_id == membership.organisation_id
    assert success.actor_id == caseworker_getlost.pk
    assert success.organisation_id == membership.organisation_id
    for event in events:
        row = repr((event.data, event.object_id, event.object_type, event.request_id)).lower()
        assert "@" not in row and "marker" not in row


@pytest.mark.django_db
def test_the_second_factor_is_audited(client, caseworker_getlost):
    _post_login(client, caseworker_getlost.email, PASSWORD)
    client.post(
        reverse("accounts:verify"), {"code": "000000" if _current_code() != "000000" else "111111"}
    )

    assert AuditEvent.objects.filter(
        action="auth.2fa.failed", actor_id=caseworker_getlost.pk
    ).exists()
