"""Second factors: verification (once, throttled, under concurrency), enrolment, backup codes,
re-authentication, removal, and what the database holds."""

from __future__ import annotations

import base64
import json
import re
import threading
import time

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.contrib.sessions.backends.base import SessionBase
from django.db import connection
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP

from accounts.models import BackupCode, BackupCodeDevice, TOTPDevice
from accounts.security import SESSION_2FA_AT, SESSION_FRESH_BACKUP_CODES, SESSION_PENDING_TOTP
from accounts.services.factors import (
    ENROL_CODE_INVALID,
    INVALID_CODE,
    LAST_FACTOR,
    THROTTLED,
    backup_codes_generate,
    second_factor_verify,
)
from accounts.views.factors import REAUTH_FIRST
from audit.models import AuditEvent
from tests.conftest import sign_in
from tests.factories import UserFactory, totp_device

TOTP_KEY = b"0123456789abcdef0123"  # the key tests.factories.totp_device uses
BASE32_ALPHABET = set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")


def code_for(key: bytes = TOTP_KEY, at: float | None = None) -> str:
    totp = TOTP(key)
    if at is not None:
        totp.time = at
    return f"{totp.token():06d}"


def wrong_code(key: bytes = TOTP_KEY) -> str:
    right = code_for(key)
    return "000000" if right != "000000" else "111111"


def actions_of(user) -> list[str]:
    return list(
        AuditEvent.objects.filter(actor_id=user.pk).order_by("seq").values_list("action", flat=True)
    )


def form_errors(response, field: str = "code") -> list[str]:
    return [str(e) for e in response.context["form"].errors.get(field, [])]


# --- Verification ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_valid_code_verifies_the_session_and_is_audited(client, caseworker_getlost):
    sign_in(client, caseworker_getlost, verified=False)

    response = client.post(reverse("accounts:verify"), {"code": code_for()})

    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")
    device = caseworker_getlost.totpdevice_set.get()
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert client.session[SESSION_2FA_AT] >= int(time.time()) - 5
    event = AuditEvent.objects.get(action="auth.2fa.succeeded")
    assert event.actor_id == caseworker_getlost.pk
    assert event.data == {"factor": "totp"}
    assert client.get(reverse("accounts:security")).status_code == 200


@pytest.mark.django_db
def test_it_refuses_a_reused_code(client, caseworker_getlost):
    sign_in(client, caseworker_getlost, verified=False)
    code = code_for()
    assert client.post(reverse("accounts:verify"), {"code": code}).status_code == 302

    other = client.__class__()
    sign_in(other, caseworker_getlost, verified=False)
    response = other.post(reverse("accounts:verify"), {"code": code})

    assert response.status_code == 200
    assert form_errors(response) == [str(INVALID_CODE)]
    assert DEVICE_ID_SESSION_KEY not in other.session


@pytest.mark.django_db
def test_the_service_accepts_one_code_once(caseworker_getlost):
    code = code_for()

    first = second_factor_verify(user=caseworker_getlost, code=code)
    second = second_factor_verify(user=caseworker_getlost, code=code)

    assert first.ok and first.factor == "totp"
    assert not second.ok and second.error == INVALID_CODE


@pytest.mark.django_db
def test_a_code_from_an_earlier_step_is_refused_after_a_later_one(caseworker_getlost):
    now = time.time()
    later = second_factor_verify(user=caseworker_getlost, code=code_for(at=now))
    earlier = second_factor_verify(user=caseworker_getlost, code=code_for(at=now - 30))

    assert later.ok
    assert not earlier.ok


@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_submissions_of_one_code_succeed_exactly_once(caseworker_getlost):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no row locks; this runs on PostgreSQL (DATABASE_URL)")
    code = code_for()
    barrier = threading.Barrier(10)
    results: list[bool] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def submit() -> None:
        try:
            barrier.wait()
            result = second_factor_verify(user=caseworker_getlost, code=code)
            with lock:
                results.append(result.ok)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(results) == [False] * 9 + [True]
    assert AuditEvent.objects.filter(action="auth.2fa.succeeded").count() == 1
    assert AuditEvent.objects.filter(action="auth.2fa.failed").count() == 9


@pytest.mark.django_db
def test_wrong_codes_are_throttled_by_django_otp(client, caseworker_getlost):
    sign_in(client, caseworker_getlost, verified=False)
    with time_machine.travel(time.time(), tick=False) as traveller:
        first = client.post(reverse("accounts:verify"), {"code": wrong_code()})
        assert form_errors(first) == [str(INVALID_CODE)]

        # The right code right after a failure is refused until the back-off has passed.
        throttled = client.post(reverse("accounts:verify"), {"code": code_for()})
        assert form_errors(throttled) == [str(THROTTLED)]
        assert DEVICE_ID_SESSION_KEY not in client.session

        traveller.shift(2)
        accepted = client.post(reverse("accounts:verify"), {"code": code_for()})
        assert accepted.status_code == 302

    failed = AuditEvent.objects.filter(action="auth.2fa.failed").order_by("seq")
    assert [event.data["reason"] for event in failed] == ["invalid", "throttled"]


@pytest.mark.django_db
def test_a_password_only_user_without_a_factor_cannot_use_verify(client):
    user = UserFactory()
    sign_in(client, user, verified=False)

    response = client.get(reverse("accounts:verify"))

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:enrol")


# --- Backup codes ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_backup_codes_are_ten_codes_of_at_least_80_bits(caseworker_getlost):
    codes = backup_codes_generate(user=caseworker_getlost)

    assert len(codes) == 10
    assert len(set(codes)) == 10
    for code in codes:
        assert re.fullmatch(r"[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}", code)
        raw = code.replace("-", "")
        assert set(raw) <= BASE32_ALPHABET
        assert len(raw) * 5 >= 80  # 5 bits per base32 character
        # The characters decode to 10 random bytes.
        assert len(base64.b32decode(raw)) == 10
    event = AuditEvent.objects.get(action="auth.backup_codes.generated")
    assert event.data == {"count": 10}


@pytest.mark.django_db
def test_backup_codes_are_stored_only_as_password_hashes(caseworker_getlost):
    codes = backup_codes_generate(user=caseworker_getlost)

    hashes = list(
        BackupCode.objects.filter(device__user=caseworker_getlost).values_list(
            "code_hash", flat=True
        )
    )
    assert len(hashes) == 10
    for code in codes:
        raw = code.replace("-", "")
        assert all(raw not in stored and code not in stored for stored in hashes)
        assert any(check_password(raw, stored) for stored in hashes)


@pytest.mark.django_db
def test_a_backup_code_works_once(client, caseworker_getlost):
    codes = backup_codes_generate(user=caseworker_getlost)
    sign_in(client, caseworker_getlost, verified=False)

    # Typed in lower case and without dashes: still accepted.
    response = client.post(reverse("accounts:verify"), {"code": codes[3].replace("-", " ").lower()})
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="auth.2fa.succeeded", data__factor="backup").exists()
    assert BackupCode.objects.filter(used_at__isnull=False).count() == 1

    other = client.__class__()
    sign_in(other, caseworker_getlost, verified=False)
    again = other.post(reverse("accounts:verify"), {"code": codes[3]})
    assert form_errors(again) == [str(INVALID_CODE)]


@pytest.mark.django_db
def test_using_a_backup_code_says_how_many_are_left(client, caseworker_getlost):
    codes = backup_codes_generate(user=caseworker_getlost)
    sign_in(client, caseworker_getlost, verified=False)

    response = client.post(reverse("accounts:verify"), {"code": codes[0]}, follow=True)

    assert "9 backup codes are left" in response.content.decode()


@pytest.mark.django_db
def test_new_backup_codes_replace_the_old_ones(caseworker_getlost):
    old = backup_codes_generate(user=caseworker_getlost)
    new = backup_codes_generate(user=caseworker_getlost)

    assert set(old).isdisjoint(new)
    assert BackupCodeDevice.objects.filter(user=caseworker_getlost).count() == 1
    assert BackupCode.objects.filter(device__user=caseworker_getlost).count() == 10
    with time_machine.travel(time.time(), tick=False) as traveller:
        assert not second_factor_verify(user=caseworker_getlost, code=old[0]).ok
        traveller.shift(2)  # past django-otp's back-off after one failure
        assert second_factor_verify(user=caseworker_getlost, code=new[0]).ok


@pytest.mark.django_db
def test_making_backup_codes_needs_a_recent_second_factor(client, caseworker_getlost):
    sign_in(client, caseworker_getlost)
    session = client.session
    session[SESSION_2FA_AT] = int(time.time()) - int(settings.REAUTH_WINDOW.total_seconds()) - 5
    session.save()

    response = client.post(reverse("accounts:backup_codes"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:reauth"))
    assert not BackupCode.objects.exists()


@pytest.mark.django_db
def test_backup_codes_are_shown_once_on_a_page_nobody_may_store(client, caseworker_getlost):
    sign_in(client, caseworker_getlost)

    made = client.post(reverse("accounts:backup_codes"))
    assert made.status_code == 302
    assert made["Location"] == reverse("accounts:backup_codes")
    page = client.get(reverse("accounts:backup_codes"))
    shown = re.findall(r"<code>([A-Z2-7]{4}(?:-[A-Z2-7]{4}){3})</code>", page.content.decode())
    assert len(shown) == 10
    assert "no-store" in page["Cache-Control"]
    assert all(second_factor_verify(user=caseworker_getlost, code=code).ok for code in shown[:2])

    again = client.get(reverse("accounts:backup_codes"))

    assert (
        re.findall(r"[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}", again.content.decode()) == []
    )
    assert "8 unused backup codes" in again.content.decode()


# --- Enrolment of an authenticator app ---------------------------------------------------------


def _secret_from(response) -> str:
    match = re.search(r'<code id="totp-secret"[^>]*>([A-Z2-7]+)</code>', response.content.decode())
    assert match, "the page shows the secret in #totp-secret"
    return match.group(1)


def _key_from(secret: str) -> bytes:
    return base64.b32decode(secret + "=" * (-len(secret) % 8))


@pytest.mark.django_db
def test_first_enrolment_of_an_app_verifies_the_session_and_shows_backup_codes(client):
    user = UserFactory()
    sign_in(client, user, verified=False)

    page = client.get(reverse("accounts:totp_enrol"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "<svg" in body and "style=" not in body
    key = _key_from(_secret_from(page))
    assert len(key) == 20
    # Reloading the page keeps the same seed (the user may be scanning it).
    assert _secret_from(client.get(reverse("accounts:totp_enrol"))) == _secret_from(page)
    key_before = client.session.session_key

    wrong = client.post(reverse("accounts:totp_enrol"), {"code": wrong_code(key)})
    assert form_errors(wrong) == [str(ENROL_CODE_INVALID)]
    assert not TOTPDevice.objects.filter(user=user).exists()

    done = client.post(
        reverse("accounts:totp_enrol"), {"code": code_for(key), "name": "work phone"}
    )
    assert done.status_code == 302
    assert done["Location"] == reverse("accounts:backup_codes")
    device = TOTPDevice.objects.get(user=user)
    assert device.confirmed and device.name == "work phone"
    assert device.bin_key == key
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert client.session.session_key != key_before
    assert SESSION_PENDING_TOTP not in client.session

    codes_page = client.get(reverse("accounts:backup_codes"))
    assert len(re.findall(r"<code>[A-Z2-7-]{19}</code>", codes_page.content.decode())) == 10
    assert SESSION_FRESH_BACKUP_CODES not in client.session
    assert actions_of(user)[-2:] == ["auth.factor.added", "auth.backup_codes.generated"]
    added = AuditEvent.objects.get(action="auth.factor.added")
    assert added.data == {"factor": "totp"} and added.object_id == str(device.pk)
    # The code that confirmed the app cannot be used again to sign in.
    assert not second_factor_verify(user=user, code=code_for(key)).ok


@pytest.mark.django_db
def test_adding_another_app_needs_a_recent_second_factor(client, caseworker_getlost):
    sign_in(client, caseworker_getlost)
    session = client.session
    session[SESSION_2FA_AT] = int(time.time()) - 3600
    session.save()

    response = client.get(reverse("accounts:totp_enrol"))

    assert response.status_code == 302
    assert (
        response["Location"]
        == reverse("accounts:reauth") + "?next=%2Faccounts%2Fsecurity%2Ftotp%2F"
    )
    assert SESSION_PENDING_TOTP not in client.session


@pytest.mark.django_db
def test_a_verified_user_adds_a_second_app_without_new_backup_codes(client, caseworker_getlost):
    sign_in(client, caseworker_getlost)
    key = _key_from(_secret_from(client.get(reverse("accounts:totp_enrol"))))

    response = client.post(reverse("accounts:totp_enrol"), {"code": code_for(key)})

    assert response["Location"] == reverse("accounts:security")
    assert TOTPDevice.objects.filter(user=caseworker_getlost).count() == 2
    assert not BackupCode.objects.exists()


@pytest.mark.django_db
def test_enrol_is_closed_to_a_password_only_user_who_has_a_factor(client, caseworker_getlost):
    sign_in(client, caseworker_getlost, verified=False)

    for name in ("accounts:enrol", "accounts:totp_enrol"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:verify"))
    assert not client.post(reverse("accounts:totp_enrol"), {"code": "123456"}).context
    assert TOTPDevice.objects.filter(user=caseworker_getlost).count() == 1


# --- What the database holds -------------------------------------------------------------------


def _database_dump() -> bytes:
    """Every value of every table, raw, plus each session's decoded payload."""
    chunks: list[bytes] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, memoryview | bytes | bytearray):
                        chunks.append(bytes(value))
                    elif value is not None:
                        chunks.append(str(value).encode())
        cursor.execute("SELECT session_data FROM accounts_session")
        decoder = SessionBase()
        for (data,) in cursor.fetchall():
            chunks.append(json.dumps(decoder.decode(data)).encode())
    return b"\n".join(chunks)


def _forms_of_key(key: bytes) -> list[bytes]:
    b32 = base64.b32encode(key).rstrip(b"=")
    return [
        key,
        key.hex().encode(),
        key.hex().upper().encode(),
        b32,
        b32.lower(),
        base64.b64encode(key),
    ]


@pytest.mark.django_db
def test_the_database_holds_no_seed_and_no_backup_code_in_clear(client):
    user = UserFactory()
    sign_in(client, user, verified=False)
    page = client.get(reverse("accounts:totp_enrol"))
    key = _key_from(_secret_from(page))

    # While the enrolment waits for its first code, the seed is in the session: sealed.
    dump = _database_dump()
    assert client.session.get(SESSION_PENDING_TOTP)
    assert not any(form in dump for form in _forms_of_key(key))

    client.post(reverse("accounts:totp_enrol"), {"code": code_for(key)})
    # The fresh backup codes wait in the session until shown: sealed too.
    assert client.session.get(SESSION_FRESH_BACKUP_CODES)
    dump = _database_dump()
    assert not any(form in dump for form in _forms_of_key(key))
    codes_page = client.get(reverse("accounts:backup_codes")).content.decode()
    codes = re.findall(r"<code>([A-Z2-7-]{19})</code>", codes_page)
    assert len(codes) == 10

    dump = _database_dump()
    assert TOTPDevice.objects.filter(user=user).exists()
    assert not any(form in dump for form in _forms_of_key(key))
    for code in codes:
        assert code.encode() not in dump
        assert code.replace("-", "").encode() not in dump
        assert code.replace("-", "").lower().encode() not in dump


# --- Re-authentication -------------------------------------------------------------------------


@pytest.mark.django_db
def test_reauth_takes_a_fresh_code_and_returns_to_next(client, caseworker_getlost):
    sign_in(client, caseworker_getlost)
    session = client.session
    session[SESSION_2FA_AT] = int(time.time()) - 3600
    session.save()
    key_before = client.session.session_key

    page = client.get(reverse("accounts:reauth") + "?next=/accounts/security/backup-codes/")
    assert page.status_code == 200
    response = client.post(
        reverse("accounts:reauth"),
        {"code": code_for(), "next": "/accounts/security/backup-codes/"},
    )

    assert response.status_code == 302
    assert response["Location"] == "/accounts/security/backup-codes/"
    assert client.session[SESSION_2FA_AT] >= int(time.time()) - 5
    assert client.session.session_key != key_before
    assert AuditEvent.objects.filter(
        action="auth.reauth.succeeded", actor_id=caseworker_getlost.pk, data__factor="totp"
    ).exists()


@pytest.mark.django_db
def test_reauth_refuses_a_wrong_code(client, caseworker_getlost):
    sign_in(client, caseworker_getlost)
    session = client.session
    session[SESSION_2FA_AT] = int(time.time()) - 3600
    session.save()

    response = client.post(reverse("accounts:reauth"), {"code": wrong_code()})

    assert form_errors(response) == [str(INVALID_CODE)]
    assert client.session[SESSION_2FA_AT] < int(time.time()) - 3000


# --- Removal -----------------------------------------------------------------------------------


def _stale(client) -> None:
    session = client.session
    session[SESSION_2FA_AT] = int(time.time()) - 3600
    session.save()


@pytest.mark.django_db
def test_removing_an_app_needs_a_recent_second_factor(client, caseworker_getlost):
    sign_in(client, caseworker_getlost)
    spare = totp_device(caseworker_getlost, key=b"another key of 20 b.")
    _stale(client)

    response = client.post(reverse("accounts:totp_remove", args=[spare.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:reauth") + "?next=%2Faccounts%2Fsecurity%2F"
    assert TOTPDevice.objects.filter(pk=spare.pk).exists()
    follow = client.get(response["Location"])
    assert str(REAUTH_FIRST) in follow.content.decode()


@pytest.mark.django_db
def test_removing_an_app_with_a_recent_second_factor_works_and_is_audited(
    client, caseworker_getlost
):
    sign_in(client, caseworker_getlost)
    spare = totp_device(caseworker_getlost, key=b"another key of 20 b.")

    response = client.post(reverse("accounts:totp_remove", args=[spare.pk]))

    assert response["Location"] == reverse("accounts:security")
    assert not TOTPDevice.objects.filter(pk=spare.pk).exists()
    event = AuditEvent.objects.get(action="auth.factor.removed")
    assert event.data == {"factor": "totp"}
    assert event.object_id == str(spare.pk)


@pytest.mark.django_db
def test_the_last_factor_cannot_be_removed(client, caseworker_getlost):
    backup_codes_generate(user=caseworker_getlost)
    sign_in(client, caseworker_getlost)
    device = caseworker_getlost.totpdevice_set.get()

    response = client.post(reverse("accounts:totp_remove", args=[device.pk]), follow=True)

    assert TOTPDevice.objects.filter(pk=device.pk).exists()
    assert str(LAST_FACTOR) in response.content.decode()
    assert not AuditEvent.objects.filter(action="auth.factor.removed").exists()


@pytest.mark.django_db
def test_removing_the_app_this_session_used_asks_for_another_factor(client, caseworker_getlost):
    current = caseworker_getlost.totpdevice_set.get()
    sign_in(client, caseworker_getlost)
    totp_device(caseworker_getlost, key=b"another key of 20 b.")

    response = client.post(reverse("accounts:totp_remove", args=[current.pk]))

    assert response["Location"] == reverse("accounts:verify") + "?next=%2Faccounts%2Fsecurity%2F"
    assert client.get(reverse("accounts:security")).status_code == 302


@pytest.mark.django_db
def test_removing_someone_elses_app_is_not_found(client, caseworker_getlost, outsider):
    theirs = outsider.totpdevice_set.get()
    sign_in(client, caseworker_getlost)
    totp_device(caseworker_getlost, key=b"another key of 20 b.")

    response = client.post(reverse("accounts:totp_remove", args=[theirs.pk]))

    assert response.status_code == 404
    assert TOTPDevice.objects.filter(pk=theirs.pk).exists()


@pytest.mark.django_db
def test_removal_is_post_only(client, caseworker_getlost):
    device = caseworker_getlost.totpdevice_set.get()
    sign_in(client, caseworker_getlost)

    assert client.get(reverse("accounts:totp_remove", args=[device.pk])).status_code == 405
    assert client.get(reverse("accounts:passkey_remove", args=[1])).status_code == 405


# --- The security page -------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_security_page_lists_the_users_factors_only(client, caseworker_getlost, outsider):
    device = caseworker_getlost.totpdevice_set.get()
    device.name = "my old phone"
    device.save()
    theirs = outsider.totpdevice_set.get()
    theirs.name = "someone else's phone"
    theirs.save()
    backup_codes_generate(user=caseworker_getlost)
    sign_in(client, caseworker_getlost)

    body = client.get(reverse("accounts:security")).content.decode()

    assert "my old phone" in body
    assert "someone else" not in body
    assert "10 unused backup codes" in body
    assert reverse("accounts:totp_remove", args=[device.pk]) in body
    assert "style=" not in body


@pytest.mark.django_db
def test_the_security_page_offers_changes_only_after_reauth(client, caseworker_getlost):
    device = caseworker_getlost.totpdevice_set.get()
    sign_in(client, caseworker_getlost)
    _stale(client)

    body = client.get(reverse("accounts:security")).content.decode()

    assert reverse("accounts:totp_remove", args=[device.pk]) not in body
    assert 'id="passkey-register-button"' not in body
    assert reverse("accounts:reauth") in body


def test_the_security_page_lists_each_factor_with_its_remove_form(client, caseworker_getlost):
    sign_in(client, caseworker_getlost)
    page = client.get(reverse("accounts:security")).content.decode()
    device = caseworker_getlost.totpdevice_set.get()
    assert reverse("accounts:totp_remove", args=[device.pk]) in page
    assert "Your authenticator apps" in page
    assert "Used for this session" in page
