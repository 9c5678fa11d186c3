"""Organisation admin pages: who may reach them, role changes, removal, freezing."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from accounts.middleware import SESSION_EXPIRED
from accounts.models import Invitation, Membership, Role, User, UserSession
from accounts.security import SESSION_2FA_AT
from accounts.services.members import (
    CANNOT_FREEZE_SELF,
    LAST_ADMIN,
    MEMBER_FROZEN,
    ROLE_CHANGED,
)
from audit.models import AuditEvent
from tests.conftest import sign_in
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory, totp_device

pytestmark = pytest.mark.django_db

MEMBERS = reverse("accounts:members")
INVITE = reverse("accounts:invite")
LOGIN = reverse("accounts:login")
DASHBOARD = reverse("dashboard")


def _membership(user: User) -> Membership:
    return user.memberships.get()


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def _make_reauth_stale(client: Client) -> None:
    session = client.session
    session[SESSION_2FA_AT] = int(time.time()) - 11 * 60
    session.save()


@pytest.fixture
def invitation_getlost(admin_getlost):
    return Invitation.objects.create(
        email="new.person@example.net",
        organisation=_membership(admin_getlost).organisation,
        role=Role.CASEWORKER,
        token_hash="0" * 64,
        invited_by=admin_getlost,
        expires_at=timezone.now() + timedelta(hours=72),
    )


@pytest.fixture
def no_org_user(db):
    """Signed in with both factors, but a member of no organisation."""
    user = UserFactory()
    totp_device(user)
    return user


# --- Who may reach the pages -----------------------------------------------------------------

LIST_PAGES = [MEMBERS, INVITE]


@pytest.mark.parametrize("url", LIST_PAGES)
def test_list_pages_give_an_org_admin_200(client, admin_getlost, url):
    sign_in(client, admin_getlost)
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("url", LIST_PAGES)
def test_list_pages_give_a_member_without_the_role_403(client, caseworker_getlost, url):
    sign_in(client, caseworker_getlost)
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("url", LIST_PAGES)
def test_list_pages_give_someone_in_no_organisation_404(client, no_org_user, url):
    sign_in(client, no_org_user)
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("url", LIST_PAGES)
def test_list_pages_send_anonymous_visitors_to_sign_in(client, db, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_an_admin_of_another_organisation_sees_only_their_own_members(
    client, admin_getlost, caseworker_getlost, make_member
):
    other_admin = make_member("elsewhere", Role.ORG_ADMIN)
    sign_in(client, other_admin)

    body = client.get(MEMBERS).content.decode()

    assert other_admin.email in body
    assert caseworker_getlost.email not in body
    assert admin_getlost.email not in body


def _object_requests(target: Membership, invitation: Invitation):
    """(method, url, status for an org admin) for every page that acts on one object."""
    return [
        ("get", reverse("accounts:member_role", args=[target.pk]), 200),
        ("get", reverse("accounts:member_remove", args=[target.pk]), 200),
        ("post", reverse("accounts:member_role", args=[target.pk]), 400),
        ("post", reverse("accounts:member_remove", args=[target.pk]), 302),
        ("post", reverse("accounts:member_freeze", args=[target.pk]), 302),
        ("post", reverse("accounts:member_unfreeze", args=[target.pk]), 302),
        ("post", reverse("accounts:invitation_revoke", args=[invitation.pk]), 302),
    ]


@pytest.mark.parametrize("index", range(7))
def test_object_pages_give_an_outsider_404_and_change_nothing(
    client, admin_getlost, caseworker_getlost, outsider, invitation_getlost, index
):
    method, url, _ok = _object_requests(_membership(caseworker_getlost), invitation_getlost)[index]
    sign_in(client, outsider)
    response = getattr(client, method)(url)
    assert response.status_code == 404
    assert Membership.objects.filter(user=caseworker_getlost).exists()
    assert not AuditEvent.objects.filter(action__startswith="member.").exists()


@pytest.mark.parametrize("index", range(7))
def test_object_pages_give_an_admin_of_another_organisation_404(
    client, admin_getlost, caseworker_getlost, make_member, invitation_getlost, index
):
    method, url, _ok = _object_requests(_membership(caseworker_getlost), invitation_getlost)[index]
    sign_in(client, make_member("elsewhere", Role.ORG_ADMIN))
    assert getattr(client, method)(url).status_code == 404


@pytest.mark.parametrize("index", range(7))
def test_object_pages_give_a_member_without_the_role_403(
    client, admin_getlost, caseworker_getlost, make_member, invitation_getlost, index
):
    colleague = make_member("get-lost", Role.LAWYER)
    method, url, _ok = _object_requests(_membership(caseworker_getlost), invitation_getlost)[index]
    sign_in(client, colleague)
    assert getattr(client, method)(url).status_code == 403
    assert not AuditEvent.objects.filter(action__startswith="member.").exists()


@pytest.mark.parametrize("index", range(7))
def test_object_pages_answer_an_org_admin(
    client, admin_getlost, caseworker_getlost, invitation_getlost, index
):
    method, url, ok = _object_requests(_membership(caseworker_getlost), invitation_getlost)[index]
    sign_in(client, admin_getlost)
    assert getattr(client, method)(url).status_code == ok


def test_an_unknown_member_id_gives_404(client, admin_getlost):
    sign_in(client, admin_getlost)
    url = reverse("accounts:member_freeze", args=["6f1c4a3e-0000-4000-8000-000000000000"])
    assert client.post(url).status_code == 404


# --- The members list ------------------------------------------------------------------------


def test_the_members_page_lists_members_with_role_state_and_factors(
    client, admin_getlost, caseworker_getlost, invitation_getlost, make_member
):
    without_factor = make_member("get-lost", Role.LAWYER, totp=False)
    without_factor.display_name = "Nadia"
    without_factor.save()
    sign_in(client, admin_getlost)

    response = client.get(MEMBERS)

    body = response.content.decode()
    members = {m.user.email: m for m in response.context["members"]}
    assert set(members) == {admin_getlost.email, caseworker_getlost.email, without_factor.email}
    assert members[caseworker_getlost.email].has_factor is True
    assert members[without_factor.email].has_factor is False
    assert "Nadia" in body
    assert "Not enrolled" in body
    assert "Lawyer" in body
    assert invitation_getlost.email in body
    assert [i.pk for i in response.context["invitations"]] == [invitation_getlost.pk]


def test_the_members_page_costs_the_same_queries_for_many_members(
    client, admin_getlost, make_member
):
    sign_in(client, admin_getlost)
    client.get(MEMBERS)  # the navigation's triage badge is cached from here on
    with CaptureQueriesContext(connection) as few:
        client.get(MEMBERS)
    for _ in range(6):
        make_member("get-lost", Role.CASEWORKER)
    client.get(MEMBERS)
    with CaptureQueriesContext(connection) as many:
        response = client.get(MEMBERS)
    assert len(response.context["members"]) == 7
    assert len(many.captured_queries) == len(few.captured_queries)


# --- Role changes and removal ----------------------------------------------------------------


def test_the_last_org_admin_cannot_be_demoted(client, admin_getlost, caseworker_getlost):
    sign_in(client, admin_getlost)
    own = _membership(admin_getlost)

    response = client.post(
        reverse("accounts:member_role", args=[own.pk]), {"role": Role.CASEWORKER}
    )

    assert response.status_code == 400
    assert escape(str(LAST_ADMIN)) in response.content.decode()
    own.refresh_from_db()
    assert own.role == Role.ORG_ADMIN
    assert not AuditEvent.objects.filter(action="member.role_changed").exists()


def test_the_last_org_admin_cannot_be_removed(client, admin_getlost, caseworker_getlost):
    sign_in(client, admin_getlost)
    own = _membership(admin_getlost)

    response = client.post(reverse("accounts:member_remove", args=[own.pk]))

    assert response.status_code == 400
    assert escape(str(LAST_ADMIN)) in response.content.decode()
    assert Membership.objects.filter(pk=own.pk, role=Role.ORG_ADMIN).exists()
    assert not AuditEvent.objects.filter(action="member.removed").exists()


def test_a_frozen_second_admin_does_not_count_as_the_remaining_admin(
    client, admin_getlost, make_member
):
    other = make_member("get-lost", Role.ORG_ADMIN)
    other.frozen_at = other.date_joined
    other.save()
    sign_in(client, admin_getlost)
    own = _membership(admin_getlost)

    response = client.post(reverse("accounts:member_role", args=[own.pk]), {"role": Role.LAWYER})

    assert response.status_code == 400
    own.refresh_from_db()
    assert own.role == Role.ORG_ADMIN


def test_an_admin_can_step_down_when_another_admin_remains(client, admin_getlost, make_member):
    make_member("get-lost", Role.ORG_ADMIN)
    sign_in(client, admin_getlost)
    own = _membership(admin_getlost)

    response = client.post(reverse("accounts:member_role", args=[own.pk]), {"role": Role.LAWYER})

    assert response.status_code == 302
    assert response["Location"] == DASHBOARD  # the members page is no longer theirs to see
    own.refresh_from_db()
    assert own.role == Role.LAWYER
    assert client.get(MEMBERS).status_code == 403


def test_a_role_change_is_saved_and_audited(client, admin_getlost, caseworker_getlost):
    sign_in(client, admin_getlost)
    target = _membership(caseworker_getlost)

    response = client.post(
        reverse("accounts:member_role", args=[target.pk]), {"role": Role.LAWYER}, follow=True
    )

    assert str(ROLE_CHANGED) in [str(m) for m in response.context["messages"]]
    target.refresh_from_db()
    assert target.role == Role.LAWYER
    event = AuditEvent.objects.get(action="member.role_changed")
    assert event.data == {
        "old_role": "caseworker",
        "new_role": "lawyer",
        "target_user": str(caseworker_getlost.pk),
    }
    assert str(event.actor_id) == str(admin_getlost.pk)
    assert str(event.organisation_id) == str(target.organisation_id)


def test_an_unknown_role_is_refused(client, admin_getlost, caseworker_getlost):
    sign_in(client, admin_getlost)
    target = _membership(caseworker_getlost)
    response = client.post(reverse("accounts:member_role", args=[target.pk]), {"role": "king"})
    assert response.status_code == 400
    target.refresh_from_db()
    assert target.role == Role.CASEWORKER


def test_a_role_change_requires_a_recent_second_factor(client, admin_getlost, caseworker_getlost):
    sign_in(client, admin_getlost)
    _make_reauth_stale(client)
    target = _membership(caseworker_getlost)
    url = reverse("accounts:member_role", args=[target.pk])

    response = client.post(url, {"role": Role.LAWYER})

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:reauth')}?next={url.replace('/', '%2F')}"
    target.refresh_from_db()
    assert target.role == Role.CASEWORKER


def test_removal_requires_a_recent_second_factor(client, admin_getlost, caseworker_getlost):
    sign_in(client, admin_getlost)
    _make_reauth_stale(client)
    target = _membership(caseworker_getlost)

    response = client.post(reverse("accounts:member_remove", args=[target.pk]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:reauth") + "?next=")
    assert Membership.objects.filter(pk=target.pk).exists()


def test_inviting_requires_a_recent_second_factor(client, admin_getlost):
    sign_in(client, admin_getlost)
    _make_reauth_stale(client)

    response = client.get(INVITE)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:reauth')}?next=%2Forg%2Fmembers%2Finvite%2F"


def test_a_removed_member_loses_the_organisation_at_once(client, admin_getlost, caseworker_getlost):
    member_browser = sign_in(Client(), caseworker_getlost)
    assert member_browser.get(DASHBOARD).wsgi_request.membership is not None
    sign_in(client, admin_getlost)
    target = _membership(caseworker_getlost)

    response = client.post(reverse("accounts:member_remove", args=[target.pk]))

    assert response.status_code == 302
    assert not Membership.objects.filter(pk=target.pk).exists()
    assert User.objects.filter(pk=caseworker_getlost.pk).exists()
    assert member_browser.get(DASHBOARD).wsgi_request.membership is None
    event = AuditEvent.objects.get(action="member.removed")
    assert event.data == {"role": "caseworker", "target_user": str(caseworker_getlost.pk)}


def test_role_change_and_removal_are_not_done_by_get(client, admin_getlost, caseworker_getlost):
    sign_in(client, admin_getlost)
    target = _membership(caseworker_getlost)
    client.get(reverse("accounts:member_role", args=[target.pk]), {"role": Role.LAWYER})
    client.get(reverse("accounts:member_remove", args=[target.pk]))
    target.refresh_from_db()
    assert target.role == Role.CASEWORKER


# --- Freezing --------------------------------------------------------------------------------


def test_freeze_kills_another_clients_session_on_its_next_request(
    client, admin_getlost, caseworker_getlost
):
    phone = sign_in(Client(), caseworker_getlost)
    laptop = sign_in(Client(), caseworker_getlost)
    assert phone.get(DASHBOARD).status_code == 200
    sign_in(client, admin_getlost)

    response = client.post(
        reverse("accounts:member_freeze", args=[_membership(caseworker_getlost).pk]),
        follow=True,
    )

    assert str(MEMBER_FROZEN) in [str(m) for m in response.context["messages"]]
    assert not UserSession.objects.filter(user=caseworker_getlost).exists()
    for browser in (phone, laptop):
        after = browser.get(DASHBOARD)
        assert after.status_code == 302
        assert after["Location"].startswith(LOGIN)
        assert str(SESSION_EXPIRED) in _messages(after)
        assert "_auth_user_id" not in browser.session
    caseworker_getlost.refresh_from_db()
    assert caseworker_getlost.is_frozen
    assert caseworker_getlost.frozen_by == admin_getlost
    event = AuditEvent.objects.get(action="member.frozen")
    assert event.data == {"count": 2, "target_user": str(caseworker_getlost.pk)}
    # The admin's own session is untouched.
    assert client.get(DASHBOARD).status_code == 200


def test_a_frozen_member_cannot_use_a_new_session_either(client, admin_getlost, caseworker_getlost):
    sign_in(client, admin_getlost)
    client.post(reverse("accounts:member_freeze", args=[_membership(caseworker_getlost).pk]))
    later = sign_in(Client(), caseworker_getlost)
    response = later.get(DASHBOARD)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_an_admin_cannot_freeze_themselves(client, admin_getlost, make_member):
    make_member("get-lost", Role.ORG_ADMIN)
    sign_in(client, admin_getlost)

    response = client.post(
        reverse("accounts:member_freeze", args=[_membership(admin_getlost).pk]), follow=True
    )

    assert str(CANNOT_FREEZE_SELF) in [str(m) for m in response.context["messages"]]
    admin_getlost.refresh_from_db()
    assert not admin_getlost.is_frozen
    assert UserSession.objects.filter(user=admin_getlost).exists()
    assert not AuditEvent.objects.filter(action="member.frozen").exists()


def test_freezing_is_post_only(client, admin_getlost, caseworker_getlost):
    sign_in(client, admin_getlost)
    url = reverse("accounts:member_freeze", args=[_membership(caseworker_getlost).pk])
    assert client.get(url).status_code == 405
    caseworker_getlost.refresh_from_db()
    assert not caseworker_getlost.is_frozen


def test_unfreezing_lets_the_member_sign_in_again(client, admin_getlost, caseworker_getlost):
    sign_in(client, admin_getlost)
    target = _membership(caseworker_getlost)
    client.post(reverse("accounts:member_freeze", args=[target.pk]))

    response = client.post(reverse("accounts:member_unfreeze", args=[target.pk]))

    assert response.status_code == 302
    caseworker_getlost.refresh_from_db()
    assert not caseworker_getlost.is_frozen
    assert caseworker_getlost.frozen_by is None
    assert sign_in(Client(), caseworker_getlost).get(DASHBOARD).status_code == 200
    assert AuditEvent.objects.filter(action="member.unfrozen").count() == 1


# --- Invitations on the admin side -----------------------------------------------------------


def test_an_admin_can_withdraw_a_pending_invitation(client, admin_getlost, invitation_getlost):
    sign_in(client, admin_getlost)

    response = client.post(reverse("accounts:invitation_revoke", args=[invitation_getlost.pk]))

    assert response.status_code == 302
    invitation_getlost.refresh_from_db()
    assert invitation_getlost.revoked_at is not None
    event = AuditEvent.objects.get(action="invitation.revoked")
    assert event.object_id == str(invitation_getlost.pk)
    assert invitation_getlost.email not in str(event.data)


def test_a_member_of_two_organisations_is_judged_by_the_objects_organisation(
    client, caseworker_getlost, admin_getlost
):
    # Org admin in InTransit, caseworker in Get Lost: Get Lost's members are 403, not 404.
    intransit = OrganisationFactory(slug="intransit", name="InTransit")
    MembershipFactory(user=caseworker_getlost, organisation=intransit, role=Role.ORG_ADMIN)
    sign_in(client, caseworker_getlost)
    target = _membership(admin_getlost)
    assert client.post(reverse("accounts:member_freeze", args=[target.pk])).status_code == 403
