"""Invitations: sending, revoking and accepting.

The token exists in clear only in the e-mail and in the recipient's address bar for the one
request that opens it; the database and the session hold its SHA-256 hash.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from accounts.models import Invitation, Membership, Role, User
from audit.services import record

if TYPE_CHECKING:
    from django.utils.functional import Promise

    from accounts.models import Organisation

# Errors shown on the invitation page (status 404 for a link we do not know, 400 otherwise).
INVITATION_UNKNOWN = _(
    "This invitation link is not valid. Check that you opened the whole link from the e-mail."
)
INVITATION_EXPIRED = _(
    "This invitation has expired. Ask your organisation's admin to send you a new one."
)
INVITATION_USED = _("This invitation has already been used. Sign in with your account instead.")
INVITATION_REVOKED = _(
    "This invitation has been withdrawn. Ask your organisation's admin if you think this is "
    "a mistake."
)
INVITATION_WRONG_EMAIL = _(
    "This invitation is for a different e-mail address than the account you are signed in "
    "with. Sign out, then open the invitation link again."
)
INVITATION_ACCOUNT_EXISTS = _(
    "An account with this e-mail address already exists. Sign in to it, then accept the invitation."
)
UNKNOWN_ROLE = _("Choose one of the listed roles.")
ALREADY_MEMBER = _("This person is already a member of the organisation.")
YOU_ARE_ALREADY_MEMBER = _("You are already a member of this organisation.")
INVITATION_NOT_PENDING = _("This invitation is no longer pending, so it cannot be withdrawn.")
EMAIL_NOT_SENT = _("The invitation e-mail could not be sent, so no invitation was created.")
INVITATION_SENT = _("The invitation has been sent.")
INVITATION_WITHDRAWN = _("The invitation has been withdrawn.")

# The e-mail names the organisation and nothing else: no inviter, no role, no case. Anyone
# who reads the mail in transit learns no more than that an invitation was sent.
EMAIL_SUBJECT = _("Your invitation to Waypoint")
EMAIL_BODY = ngettext_lazy(
    "You have been invited to join {organisation} on Waypoint.\n"
    "\n"
    "Open this link within {hours} hour to choose your password:\n"
    "{link}\n"
    "\n"
    "The link works once. If you did not expect this invitation, ignore this message.",
    "You have been invited to join {organisation} on Waypoint.\n"
    "\n"
    "Open this link within {hours} hours to choose your password:\n"
    "{link}\n"
    "\n"
    "The link works once. If you did not expect this invitation, ignore this message.",
    "hours",
)

logger = logging.getLogger(__name__)

# Session key holding the hash of the invitation token being accepted (never the token).
SESSION_INVITATION = "wp_invitation"
TOKEN_BYTES = 32
MAX_TOKEN_LENGTH = 128


class InvitationError(Exception):
    """An invitation that cannot be used; ``status`` is the HTTP status to answer with."""

    def __init__(self, message: Promise | str, *, status: int = 400) -> None:
        super().__init__(str(message))
        self.message = message
        self.status = status


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def invitation_link(token: str) -> str:
    base = settings.WAYPOINT_BASE_URL.rstrip("/")
    return base + reverse("accounts:invitation_open", kwargs={"token": token})


def check_usable(invitation: Invitation | None) -> Invitation:
    """Returns the invitation if it can be accepted, else raises InvitationError."""
    if invitation is None or not invitation.organisation.is_active:
        raise InvitationError(INVITATION_UNKNOWN, status=404)
    if invitation.accepted_at is not None:
        raise InvitationError(INVITATION_USED)
    if invitation.revoked_at is not None:
        raise InvitationError(INVITATION_REVOKED)
    if invitation.expires_at <= timezone.now():
        raise InvitationError(INVITATION_EXPIRED)
    return invitation


def invitation_by_hash(digest: str | None) -> Invitation:
    """The usable invitation with that token hash (InvitationError otherwise). One query."""
    invitation = (
        Invitation.objects.select_related("organisation").filter(token_hash=digest).first()
        if digest
        else None
    )
    return check_usable(invitation)


def _lock_usable(digest: str) -> Invitation:
    # The row lock makes acceptance single-use: a second request waits here, then sees
    # accepted_at set and fails.
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("organisation")
        .filter(token_hash=digest)
        .first()
    )
    return check_usable(invitation)


@transaction.atomic
def invitation_send(*, organisation: Organisation, email: str, role: str, by: User) -> Invitation:
    """Creates an invitation and e-mails its link. Returns the invitation.

    An earlier pending invitation of the same address to the same organisation is withdrawn,
    so only the newest link works. The e-mail is sent inside the transaction: if sending
    fails, nothing is created and the admin is told.
    """
    email = User.objects.normalize_email(email).strip().lower()
    if role not in Role.values:
        raise ValidationError(UNKNOWN_ROLE, code="unknown_role")
    if Membership.objects.filter(organisation=organisation, user__email__iexact=email).exists():
        raise ValidationError(ALREADY_MEMBER, code="already_member")
    invitation, token, superseded = new_invitation(
        organisation=organisation, email=email, role=role, by=by
    )
    # The audit appends come last (audit.services, "Lock order").
    for old in superseded:
        record("invitation.revoked", actor=by, obj=old, org=organisation, reason="superseded")
    record("invitation.sent", actor=by, obj=invitation, org=organisation, role=role)
    hours = int(settings.INVITATION_LIFETIME.total_seconds() // 3600)
    body = (EMAIL_BODY % {"hours": hours}).format(
        organisation=organisation.name, hours=hours, link=invitation_link(token)
    )
    try:
        send_mail(str(EMAIL_SUBJECT), body, None, [email], fail_silently=False)
    except OSError as exc:
        # The exception text may name the recipient: only its type is logged, and the
        # chain is cut so that no error report carries it.
        logger.warning("invitation e-mail not sent: %s", type(exc).__name__)
        raise ValidationError(EMAIL_NOT_SENT, code="email_failed") from None
    return invitation


def new_invitation(
    *, organisation: Organisation, email: str, role: str, by: User | None
) -> tuple[Invitation, str, list[Invitation]]:
    """A new pending invitation, its one-time token, and the earlier pending invitations of
    the same address to the same organisation, now withdrawn (only the newest link works).
    Inside the caller's transaction; the audit appends are the caller's, last."""
    now = timezone.now()
    superseded = list(
        Invitation.objects.select_for_update().filter(
            organisation=organisation,
            email__iexact=email,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
        )
    )
    for old in superseded:
        old.revoked_at = now
        old.save(update_fields=["revoked_at"])
    token = secrets.token_urlsafe(TOKEN_BYTES)
    invitation = Invitation.objects.create(
        email=email,
        organisation=organisation,
        role=role,
        token_hash=token_hash(token),
        invited_by=by,
        created_at=now,
        expires_at=now + settings.INVITATION_LIFETIME,
    )
    return invitation, token, superseded


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, by: User) -> Invitation:
    """Withdraws a pending invitation; its link stops working at once."""
    current = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if current.accepted_at is not None or current.revoked_at is not None:
        raise ValidationError(INVITATION_NOT_PENDING, code="not_pending")
    current.revoked_at = timezone.now()
    current.save(update_fields=["revoked_at"])
    record("invitation.revoked", actor=by, obj=current, org=current.organisation_id)
    return current


@dataclass(frozen=True)
class Acceptance:
    user: User
    membership: Membership


def _accept(invitation: Invitation, user: User) -> Acceptance:
    if Membership.objects.filter(user=user, organisation_id=invitation.organisation_id).exists():
        raise InvitationError(YOU_ARE_ALREADY_MEMBER)
    membership = Membership.objects.create(
        user=user, organisation_id=invitation.organisation_id, role=invitation.role
    )
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    record(
        "invitation.accepted",
        actor=user,
        obj=invitation,
        org=invitation.organisation_id,
        role=invitation.role,
    )
    return Acceptance(user=user, membership=membership)


@transaction.atomic
def invitation_accept_new_user(
    *, digest: str, password: str, display_name: str = "", language: str = ""
) -> Acceptance:
    """Creates the invited person's account and membership, and uses up the invitation.

    Raises InvitationError if the invitation cannot be used or an account with the address
    already exists (that person signs in and uses ``invitation_accept_existing_user``), and
    ValidationError if the password is too weak.
    """
    invitation = _lock_usable(digest)
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise InvitationError(INVITATION_ACCOUNT_EXISTS)
    languages = {code for code, _name in settings.LANGUAGES}
    user = User(
        email=invitation.email,
        display_name=display_name.strip(),
        preferred_language=language if language in languages else settings.LANGUAGE_CODE,
    )
    validate_password(password, user=user)
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save(force_insert=True)
    except IntegrityError:
        # Created by a concurrent request between our check and our insert.
        raise InvitationError(INVITATION_ACCOUNT_EXISTS) from None
    return _accept(invitation, user)


@transaction.atomic
def invitation_accept_existing_user(*, digest: str, user: User) -> Acceptance:
    """Adds the signed-in user to the invitation's organisation and uses up the invitation.

    The invitation is bound to an e-mail address: a user signed in with another address gets
    INVITATION_WRONG_EMAIL and nothing changes.
    """
    invitation = _lock_usable(digest)
    if user.email.lower() != invitation.email.lower():
        raise InvitationError(INVITATION_WRONG_EMAIL)
    return _accept(invitation, user)
