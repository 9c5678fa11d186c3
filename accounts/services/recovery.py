"""Account recovery started by an org admin, for a member whose phone or password may be in
someone else's hands.

Starting it takes effect at once: every session of the account ends, its password stops
working and every second factor (authenticator apps, passkeys, backup codes) is deleted, so
whoever holds the phone cannot sign in again. The admin is shown a single-use link (only its
SHA-256 hash is stored) to hand to the person through a channel they trust; with it the person
chooses a new password and then, like a new account, must enrol a second factor before
reaching anything. The link is never e-mailed: the mailbox may be on the lost phone.
The person gets a notice without a link, organisation or name, so a recovery they did not ask
for does not go unnoticed.
"""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django_otp import device_classes

from accounts.models import (
    AccountRecovery,
    BackupCodeDevice,
    Membership,
    Organisation,
    TOTPDevice,
    User,
    UserSession,
)
from accounts.services.factors import (
    FACTOR_BACKUP,
    FACTOR_PASSKEY,
    FACTOR_TOTP,
    WebAuthnCredential,
)
from accounts.services.invitations import TOKEN_BYTES, token_hash
from audit.services import deferred, record

if TYPE_CHECKING:
    from django.utils.functional import Promise

# Shorter than an invitation: the link opens an existing account with its case access.
RECOVERY_LIFETIME = timedelta(hours=24)
# Session key holding the hash of the recovery token being used (never the token).
SESSION_RECOVERY = "wp_recovery"

CANNOT_RECOVER_SELF = _(
    "You cannot recover your own account here. Ask another admin of your organisation."
)
CANNOT_RECOVER_PLATFORM_ADMIN = _(
    "This account belongs to a platform administrator and cannot be recovered here."
)
RECOVERY_STARTED = _(
    "Recovery started: the account is signed out everywhere, and its password and second "
    "factors no longer work."
)
RECOVERY_UNKNOWN = _("This recovery link is not valid. Check that you opened the whole link.")
RECOVERY_EXPIRED = _(
    "This recovery link has expired. Ask your organisation's admin to start the recovery again."
)
RECOVERY_USED = _("This recovery link has already been used. Sign in with the password you chose.")
RECOVERY_REPLACED = _(
    "This recovery link has been replaced by a newer one. Ask your organisation's admin for it."
)
RECOVERY_FROZEN = _(
    "This account is frozen. Ask your organisation's admin to unfreeze it, then open the link "
    "again."
)
RECOVERY_SIGNED_IN = _("You are signed in. Sign out, then open the recovery link again.")

# No link, no organisation, no name: the mailbox may be read by whoever has the phone.
NOTICE_SUBJECT = _("Your Waypoint account was reset")
NOTICE_BODY = _(
    "The password and the sign-in methods of your Waypoint account were reset by an admin of "
    "your organisation. Every session of the account has been ended.\n"
    "\n"
    "If you asked for this, your admin will give you a link to choose a new password. If you "
    "did not, tell your organisation at once through a channel you trust."
)

logger = logging.getLogger(__name__)

_FACTOR_OF = {TOTPDevice: FACTOR_TOTP, BackupCodeDevice: FACTOR_BACKUP}
_FACTOR_OF[WebAuthnCredential] = FACTOR_PASSKEY


class RecoveryError(Exception):
    """A recovery link that cannot be used; ``status`` is the HTTP status to answer with."""

    def __init__(self, message: Promise | str, *, status: int = 400) -> None:
        super().__init__(str(message))
        self.message = message
        self.status = status


def recovery_link(token: str) -> str:
    base = settings.WAYPOINT_BASE_URL.rstrip("/")
    return base + reverse("accounts:recovery_open", kwargs={"token": token})


def recovery_refusal(*, target: User, by: User) -> Promise | None:
    """Why ``by`` may not recover ``target`` (the caller has checked that ``by`` administers
    an organisation ``target`` belongs to), or None."""
    if target.pk == by.pk:
        return CANNOT_RECOVER_SELF
    if target.is_superuser or target.is_staff:
        return CANNOT_RECOVER_PLATFORM_ADMIN
    return None


def _remove_factors(target: User, *, by: User, organisation_id) -> None:
    """Deletes every second factor of ``target``, confirmed or not, of every device type.
    Each is recorded before it goes, so that the event names the device's id (the events are
    appended at the end of the transaction: recovery_start runs inside audit's deferred())."""
    for model in device_classes():
        for device in model.objects.filter(user=target).order_by("pk"):
            factor = _FACTOR_OF.get(model, model._meta.label_lower)
            record(
                "auth.factor.removed",
                actor=by,
                obj=device,
                org=organisation_id,
                factor=factor,
                target_user=target.pk,
                reason="recovery",
            )
        model.objects.filter(user=target).delete()


def _revoke_pending(target: User, *, by: User, now) -> None:
    pending = AccountRecovery.objects.select_for_update().filter(
        user=target, used_at__isnull=True, revoked_at__isnull=True
    )
    for old in pending:
        old.revoked_at = now
        old.save(update_fields=["revoked_at"])
        record(
            "member.recovery_revoked",
            actor=by,
            obj=old,
            org=old.organisation_id,
            target_user=target.pk,
            reason="superseded",
        )


def _send_notice(email: str, language: str) -> None:
    """In the recipient's language, not the admin's who started the recovery."""
    try:
        with translation.override(language):
            subject, body = str(NOTICE_SUBJECT), str(NOTICE_BODY)
        send_mail(subject, body, None, [email], fail_silently=False)
    except OSError as exc:
        # The recovery has happened either way; the error text may name the recipient.
        logger.warning("recovery notice not sent: %s", type(exc).__name__)


@transaction.atomic
def recovery_start(*, membership: Membership, by: User) -> tuple[AccountRecovery, str]:
    """Ends all sessions of the member's account, makes its password unusable, deletes its
    second factors, and returns a new recovery with its token (shown once, never stored).

    The caller has checked that ``by`` is an org admin of ``membership``'s organisation
    (selectors.member_for_admin). Refuses self-recovery and platform admins
    (ValidationError). An earlier unused link of the account stops working.
    """
    with deferred():  # every row first, the audit appends last (audit.services, "Lock order")
        return _recovery_start(membership=membership, by=by)


def _recovery_start(*, membership: Membership, by: User) -> tuple[AccountRecovery, str]:
    Organisation.objects.select_for_update().only("pk").get(pk=membership.organisation_id)
    target = User.objects.select_for_update().get(pk=membership.user_id)
    refusal = recovery_refusal(target=target, by=by)
    if refusal is not None:
        raise ValidationError(str(refusal), code="refused")
    now = timezone.now()
    ended = UserSession.objects.filter(user=target).delete()[0]
    target.set_unusable_password()
    target.save(update_fields=["password"])
    org = membership.organisation_id
    _remove_factors(target, by=by, organisation_id=org)
    _revoke_pending(target, by=by, now=now)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    recovery = AccountRecovery.objects.create(
        user=target,
        organisation_id=org,
        token_hash=token_hash(token),
        started_by=by,
        created_at=now,
        expires_at=now + RECOVERY_LIFETIME,
    )
    record(
        "member.recovery_started",
        actor=by,
        obj=recovery,
        org=org,
        target_user=target.pk,
        count=ended,
    )
    transaction.on_commit(lambda: _send_notice(target.email, target.preferred_language))
    return recovery, token


def check_usable(recovery: AccountRecovery | None) -> AccountRecovery:
    """Returns the recovery if its link can be used now, else raises RecoveryError."""
    if recovery is None or not recovery.user.is_active:
        raise RecoveryError(RECOVERY_UNKNOWN, status=404)
    if recovery.used_at is not None:
        raise RecoveryError(RECOVERY_USED)
    if recovery.revoked_at is not None:
        raise RecoveryError(RECOVERY_REPLACED)
    if recovery.expires_at <= timezone.now():
        raise RecoveryError(RECOVERY_EXPIRED)
    if recovery.user.is_frozen:
        # Not used up: the link works once the account is unfrozen.
        raise RecoveryError(RECOVERY_FROZEN)
    return recovery


def recovery_by_hash(digest: str | None) -> AccountRecovery:
    """The usable recovery with that token hash (RecoveryError otherwise). One query."""
    recovery = (
        AccountRecovery.objects.select_related("user").filter(token_hash=digest).first()
        if digest
        else None
    )
    return check_usable(recovery)


@transaction.atomic
def recovery_complete(*, digest: str, password: str) -> AccountRecovery:
    """Sets the account's new password and uses up the link. The account still has no second
    factor: the caller signs it in with the password step only, which reaches nothing but
    enrolment.

    Raises RecoveryError when the link cannot be used and ValidationError when the password
    fails AUTH_PASSWORD_VALIDATORS; then nothing changes. The row lock makes the link
    single-use: a second request waits, then finds it used.
    """
    recovery = check_usable(
        AccountRecovery.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(token_hash=digest)
        .first()
    )
    user = User.objects.select_for_update().get(pk=recovery.user_id)
    validate_password(password, user=user)
    user.set_password(password)
    user.save(update_fields=["password"])
    recovery.user = user
    recovery.used_at = timezone.now()
    recovery.save(update_fields=["used_at"])
    record(
        "member.recovery_used",
        actor=user,
        obj=recovery,
        org=recovery.organisation_id,
        target_user=user.pk,
    )
    return recovery
