"""Admin-initiated account recovery: what it disables, the one-time link, who may start it."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.db import close_old_connections, connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP

from accounts.models import (
    AccountRecovery,
    BackupCode,
    BackupCodeDevice,
    Membership,
    Role,
    TOTPDevice,
    UserSession,
)
from accounts.security import SESSION_2FA_AT
from accounts.services.auth import INVALID_LOGIN
from accounts.services.factors import WebAuthnCredential, backup_codes_generate
from accounts.services.recovery import (
    CANNOT_RECOVER_PLATFORM_ADMIN,
    CANNOT_RECOVER_SELF,
    RECOVERY_EXPIRED,
    RECOVERY_FROZEN,
    RECOVERY_REPLACED,
    RECOVERY_SIGNED_IN,
    RECOVERY_UNKNOWN,
    RECOVERY_USED,
    RecoveryError,
    recovery_complete,
    recovery_start,
)
from audit.models import AuditEvent
from tests.conftest import require_service, sign_in
from tests.factories import PASSWORD, MembershipFactory, UserFactory, totp_device

pytestmark = pytest.mark.django_db

TOTP_KEY = b"0123456789abcdef0123"  # tests.factories.totp_device's default seed
NEW_PASSWORD = "the person chose this new passphrase 9"
START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
LINK_RE = re.compile(r'value="(http[^"]+/recover/([A-Za-z0-9_-]+)/)"')


def _code(key: bytes = TOTP_KEY) -> str:
    return f"{TOTP(key).token():06d}"


def _login(client: Client, email: str, password: str = PASSWORD):
    return client.post(reverse("accounts:login"), {"username": email, "password": password})


def _recover_url(user) -> str:
    return reverse("accounts:member_recover", args=[Membership.objects.get(user=user).pk])


def _start(admin_client: Client, user) -> str:
    """Starts recovery of ``user`` as the signed-in admin; returns the token from the page."""
    response = admin_client.post(_recover_url(user))
    assert response.status_code == 302, response.status_code
    page = admin_client.get(response["Location"]).content.decode()
    match = LINK_RE.search(page)
    assert match, "the link page shows the link"
    return match.group(2)


def _open(client: Client, token: str):
    return client.get(reverse("accounts:recovery_open", args=[token]), follow=True)


def _set_password(client: Client, new: str = NEW_PASSWORD, again: str | None = None):
    return client.post(
        reverse("accounts:recovery_accept"),
        {"new_password1": new, "new_password2": new if again is None else again},
    )


def _error(response) -> str:
    return str(response.context["message"])


@pytest.fixture
def admin_client(admin_getlost) -> Client:
    return sign_in(Client(), admin_getlost)


@pytest.fixture
def passkey(caseworker_getlost):
    return WebAuthnCredential.objects.create(
        user=caseworker_getlost,
        name="security key",
        confirmed=True,
        credential_id=b"credential-1",
        public_key=b"public-key",
        aaguid="00000000-0000-0000-0000-000000000000",
    )


# --- What recovery disables ------------------------------------------------------------------


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
    caseworker_getlost.refresh_from_db()
    sign_in(thief, caseworker_getlost, verified=False)
    verify = thief.post(reverse("accounts:verify"), {"code": _code()})
    assert verify.status_code == 302
    assert verify["Location"] == reverse("accounts:enrol")
    assert not caseworker_getlost.totpdevice_set.exists()


def test_recovery_removes_every_factor_and_the_password(
    admin_client, caseworker_getlost, passkey, outsider
):
    backup_codes_generate(user=caseworker_getlost)
    TOTPDevice.objects.create(user=caseworker_getlost, name="pending", confirmed=False)
    backup_codes_generate(user=outsider)

    _start(admin_client, caseworker_getlost)

    caseworker_getlost.refresh_from_db()
    assert not caseworker_getlost.has_usable_password()
    assert not TOTPDevice.objects.filter(user=caseworker_getlost).exists()
    assert not WebAuthnCredential.objects.filter(user=caseworker_getlost).exists()
    assert not BackupCodeDevice.objects.filter(user=caseworker_getlost).exists()
    assert not BackupCode.objects.filter(device__user=caseworker_getlost).exists()
    # Nobody else's factors are touched.
    assert TOTPDevice.objects.filter(user=outsider).count() == 1
    assert BackupCode.objects.filter(device__user=outsider).count() == 10
    assert outsider.has_usable_password()


def test_the_admin_sees_the_link_once_and_only_its_hash_is_stored(admin_client, caseworker_getlost):
    token = _start(admin_client, caseworker_getlost)
    target = Membership.objects.get(user=caseworker_getlost).pk

    again = admin_client.get(reverse("accounts:member_recovery_link", args=[target]))

    recovery = AccountRecovery.objects.get(user=caseworker_getlost)
    assert recovery.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert len(token) >= 43  # 256 bits
    assert again.status_code == 200
    assert token not in again.content.decode()
    assert token not in json.dumps(list(AccountRecovery.objects.values()), default=str)
    assert recovery.expires_at - recovery.created_at == timedelta(hours=24)


def test_the_confirmation_page_changes_nothing(admin_client, caseworker_getlost):
    response = admin_client.get(_recover_url(caseworker_getlost))

    assert response.status_code == 200
    caseworker_getlost.refresh_from_db()
    assert caseworker_getlost.check_password(PASSWORD)
    assert TOTPDevice.objects.filter(user=caseworker_getlost).exists()
    assert not AccountRecovery.objects.exists()


def test_recovery_needs_a_recent_second_factor(admin_client, caseworker_getlost):
    session = admin_client.session
    session[SESSION_2FA_AT] = int(time.time()) - 11 * 60
    session.save()

    response = admin_client.post(_recover_url(caseworker_getlost))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:reauth"))
    caseworker_getlost.refresh_from_db()
    assert caseworker_getlost.check_password(PASSWORD)
    assert not AccountRecovery.objects.exists()


# --- Who may start it ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"),
    [("caseworker", 403), ("outsider_admin", 404), ("outsider", 404), ("coordinator", 404)],
)
def test_only_an_admin_of_the_members_organisation_may_recover(
    make_member, caseworker_getlost, persona, status
):
    people = {
        "caseworker": lambda: make_member("get-lost", Role.CASEWORKER),
        "outsider_admin": lambda: make_member("elsewhere", Role.ORG_ADMIN),
        "outsider": lambda: make_member("elsewhere", Role.CASEWORKER),
        "coordinator": lambda: make_member("coordinators", Role.COORDINATOR),
    }
    client = sign_in(Client(), people[persona]())
    url = _recover_url(caseworker_getlost)

    assert client.get(url).status_code == status
    assert client.post(url).status_code == status
    link = reverse(
        "accounts:member_recovery_link",
        args=[Membership.objects.get(user=caseworker_getlost).pk],
    )
    assert client.get(link).status_code == status
    caseworker_getlost.refresh_from_db()
    assert caseworker_getlost.check_password(PASSWORD)
    assert TOTPDevice.objects.filter(user=caseworker_getlost).exists()
    assert not AccountRecovery.objects.exists()


def test_an_admin_cannot_recover_their_own_account(admin_client, admin_getlost):
    shown = admin_client.get(_recover_url(admin_getlost))
    response = admin_client.post(_recover_url(admin_getlost))

    assert str(CANNOT_RECOVER_SELF) in shown.content.decode()
    assert response.status_code == 400
    assert str(CANNOT_RECOVER_SELF) in response.content.decode()
    admin_getlost.refresh_from_db()
    assert admin_getlost.check_password(PASSWORD)
    assert not AccountRecovery.objects.exists()


def test_an_admin_cannot_recover_a_platform_superuser(admin_client, admin_getlost):
    platform = UserFactory(is_superuser=True, is_staff=True)
    totp_device(platform)
    organisation = Membership.objects.get(user=admin_getlost).organisation
    MembershipFactory(user=platform, organisation=organisation, role=Role.CASEWORKER)

    response = admin_client.post(_recover_url(platform))

    assert response.status_code == 400
    assert str(CANNOT_RECOVER_PLATFORM_ADMIN) in response.content.decode()
    platform.refresh_from_db()
    assert platform.check_password(PASSWORD)
    assert TOTPDevice.objects.filter(user=platform).exists()


def test_the_members_page_offers_recovery_for_others_only(
    admin_client, admin_getlost, caseworker_getlost
):
    page = admin_client.get(reverse("accounts:members")).content.decode()

    assert f'href="{_recover_url(caseworker_getlost)}"' in page
    assert f'href="{_recover_url(admin_getlost)}"' not in page


# --- The person's side -----------------------------------------------------------------------


def _secret_key(response) -> bytes:
    match = re.search(r'<code id="totp-secret"[^>]*>([A-Z2-7]+)</code>', response.content.decode())
    assert match
    secret = match.group(1)
    return base64.b32decode(secret + "=" * (-len(secret) % 8))


def test_the_person_sets_a_password_and_must_enrol_before_reaching_anything(
    admin_client, caseworker_getlost
):
    token = _start(admin_client, caseworker_getlost)
    person = Client()

    opened = _open(person, token)
    assert opened.status_code == 200
    assert opened.redirect_chain == [(reverse("accounts:recovery_accept"), 302)]
    key_before = person.session.session_key
    done = _set_password(person)

    assert done.status_code == 302
    assert done["Location"] == reverse("accounts:enrol")
    assert person.session.session_key != key_before
    caseworker_getlost.refresh_from_db()
    assert caseworker_getlost.check_password(NEW_PASSWORD)
    for page in ("dashboard", "accounts:security", "accounts:members", "accounts:sessions"):
        assert person.get(reverse(page))["Location"] == reverse("accounts:enrol"), page
    # The existing enrolment flow: a new app, then the dashboard opens.
    key = _secret_key(person.get(reverse("accounts:totp_enrol")))
    enrolled = person.post(reverse("accounts:totp_enrol"), {"code": _code(key)})
    assert enrolled["Location"] == reverse("accounts:backup_codes")
    assert person.get(reverse("dashboard")).status_code == 200


def test_the_new_password_then_signs_in_to_enrolment(admin_client, caseworker_getlost):
    token = _start(admin_client, caseworker_getlost)
    _open(person := Client(), token)
    _set_password(person)

    response = _login(Client(), caseworker_getlost.email, NEW_PASSWORD)

    assert response["Location"] == reverse("accounts:enrol")


def test_the_link_works_once(admin_client, caseworker_getlost):
    token = _start(admin_client, caseworker_getlost)
    _open(first := Client(), token)
    _set_password(first)

    second = _open(Client(), token)

    assert second.status_code == 400
    assert _error(second) == str(RECOVERY_USED)


def test_the_link_expires_after_24_hours(admin_getlost, caseworker_getlost):
    with time_machine.travel(START, tick=False) as traveller:
        token = _start(sign_in(Client(), admin_getlost), caseworker_getlost)
        traveller.shift(timedelta(hours=23, minutes=59))
        assert _open(Client(), token).status_code == 200

        traveller.shift(timedelta(minutes=2))
        person = Client()
        expired = _open(person, token)
        posted = _set_password(person)

    assert expired.status_code == 400
    assert _error(expired) == str(RECOVERY_EXPIRED)
    assert posted.status_code == 400
    caseworker_getlost.refresh_from_db()
    assert not caseworker_getlost.has_usable_password()


def test_a_new_recovery_replaces_the_earlier_link(admin_client, caseworker_getlost):
    first = _start(admin_client, caseworker_getlost)
    second = _start(admin_client, caseworker_getlost)

    replaced = _open(Client(), first)

    assert replaced.status_code == 400
    assert _error(replaced) == str(RECOVERY_REPLACED)
    assert _open(Client(), second).status_code == 200
    revoked = AuditEvent.objects.get(action="member.recovery_revoked")
    assert revoked.data == {"reason": "superseded", "target_user": str(caseworker_getlost.pk)}


@pytest.mark.parametrize(
    ("new", "again", "field"),
    [
        ("Sh0rt&sweet", None, "new_password1"),
        ("123456789012345678", None, "new_password1"),
        (NEW_PASSWORD, NEW_PASSWORD + "x", "new_password2"),
    ],
)
def test_a_weak_password_on_the_link_changes_nothing(
    admin_client, caseworker_getlost, new, again, field
):
    token = _start(admin_client, caseworker_getlost)
    _open(person := Client(), token)

    response = _set_password(person, new, again)

    assert response.status_code == 400
    assert response.context["form"].errors[field]
    caseworker_getlost.refresh_from_db()
    assert not caseworker_getlost.has_usable_password()
    assert "_auth_user_id" not in person.session
    assert AccountRecovery.objects.get().used_at is None
    assert _set_password(person).status_code == 302  # the link still works


def test_an_unknown_token_is_not_found(db):
    response = _open(Client(), "not-a-real-token")

    assert response.status_code == 404
    assert _error(response) == str(RECOVERY_UNKNOWN)


def test_a_signed_in_visitor_is_told_to_sign_out(admin_client, caseworker_getlost, outsider):
    token = _start(admin_client, caseworker_getlost)
    visitor = sign_in(Client(), outsider)

    shown = _open(visitor, token)
    posted = _set_password(visitor)

    assert shown.status_code == posted.status_code == 400
    assert _error(posted) == str(RECOVERY_SIGNED_IN)
    assert outsider.check_password(PASSWORD)
    caseworker_getlost.refresh_from_db()
    assert not caseworker_getlost.has_usable_password()
    assert AccountRecovery.objects.get().used_at is None


def test_a_frozen_account_uses_the_link_only_once_unfrozen(
    admin_client, admin_getlost, caseworker_getlost
):
    token = _start(admin_client, caseworker_getlost)
    caseworker_getlost.frozen_at = timezone.now()
    caseworker_getlost.frozen_by = admin_getlost
    caseworker_getlost.save()
    _open(person := Client(), token)

    refused = _set_password(person)

    assert refused.status_code == 400
    assert _error(refused) == str(RECOVERY_FROZEN)
    assert AccountRecovery.objects.get().used_at is None
    caseworker_getlost.frozen_at = None
    caseworker_getlost.save()
    assert _set_password(person).status_code == 302


# --- Audit and notice ------------------------------------------------------------------------


def test_recovery_is_audited_with_ids_only(
    admin_client, admin_getlost, caseworker_getlost, passkey
):
    sign_in(Client(), caseworker_getlost)
    token = _start(admin_client, caseworker_getlost)
    _open(person := Client(), token)
    _set_password(person)

    organisation = Membership.objects.get(user=admin_getlost).organisation_id
    recovery = AccountRecovery.objects.get()
    started = AuditEvent.objects.get(action="member.recovery_started")
    assert started.actor_id == admin_getlost.pk
    assert started.organisation_id == organisation
    assert started.object_id == str(recovery.pk)
    assert started.data == {"count": 1, "target_user": str(caseworker_getlost.pk)}
    removed = AuditEvent.objects.filter(action="auth.factor.removed")
    assert sorted(event.data["factor"] for event in removed) == ["passkey", "totp"]
    assert {event.actor_id for event in removed} == {admin_getlost.pk}
    assert {event.data["reason"] for event in removed} == {"recovery"}
    used = AuditEvent.objects.get(action="member.recovery_used")
    assert used.actor_id == caseworker_getlost.pk
    assert used.organisation_id == organisation
    assert used.object_id == str(recovery.pk)
    text = json.dumps(list(AuditEvent.objects.values()), default=str)
    for secret in (caseworker_getlost.email, admin_getlost.email, token, NEW_PASSWORD):
        assert secret not in text


def test_the_person_gets_a_notice_without_the_link_or_any_name(
    admin_client, admin_getlost, caseworker_getlost, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        token = _start(admin_client, caseworker_getlost)

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [caseworker_getlost.email]
    organisation = Membership.objects.get(user=admin_getlost).organisation
    for secret in (token, "/recover/", organisation.name, admin_getlost.email, "http"):
        assert secret not in message.subject + message.body


# --- Concurrency ------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_link_is_single_use_under_concurrency(make_member):
    require_service(
        "PostgreSQL",
        connection.vendor == "postgresql",
        "row locks need a database with concurrent connections",
    )
    admin = make_member("get-lost", Role.ORG_ADMIN)
    person = make_member("get-lost", Role.CASEWORKER)
    _recovery, token = recovery_start(membership=Membership.objects.get(user=person), by=admin)
    digest = hashlib.sha256(token.encode()).hexdigest()
    barrier = threading.Barrier(6)
    outcomes: list[str] = []

    def use(n: int) -> None:
        try:
            barrier.wait()
            recovery_complete(digest=digest, password=f"{NEW_PASSWORD} thread {n}")
            outcomes.append("used")
        except RecoveryError as exc:
            outcomes.append(str(exc.message))
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=use, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert outcomes.count("used") == 1
    assert set(outcomes) - {"used"} == {str(RECOVERY_USED)}
    assert AuditEvent.objects.filter(action="member.recovery_used").count() == 1
