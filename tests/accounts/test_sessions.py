"""Session lifetime (idle and absolute), the user's own session list, ending sessions, and the
choice of the active organisation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from accounts.middleware import SESSION_EXPIRED
from accounts.models import Role, UserSession
from accounts.security import SESSION_ORG
from accounts.selectors import session_public_id
from accounts.services.sessions import SESSION_IS_CURRENT
from audit.models import AuditEvent
from tests.conftest import sign_in
from tests.factories import MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
LOGIN = reverse("accounts:login")
DASHBOARD = reverse("dashboard")


def _is_signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# --- Idle timeout and absolute lifetime ------------------------------------------------------


def test_a_request_after_61_idle_minutes_is_signed_out(client, caseworker_getlost):
    with time_machine.travel(START, tick=False) as traveller:
        sign_in(client, caseworker_getlost)
        assert client.get(DASHBOARD).status_code == 200

        traveller.shift(timedelta(minutes=61))
        response = client.get(DASHBOARD)

    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    assert str(SESSION_EXPIRED) in _messages(response)
    assert not _is_signed_in(client)


def test_a_request_after_59_idle_minutes_is_still_signed_in(client, caseworker_getlost):
    with time_machine.travel(START, tick=False) as traveller:
        sign_in(client, caseworker_getlost)
        traveller.shift(timedelta(minutes=59))
        assert client.get(DASHBOARD).status_code == 200
        assert _is_signed_in(client)


def test_activity_keeps_the_session_alive_until_the_absolute_limit(client, caseworker_getlost):
    with time_machine.travel(START, tick=False) as traveller:
        sign_in(client, caseworker_getlost)
        # A request every 50 minutes: never idle for an hour, for 9 h 55 min in all.
        for _step in range(11):
            traveller.shift(timedelta(minutes=50))
            assert client.get(DASHBOARD).status_code == 200
        traveller.shift(timedelta(minutes=45))
        assert client.get(DASHBOARD).status_code == 200
        assert _is_signed_in(client)

        traveller.shift(timedelta(minutes=6))  # 10 h 01 min after signing in
        response = client.get(DASHBOARD)

        assert response.status_code == 302
        assert response["Location"].startswith(LOGIN)
        assert str(SESSION_EXPIRED) in _messages(response)
        assert not _is_signed_in(client)


def test_the_session_row_expires_with_the_idle_limit_not_the_cookie_age(client, caseworker_getlost):
    with time_machine.travel(START, tick=False) as traveller:
        sign_in(client, caseworker_getlost)
        assert UserSession.objects.get(user=caseworker_getlost).expire_date == START + timedelta(
            minutes=60
        )
        traveller.shift(timedelta(minutes=30))
        client.get(DASHBOARD)
        assert UserSession.objects.get(user=caseworker_getlost).expire_date == START + timedelta(
            minutes=90
        )


def test_the_session_row_never_outlives_the_absolute_limit(client, caseworker_getlost):
    with time_machine.travel(START, tick=False) as traveller:
        sign_in(client, caseworker_getlost)
        for _step in range(19):  # 9 h 30 min of activity
            traveller.shift(timedelta(minutes=30))
            client.get(DASHBOARD)
        row = UserSession.objects.get(user=caseworker_getlost)
    assert row.expire_date == START + timedelta(hours=10)


def test_a_frozen_account_is_signed_out_even_if_its_session_row_survived(
    client, caseworker_getlost, admin_getlost
):
    sign_in(client, caseworker_getlost)
    # Frozen by hand, not through the service, so that the row is still there.
    caseworker_getlost.frozen_at = datetime.now(UTC)
    caseworker_getlost.frozen_by = admin_getlost
    caseworker_getlost.save()

    response = client.get(DASHBOARD)

    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    assert not _is_signed_in(client)


# --- The session list ------------------------------------------------------------------------


def test_the_session_list_shows_my_sessions_by_public_id_never_by_key(
    client, caseworker_getlost, admin_getlost
):
    other_browser = sign_in(
        Client(HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux) Firefox/130.0"), caseworker_getlost
    )
    sign_in(Client(), admin_getlost)  # someone else's session
    sign_in(client, caseworker_getlost)

    response = client.get(reverse("accounts:sessions"))

    assert response.status_code == 200
    body = response.content.decode()
    mine = UserSession.objects.filter(user=caseworker_getlost)
    assert mine.count() == 2
    for row in UserSession.objects.all():
        assert row.session_key not in body
    for row in mine:
        assert session_public_id(row.session_key) in body or row.session_key == (
            client.session.session_key
        )
    theirs = UserSession.objects.get(user=admin_getlost)
    assert session_public_id(theirs.session_key) not in body
    assert "This session" in body
    assert session_public_id(other_browser.session.session_key) in body


def test_a_user_can_end_their_own_other_session(client, caseworker_getlost):
    phone = sign_in(Client(), caseworker_getlost)
    sign_in(client, caseworker_getlost)
    public_id = session_public_id(phone.session.session_key)

    response = client.post(reverse("accounts:session_end", args=[public_id]))

    assert response.status_code == 302
    assert not UserSession.objects.filter(session_key=phone.session.session_key).exists()
    # The phone is signed out on its very next request.
    phone_response = phone.get(DASHBOARD)
    assert phone_response.status_code == 302
    assert phone_response["Location"].startswith(LOGIN)
    assert str(SESSION_EXPIRED) in _messages(phone_response)
    # This browser is still signed in.
    assert client.get(DASHBOARD).status_code == 200
    event = AuditEvent.objects.get(action="auth.session.revoked")
    assert event.data == {"session": public_id}
    assert str(event.actor_id) == str(caseworker_getlost.pk)


def test_another_users_public_id_gives_404_and_ends_nothing(
    client, caseworker_getlost, admin_getlost
):
    theirs = sign_in(Client(), admin_getlost)
    sign_in(client, caseworker_getlost)
    public_id = session_public_id(theirs.session.session_key)

    response = client.post(reverse("accounts:session_end", args=[public_id]))

    assert response.status_code == 404
    assert UserSession.objects.filter(user=admin_getlost).count() == 1
    assert theirs.get(DASHBOARD).status_code == 200
    assert not AuditEvent.objects.filter(action="auth.session.revoked").exists()


def test_ending_the_current_session_here_is_refused_with_a_pointer_to_sign_out(
    client, caseworker_getlost
):
    sign_in(client, caseworker_getlost)
    public_id = session_public_id(client.session.session_key)

    response = client.post(reverse("accounts:session_end", args=[public_id]), follow=True)

    assert str(SESSION_IS_CURRENT) in _messages(response)
    assert _is_signed_in(client)


def test_ending_a_session_is_post_only(client, caseworker_getlost):
    phone = sign_in(Client(), caseworker_getlost)
    sign_in(client, caseworker_getlost)
    public_id = session_public_id(phone.session.session_key)

    response = client.get(reverse("accounts:session_end", args=[public_id]))

    assert response.status_code == 405
    assert phone.get(DASHBOARD).status_code == 200


def test_end_all_other_sessions_keeps_only_this_one(client, caseworker_getlost, admin_getlost):
    phone = sign_in(Client(), caseworker_getlost)
    laptop = sign_in(Client(), caseworker_getlost)
    colleague = sign_in(Client(), admin_getlost)
    sign_in(client, caseworker_getlost)

    response = client.post(reverse("accounts:sessions_end_others"))

    assert response.status_code == 302
    assert list(
        UserSession.objects.filter(user=caseworker_getlost).values_list("session_key", flat=True)
    ) == [client.session.session_key]
    assert phone.get(DASHBOARD).status_code == 302
    assert laptop.get(DASHBOARD).status_code == 302
    assert colleague.get(DASHBOARD).status_code == 200
    assert client.get(DASHBOARD).status_code == 200
    assert AuditEvent.objects.filter(action="auth.session.revoked").count() == 2


# --- Active organisation ---------------------------------------------------------------------


@pytest.fixture
def member_of_two(caseworker_getlost):
    other = OrganisationFactory(slug="intransit", name="InTransit")
    MembershipFactory(user=caseworker_getlost, organisation=other, role=Role.LAWYER)
    return caseworker_getlost, other


def test_a_member_of_two_organisations_can_switch_the_active_one(client, member_of_two):
    user, other = member_of_two
    sign_in(client, user)
    assert client.get(DASHBOARD).wsgi_request.membership.organisation.slug == "get-lost"

    response = client.post(reverse("accounts:switch_organisation"), {"organisation": other.pk})

    assert response.status_code == 302
    assert client.session[SESSION_ORG] == str(other.pk)
    after = client.get(DASHBOARD)
    assert after.wsgi_request.membership.organisation == other
    assert after.wsgi_request.membership.role == Role.LAWYER
    event = AuditEvent.objects.get(action="organisation.switched")
    assert str(event.organisation_id) == str(other.pk)


def test_switching_to_an_organisation_one_is_not_a_member_of_gives_404(
    client, caseworker_getlost, outsider
):
    sign_in(client, caseworker_getlost)
    elsewhere = outsider.memberships.get().organisation

    response = client.post(reverse("accounts:switch_organisation"), {"organisation": elsewhere.pk})
    garbage = client.post(reverse("accounts:switch_organisation"), {"organisation": "nope"})

    assert response.status_code == 404
    assert garbage.status_code == 404
    assert SESSION_ORG not in client.session
    assert not AuditEvent.objects.filter(action="organisation.switched").exists()


def test_switching_is_post_only(client, member_of_two):
    user, other = member_of_two
    sign_in(client, user)
    response = client.get(reverse("accounts:switch_organisation"), {"organisation": other.pk})
    assert response.status_code == 405


def test_a_removed_membership_no_longer_counts_as_the_active_organisation(client, member_of_two):
    user, other = member_of_two
    sign_in(client, user)
    client.post(reverse("accounts:switch_organisation"), {"organisation": other.pk})
    user.memberships.filter(organisation=other).delete()

    response = client.get(DASHBOARD)

    assert response.wsgi_request.membership.organisation.slug == "get-lost"
