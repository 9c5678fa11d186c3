"""Making, revoking and using API tokens. Each write runs in one transaction with its audit
event last; error texts are module constants (tests assert them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Membership, Organisation, Role, User
from api import tokens
from api.models import ApiToken, TokenKind
from audit.services import deferred, record

PERSONAL_MAX_DAYS = 30
INTAKE_MAX_DAYS = 365
# Live tokens one person (personal) or one organisation (intake) may hold at once.
MAX_LIVE = 10

ERR_NAME = _("Give the token a name of up to 80 characters, so you recognise it later.")
ERR_PERSONAL_DAYS = _("A personal access token lasts from 1 to 30 days.")
ERR_INTAKE_DAYS = _("An intake token lasts from 1 to 365 days.")
ERR_TOO_MANY = _("There are 10 live tokens already. Revoke one that is no longer used first.")
ERR_NOT_MEMBER = _("A token can be made only for an organisation you belong to.")
ERR_REVOKED = _("This token was already revoked.")


@dataclass(frozen=True)
class Issued:
    """A new token and its full text, which is shown once and stored nowhere."""

    token: ApiToken
    text: str


def _check(name: str, days: int, most: int, error) -> str:
    name = name.strip()
    if not name or len(name) > 80:
        raise ValidationError(ERR_NAME)
    if not 1 <= days <= most:
        raise ValidationError(error)
    return name


def _live(**filters) -> int:
    return ApiToken.objects.filter(
        revoked_at__isnull=True, expires_at__gt=timezone.now(), **filters
    ).count()


def _issue(*, kind: str, organisation: Organisation, user: User | None, by: User, name: str,
           days: int) -> Issued:  # fmt: skip
    text, key_id, digest = tokens.new_token(kind)
    token = ApiToken.objects.create(
        kind=kind,
        key_id=key_id,
        digest=digest,
        name=name,
        organisation=organisation,
        user=user,
        created_by=by,
        expires_at=timezone.now() + timedelta(days=days),
    )
    record("api.token.created", actor=by, obj=token, org=organisation, method=kind)
    return Issued(token=token, text=text)


def personal_token_create(
    *, user: User, organisation: Organisation, name: str, days: int = PERSONAL_MAX_DAYS
) -> Issued:
    """A token acting as ``user`` in ``organisation`` (where the user must be a member) for
    ``days`` (1 to 30). The caller has checked a second factor given within the re-auth window
    (the page is behind accounts.security.require_recent_second_factor)."""
    name = _check(name, days, PERSONAL_MAX_DAYS, ERR_PERSONAL_DAYS)
    with transaction.atomic(), deferred():
        # Serialises two tabs making tokens at once, so the count below holds.
        User.objects.select_for_update().filter(pk=user.pk).first()
        member = Membership.objects.filter(
            user=user, organisation=organisation, organisation__is_active=True
        ).exists()
        if not member or not user.is_active or user.is_frozen:
            raise ValidationError(ERR_NOT_MEMBER)
        if _live(user=user, kind=TokenKind.PERSONAL) >= MAX_LIVE:
            raise ValidationError(ERR_TOO_MANY)
        return _issue(
            kind=TokenKind.PERSONAL,
            organisation=organisation,
            user=user,
            by=user,
            name=name,
            days=days,
        )


def _require_admin(by: User, organisation_id) -> None:
    if not Membership.objects.filter(
        user=by, organisation_id=organisation_id, role=Role.ORG_ADMIN, organisation__is_active=True
    ).exists():
        raise PermissionDenied


def intake_token_create(*, organisation: Organisation, by: User, name: str, days: int) -> Issued:
    """An intake token of ``organisation`` (``by`` must be its admin) for ``days`` (1-365)."""
    name = _check(name, days, INTAKE_MAX_DAYS, ERR_INTAKE_DAYS)
    with transaction.atomic(), deferred():
        Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
        _require_admin(by, organisation.pk)
        if _live(organisation=organisation, kind=TokenKind.INTAKE) >= MAX_LIVE:
            raise ValidationError(ERR_TOO_MANY)
        return _issue(
            kind=TokenKind.INTAKE,
            organisation=organisation,
            user=None,
            by=by,
            name=name,
            days=days,
        )


def token_revoke(*, token: ApiToken, by: User) -> ApiToken:
    """A personal token by its owner; an intake token by an admin of its organisation. The
    next request with it is refused (no cache holds it)."""
    with transaction.atomic(), deferred():
        token = ApiToken.objects.select_for_update().get(pk=token.pk)
        if token.kind == TokenKind.PERSONAL:
            if token.user_id != by.pk:
                raise PermissionDenied
        else:
            _require_admin(by, token.organisation_id)
        if token.revoked_at is not None:
            raise ValidationError(ERR_REVOKED)
        token.revoked_at = timezone.now()
        token.revoked_by = by
        token.save(update_fields=["revoked_at", "revoked_by"])
        record("api.token.revoked", actor=by, obj=token, org=token.organisation_id)
    return token


def token_used(*, token: ApiToken, method: str, endpoint: str) -> None:
    """One event per request made with the token (which endpoint, never what was sent)."""
    with transaction.atomic(), deferred():
        now = timezone.now()
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
        record(
            "api.token.used",
            actor=token.user_id,
            obj=token,
            org=token.organisation_id,
            method=method,
            endpoint=endpoint,
        )


def token_refused(*, token: ApiToken, reason: str) -> None:
    """A request with a known token that opens nothing: revoked, expired, or its person no
    longer a member (``reason``, a code)."""
    record(
        "api.token.refused",
        actor=token.user_id,
        obj=token,
        org=token.organisation_id,
        reason=reason,
    )
