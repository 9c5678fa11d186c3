"""Invitations: sending, the e-mail, opening the link, accepting, and every way it can fail."""

from __future__ import annotations

import hashlib
import re
import socket
import threading
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.db import close_old_connections, connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from accounts.forms.org import PASSWORDS_DIFFER
from accounts.models import Invitation, Membership, Organisation, Role, User, UserSession
from accounts.security import SESSION_ORG
from accounts.services.invitations import (
    ALREADY_MEMBER,
    EMAIL_NOT_SENT,
    INVITATION_ACCOUNT_EXISTS,
    INVITATION_EXPIRED,
    INVITATION_REVOKED,
    INVITATION_UNKNOWN,
    INVITATION_USED,
    INVITATION_WRONG_EMAIL,
    SESSION_INVITATION,
    YOU_ARE_ALREADY_MEMBER,
    InvitationError,
    invitation_accept_new_user,
    token_hash,
)
from audit.models import AuditEvent
from tests.conftest import require_service, sign_in
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

INVITEE = "new.caseworker@example.net"
NEW_PASSWORD = "a long river of quiet evenings 7"
INVITE = reverse("accounts:invite")
ACCEPT = reverse("accounts:invitation_accept")
ENROL = reverse("accounts:enrol")
LINK = re.compile(r"https?://\S+/invite/(?P<token>[A-Za-z0-9_-]+)/")


def _send_invitation(admin_client: Client, email: str = INVITEE, role: str = Role.CASEWORKER):
    """Invites through the real page and returns the token read from the e-mail."""
    before = len(mail.outbox)
    response = admin_client.post(INVITE, {"email": email, "role": role})
    assert response.status_code == 302, response.content.decode()
    assert len(mail.outbox) == before + 1
    return LINK.search(mail.outbox[-1].body)["token"]


@pytest.fixture
def admin_client(admin_getlost):
    admin_getlost.display_name = "Olga Admin"
    admin_getlost.save()
    return sign_in(Client(), admin_getlost)


@pytest.fixture
def token(admin_client):
    return _send_invitation(admin_client)


def _open(client: Client, token: str):
    return client.get(reverse("accounts:invitation_open", args=[token]))


def _accept_new(client: Client, password: str = NEW_PASSWORD, again: str | None = None, **extra):
    data = {"password1": password, "password2": password if again is None else again, **extra}
    return client.post(ACCEPT, data)


def _shows(response, message) -> bool:
    """Whether the page shows the message (as the template escapes it)."""
    return escape(str(message)) in response.content.decode()


def _counts() -> tuple[int, int]:
    return User.objects.count(), Membership.objects.count()


# --- Sending ---------------------------------------------------------------------------------


def test_the_invitation_email_contains_the_link_and_no_other_personal_data(
    admin_client, admin_getlost, settings
):
    settings.WAYPOINT_BASE_URL = "https://waypoint.example.org"

    token = _send_invitation(admin_client)

    message = mail.outbox[-1]
    assert message.to == [INVITEE]
    assert message.cc == [] and message.bcc == [] and message.reply_to == []
    assert f"https://waypoint.example.org/invite/{token}/" in message.body
    organisation = admin_getlost.memberships.get().organisation
    assert organisation.name in message.body
    text = f"{message.subject}\n{message.body}\n{message.from_email}"
    for personal in (
        INVITEE,
        "new.caseworker",
        admin_getlost.email,
        admin_getlost.display_name,
        "Caseworker",  # the role is shown only after the link is opened
    ):
        assert personal.lower() not in text.lower()
    assert not any(INVITEE in str(value) for value in message.extra_headers.values())


def test_sending_creates_a_pending_invitation_and_an_audit_event_without_the_address(
    admin_client, admin_getlost, token, settings
):
    invitation = Invitation.objects.get()
    assert invitation.email == INVITEE
    assert invitation.role == Role.CASEWORKER
    assert invitation.invited_by == admin_getlost
    assert invitation.expires_at - invitation.created_at == settings.INVITATION_LIFETIME
    assert invitation.is_usable
    event = AuditEvent.objects.get(action="invitation.sent")
    assert event.object_id == str(invitation.pk)
    assert event.data == {"role": "caseworker"}
    for row in AuditEvent.objects.values_list("data", flat=True):
        assert INVITEE not in str(row)


def test_the_stored_token_is_only_a_hash(token):
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_invitation")
        rows = cursor.fetchall()
    assert len(rows) == 1
    assert not any(token in str(cell) for cell in rows[0])
    assert Invitation.objects.get().token_hash == hashlib.sha256(token.encode()).hexdigest()


def test_opening_the_link_keeps_only_the_hash_in_the_session_and_redirects_at_once(client, token):
    response = _open(client, token)

    assert response.status_code == 302
    assert response["Location"] == ACCEPT
    assert client.session[SESSION_INVITATION] == token_hash(token)
    with connection.cursor() as cursor:
        cursor.execute("SELECT session_key, session_data FROM accounts_session")
        rows = cursor.fetchall()
    assert rows
    for key, data in rows:
        decoded = UserSession(session_key=key, session_data=data).get_decoded()
        assert token not in data and token not in str(decoded)


def test_inviting_an_existing_member_is_refused_and_sends_nothing(admin_client, caseworker_getlost):
    response = admin_client.post(INVITE, {"email": caseworker_getlost.email, "role": "lawyer"})

    assert response.status_code == 400
    assert _shows(response, ALREADY_MEMBER)
    assert not Invitation.objects.exists()
    assert mail.outbox == []


def test_an_invalid_address_is_refused(admin_client):
    response = admin_client.post(INVITE, {"email": "not an address", "role": "lawyer"})
    assert response.status_code == 400
    assert not Invitation.objects.exists()
    assert mail.outbox == []


def test_a_new_invitation_to_the_same_address_withdraws_the_pending_one(client, admin_client):
    first = _send_invitation(admin_client)
    second = _send_invitation(admin_client, role=Role.LAWYER)

    assert Invitation.objects.filter(revoked_at__isnull=True).count() == 1
    _open(client, first)
    assert _shows(client.get(ACCEPT), INVITATION_REVOKED)
    _open(client, second)
    assert "Lawyer" in client.get(ACCEPT).content.decode()


def test_when_the_email_cannot_be_sent_nothing_is_created(admin_client, settings):
    # A real SMTP connection to a port where nothing listens.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 2

    response = admin_client.post(INVITE, {"email": INVITEE, "role": "caseworker"})

    assert response.status_code == 400
    assert _shows(response, EMAIL_NOT_SENT)
    assert not Invitation.objects.exists()
    assert not AuditEvent.objects.filter(action="invitation.sent").exists()


# --- Accepting as a new person ---------------------------------------------------------------


def test_the_accept_page_shows_the_organisation_and_the_role(client, token, admin_getlost):
    _open(client, token)
    body = client.get(ACCEPT).content.decode()
    assert admin_getlost.memberships.get().organisation.name in body
    assert "Caseworker" in body
    assert 'type="password"' in body


def test_accepting_creates_the_user_and_membership_and_lands_on_enrolment(
    client, token, admin_getlost
):
    users, memberships = _counts()
    _open(client, token)

    response = _accept_new(client, display_name="Sasha")

    assert response.status_code == 302
    assert response["Location"] == ENROL
    user = User.objects.get(email=INVITEE)
    assert user.display_name == "Sasha"
    assert user.check_password(NEW_PASSWORD)
    membership = Membership.objects.get(user=user)
    assert membership.organisation == admin_getlost.memberships.get().organisation
    assert membership.role == Role.CASEWORKER
    assert _counts() == (users + 1, memberships + 1)
    invitation = Invitation.objects.get()
    assert invitation.accepted_at is not None
    # Signed in with the password only: the session holds no second factor yet.
    assert client.session[SESSION_KEY] == str(user.pk)
    assert SESSION_INVITATION not in client.session
    assert client.session[SESSION_ORG] == str(membership.organisation_id)
    assert client.get(reverse("dashboard"))["Location"].startswith(ENROL)
    event = AuditEvent.objects.get(action="invitation.accepted")
    assert str(event.actor_id) == str(user.pk)
    assert event.data == {"role": "caseworker"}


def test_accepting_rotates_the_session_key(client, token):
    _open(client, token)
    before = client.session.session_key
    _accept_new(client)
    assert client.session.session_key != before
    assert not UserSession.objects.filter(session_key=before).exists()


@pytest.mark.parametrize(
    ("password", "again", "expected"),
    [
        ("short pass 1", None, "This password is too short"),
        ("1q2w3e4r5t6y7u8i9o0p", None, "This password is too common"),
        (NEW_PASSWORD, NEW_PASSWORD + "x", str(PASSWORDS_DIFFER)),
        ("new.caseworker@example.net", None, "too similar"),
    ],
)
def test_a_weak_or_mistyped_password_is_refused_and_nothing_is_created(
    client, token, password, again, expected
):
    counts = _counts()
    _open(client, token)

    response = _accept_new(client, password, again)

    assert response.status_code == 400
    assert escape(expected) in response.content.decode()
    assert _counts() == counts
    assert Invitation.objects.get().accepted_at is None
    assert SESSION_KEY not in client.session


# --- Every way it can fail -------------------------------------------------------------------


def test_an_expired_invitation_shows_the_error_and_creates_nothing(client, token):
    counts = _counts()
    with time_machine.travel(timezone.now() + timedelta(hours=72, minutes=1)):
        _open(client, token)
        page = client.get(ACCEPT)
        posted = _accept_new(client)

    assert page.status_code == 400
    assert _shows(page, INVITATION_EXPIRED)
    assert posted.status_code == 400
    assert _shows(posted, INVITATION_EXPIRED)
    assert _counts() == counts


def test_a_reused_invitation_shows_the_error_and_creates_nothing(client, token):
    _open(client, token)
    _accept_new(client)
    counts = _counts()

    second = Client()
    _open(second, token)
    page = second.get(ACCEPT)
    posted = _accept_new(second, "another long and quiet password 9")

    assert page.status_code == 400
    assert _shows(page, INVITATION_USED)
    assert _shows(posted, INVITATION_USED)
    assert _counts() == counts


def test_a_revoked_invitation_shows_the_error_and_creates_nothing(client, admin_client, token):
    invitation = Invitation.objects.get()
    admin_client.post(reverse("accounts:invitation_revoke", args=[invitation.pk]))
    counts = _counts()

    _open(client, token)
    page = client.get(ACCEPT)
    posted = _accept_new(client)

    assert page.status_code == 400
    assert _shows(page, INVITATION_REVOKED)
    assert _shows(posted, INVITATION_REVOKED)
    assert _counts() == counts
    assert AuditEvent.objects.filter(action="invitation.revoked").count() == 1


def test_an_unknown_token_shows_the_error_and_creates_nothing(client, token):
    counts = _counts()
    _open(client, token[:-2] + "xx")

    page = client.get(ACCEPT)
    posted = _accept_new(client)

    assert page.status_code == 404
    assert _shows(page, INVITATION_UNKNOWN)
    assert posted.status_code == 404
    assert _counts() == counts


def test_the_accept_page_without_an_opened_link_is_an_error(client, db):
    response = client.get(ACCEPT)
    assert response.status_code == 404
    assert _shows(response, INVITATION_UNKNOWN)


def test_a_signed_in_user_with_another_email_gets_the_wrong_email_error(client, token, outsider):
    sign_in(client, outsider)
    counts = _counts()
    _open(client, token)

    page = client.get(ACCEPT)
    posted = client.post(ACCEPT)

    assert page.status_code == 400
    assert _shows(page, INVITATION_WRONG_EMAIL)
    assert posted.status_code == 400
    assert _shows(posted, INVITATION_WRONG_EMAIL)
    assert _counts() == counts
    assert (
        not Membership.objects.filter(user=outsider, role=Role.CASEWORKER)
        .exclude(organisation__slug="elsewhere")
        .exists()
    )
    assert Invitation.objects.get().accepted_at is None


# --- Accepting with an existing account ------------------------------------------------------


def test_an_existing_account_must_sign_in_first_then_the_membership_is_added(
    client, admin_client, outsider
):
    token = _send_invitation(admin_client, email=outsider.email, role=Role.LAWYER)
    counts = _counts()
    _open(client, token)

    page = client.get(ACCEPT)
    posted = _accept_new(client)  # a password for an existing address changes nothing

    assert _shows(page, INVITATION_ACCOUNT_EXISTS)
    assert f"{reverse('accounts:login')}?next={ACCEPT}" in page.content.decode()
    assert _shows(posted, INVITATION_ACCOUNT_EXISTS)
    assert _counts() == counts
    outsider.refresh_from_db()
    assert not outsider.check_password(NEW_PASSWORD)

    sign_in(client, outsider)  # the opened invitation survives signing in
    assert client.session[SESSION_INVITATION] == token_hash(token)
    response = client.post(ACCEPT)

    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")
    joined = Membership.objects.get(user=outsider, organisation__slug="get-lost")
    assert joined.role == Role.LAWYER
    assert _counts() == (counts[0], counts[1] + 1)
    assert client.session[SESSION_ORG] == str(joined.organisation_id)
    assert client.get(reverse("dashboard")).wsgi_request.membership == joined


def test_a_member_invited_again_is_told_and_nothing_changes(client, admin_client, outsider):
    token = _send_invitation(admin_client, email=outsider.email)
    # Meanwhile they joined by another invitation.
    MembershipFactory(
        user=outsider, organisation=Organisation.objects.get(slug="get-lost"), role=Role.LAWYER
    )
    counts = _counts()
    sign_in(client, outsider)
    _open(client, token)

    response = client.post(ACCEPT)

    assert response.status_code == 400
    assert _shows(response, YOU_ARE_ALREADY_MEMBER)
    assert _counts() == counts
    assert Invitation.objects.get().accepted_at is None


# --- Concurrency -----------------------------------------------------------------------------


@pytest.fixture
def _audit_log_emptied_afterwards(transactional_db):
    """The test runner empties tables with TRUNCATE after a transactional test, which the
    append-only audit table refuses while it holds events: they are removed first with the
    trigger switched off (as only the table owner can)."""
    yield
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only")
            cursor.execute("DELETE FROM audit_auditevent")
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_append_only")


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("_audit_log_emptied_afterwards")
def test_acceptance_is_single_use_under_concurrency(make_member):
    require_service(
        "PostgreSQL",
        connection.vendor == "postgresql",
        "row locks need a database with concurrent connections",
    )
    admin = make_member("get-lost", Role.ORG_ADMIN)
    token = _send_invitation(sign_in(Client(), admin))
    digest = token_hash(token)
    barrier = threading.Barrier(6)
    outcomes: list[str] = []

    def accept(n: int) -> None:
        try:
            barrier.wait()
            invitation_accept_new_user(digest=digest, password=f"{NEW_PASSWORD} thread {n}")
            outcomes.append("accepted")
        except InvitationError as exc:
            outcomes.append(str(exc.message))
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=accept, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert outcomes.count("accepted") == 1
    assert set(outcomes) - {"accepted"} == {str(INVITATION_USED)}
    assert User.objects.filter(email=INVITEE).count() == 1
    assert Membership.objects.filter(user__email=INVITEE).count() == 1
    assert AuditEvent.objects.filter(action="invitation.accepted").count() == 1
