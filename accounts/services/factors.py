"""Second factors: verification, enrolment, removal and backup codes.

Every write runs in ``transaction.atomic()`` and writes its audit event. Verification locks the
device rows (``select_for_update``) so that one code is accepted once, also when the same code
arrives in several requests at the same moment.
"""

from __future__ import annotations

import base64
import secrets
import time
from copy import copy
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.contrib.auth.hashers import make_password
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django_otp import devices_for_user
from django_otp.models import Device
from django_otp.oath import TOTP
from django_otp_webauthn.utils import get_credential_model

from accounts.models import BackupCode, BackupCodeDevice, TOTPDevice, User, normalise_backup_code
from audit.services import record

if TYPE_CHECKING:
    from django.db.models import QuerySet

WebAuthnCredential = get_credential_model()

# Messages shown to the user. Tests compare against these constants.
INVALID_CODE = _("That code did not work. Check it and try again; each code works only once.")
THROTTLED = _("Too many wrong codes. Wait a minute, then try again.")
ENROL_CODE_INVALID = _(
    "That code does not match. Type the 6-digit code your app shows now; if it keeps failing, "
    "check that the time on your phone is set automatically."
)
LAST_FACTOR = _(
    "You cannot remove your last passkey or authenticator app: without it you could not sign "
    "in. Add another one first."
)
ALREADY_ENROLLED = _("This account already has a second factor. Sign in with it first.")

TOTP_KEY_BYTES = 20  # RFC 4226 recommends 160 bits
BACKUP_CODE_COUNT = 10
BACKUP_CODE_BYTES = 10  # 80 bits: 16 base32 characters
BACKUP_CODE_GROUP = 4

FACTOR_TOTP = "totp"
FACTOR_BACKUP = "backup"
FACTOR_PASSKEY = "passkey"

PURPOSE_SIGN_IN = "sign_in"
PURPOSE_REAUTH = "reauth"


class FactorError(Exception):
    """A refused change; ``message`` is for the user (and carries no personal data)."""

    def __init__(self, message: Any) -> None:
        super().__init__(str(message))
        self.message = message


@dataclass
class VerifyResult:
    device: Device | None
    factor: str
    error: Any = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.device is not None


# --- Reads -----------------------------------------------------------------------------------


def has_confirmed_factor(user) -> bool:
    """True when the user has at least one confirmed second factor. One query per device type."""
    return any(True for _ in devices_for_user(user, confirmed=True))


def totp_devices_of(user: User) -> QuerySet[TOTPDevice]:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("created_at")


def passkeys_of(user: User) -> QuerySet:
    return WebAuthnCredential.objects.filter(user=user, confirmed=True).order_by("created_at")


def backup_codes_left(user: User) -> int:
    return BackupCode.objects.filter(
        device__user=user, device__confirmed=True, used_at__isnull=True
    ).count()


def primary_factor_count(user: User) -> int:
    """Passkeys and authenticator apps. Backup codes are a fallback that runs out, so they do
    not count as a way to sign in for the "last factor" rule."""
    return totp_devices_of(user).count() + passkeys_of(user).count()


# --- Verification ----------------------------------------------------------------------------


def _success_action(purpose: str) -> str:
    return "auth.reauth.succeeded" if purpose == PURPOSE_REAUTH else "auth.2fa.succeeded"


def _looks_like_totp(code: str) -> bool:
    return code.isdigit() and len(code) <= 8


def second_factor_verify(*, user: User, code: str, purpose: str = PURPOSE_SIGN_IN) -> VerifyResult:
    """Checks an authenticator-app code or a backup code for ``user``.

    Returns the device that accepted the code, or the error to show. The matching device row is
    locked for the check, so a code is accepted at most once even under concurrent requests.
    Failures count towards django-otp's throttle and are audited; they are committed, never
    rolled back. Costs one locking query per device type, plus a password-hash check per
    unused backup code.
    """
    cleaned = "".join(ch for ch in code if not ch.isspace() and ch != "-")
    factor = FACTOR_TOTP if _looks_like_totp(cleaned) else FACTOR_BACKUP
    devices: list[TOTPDevice | BackupCodeDevice]
    with transaction.atomic():
        if factor == FACTOR_TOTP:
            devices = list(
                TOTPDevice.objects.select_for_update()
                .filter(user=user, confirmed=True)
                .order_by("pk")
            )
        else:
            devices = list(
                BackupCodeDevice.objects.select_for_update()
                .filter(user=user, confirmed=True)
                .order_by("pk")
            )
        allowed = [device for device in devices if device.verify_is_allowed()[0]]
        accepted = next((device for device in allowed if device.verify_token(cleaned)), None)
        if accepted is not None:
            record(_success_action(purpose), actor=user, obj=accepted, factor=factor)
            result = VerifyResult(device=accepted, factor=factor)
            if isinstance(accepted, BackupCodeDevice):
                result.extra["left"] = accepted.codes.filter(used_at__isnull=True).count()
            return result
        throttled = bool(devices) and not allowed
        record(
            "auth.2fa.failed",
            actor=user,
            factor=factor,
            reason="throttled" if throttled else "invalid",
            method=purpose,
        )
    return VerifyResult(device=None, factor=factor, error=THROTTLED if throttled else INVALID_CODE)


def passkey_verified(*, user: User, device: Device, purpose: str = PURPOSE_SIGN_IN) -> None:
    """Audits a passkey ceremony that django-otp-webauthn has checked (signature, challenge,
    origin, sign counter)."""
    record(_success_action(purpose), actor=user, obj=device, factor=FACTOR_PASSKEY)


def passkey_failed(*, user: User, purpose: str, reason: str) -> None:
    record("auth.2fa.failed", actor=user, factor=FACTOR_PASSKEY, reason=reason[:64], method=purpose)


# --- Enrolment -------------------------------------------------------------------------------


def new_totp_key() -> bytes:
    return secrets.token_bytes(TOTP_KEY_BYTES)


def totp_matches(key: bytes, code: str, *, digits: int = 6, step: int = 30) -> int | None:
    """The time step at which ``code`` is valid for ``key`` (±1 step), or None."""
    cleaned = "".join(ch for ch in code if not ch.isspace())
    if not cleaned.isdigit() or len(cleaned) != digits:
        return None
    totp = TOTP(key, step, 0, digits, 0)
    totp.time = time.time()
    if totp.verify(int(cleaned), tolerance=1):
        return totp.t()
    return None


def _lock_user(user: User) -> None:
    # Factor changes for one person are serialised, so two tabs cannot both remove "the other"
    # factor, or both enrol a "first" one.
    User.objects.select_for_update().only("pk").get(pk=user.pk)


def _check_first(user: User, first_factor: bool) -> None:
    if first_factor and has_confirmed_factor(user):
        raise FactorError(ALREADY_ENROLLED)


def totp_device_create(
    *, user: User, key: bytes, code: str, name: str = "", first_factor: bool = False
) -> tuple[TOTPDevice, list[str] | None]:
    """Confirms a new authenticator app with a current code and stores it (seed sealed).

    On the first enrolment also makes the backup codes, returned once. The confirming code is
    spent: it cannot be used again to sign in.
    """
    t = totp_matches(key, code)
    if t is None:
        raise FactorError(ENROL_CODE_INVALID)
    with transaction.atomic():
        _lock_user(user)
        _check_first(user, first_factor)
        device = TOTPDevice(user=user, name=name.strip()[:64], confirmed=True, last_t=t)
        device.set_key(key)
        device.save()
        codes = _backup_codes_replace(user) if first_factor else None
        record("auth.factor.added", actor=user, obj=device, factor=FACTOR_TOTP)
        _record_codes(user, codes)
    return device, codes


def passkey_register(
    *, helper: Any, user: User, state: dict, data: Any, first_factor: bool = False
) -> tuple[Device, list[str] | None]:
    """Completes a passkey registration that django-otp-webauthn's helper verifies, and audits
    it. On the first enrolment also makes the backup codes, returned once."""
    with transaction.atomic():
        _lock_user(user)
        _check_first(user, first_factor)
        device = helper.register_complete(user=user, state=state, data=data)
        codes = _backup_codes_replace(user) if first_factor else None
        record("auth.factor.added", actor=user, obj=device, factor=FACTOR_PASSKEY)
        _record_codes(user, codes)
    return device, codes


# --- Removal ---------------------------------------------------------------------------------


def _remove(*, user: User, device: Device, factor: str) -> None:
    with transaction.atomic():
        _lock_user(user)
        if device.user_id != user.pk:
            # Views fetch the device through the user; this is a second line of defence.
            raise PermissionDenied
        if primary_factor_count(user) <= 1:
            raise FactorError(LAST_FACTOR)
        removed = copy(device)  # delete() clears the id the event names
        device.delete()
        record("auth.factor.removed", actor=user, obj=removed, factor=factor)


def totp_device_remove(*, user: User, device: TOTPDevice) -> None:
    """Removes an authenticator app, unless it is the last passkey or app."""
    _remove(user=user, device=device, factor=FACTOR_TOTP)


def passkey_remove(*, user: User, device: Device) -> None:
    """Removes a passkey, unless it is the last passkey or app."""
    _remove(user=user, device=device, factor=FACTOR_PASSKEY)


# --- Backup codes ----------------------------------------------------------------------------


def format_backup_code(code: str) -> str:
    return "-".join(code[i : i + BACKUP_CODE_GROUP] for i in range(0, len(code), BACKUP_CODE_GROUP))


def _new_backup_code() -> str:
    return base64.b32encode(secrets.token_bytes(BACKUP_CODE_BYTES)).decode("ascii")


def _backup_codes_replace(user: User) -> list[str]:
    # One device per user, kept across regenerations: a session verified with a backup code
    # stays verified when the codes are replaced.
    device = BackupCodeDevice.objects.select_for_update().filter(user=user).order_by("pk").first()
    if device is None:
        device = BackupCodeDevice.objects.create(user=user, name="backup", confirmed=True)
    elif not device.confirmed:
        device.confirmed = True
        device.save(update_fields=["confirmed"])
    device.codes.all().delete()
    codes = [_new_backup_code() for _ in range(BACKUP_CODE_COUNT)]
    BackupCode.objects.bulk_create(
        BackupCode(device=device, code_hash=make_password(normalise_backup_code(code)))
        for code in codes
    )
    return [format_backup_code(code) for code in codes]


def _record_codes(user: User, codes: list[str] | None) -> None:
    """Audits new backup codes, after every row is written (the lock order)."""
    if codes is not None:
        device = BackupCodeDevice.objects.filter(user=user).only("pk").first()
        record("auth.backup_codes.generated", actor=user, obj=device, count=len(codes))


def backup_codes_generate(*, user: User) -> list[str]:
    """Replaces the user's backup codes with 10 new ones (80 bits each), stored only as password
    hashes; returns them formatted for display, once."""
    with transaction.atomic():
        _lock_user(user)
        codes = _backup_codes_replace(user)
        _record_codes(user, codes)
        return codes
