"""Consent: recorded, confirmed by the client (how and when), withdrawn (which revokes the
referrals resting on it)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import Organisation, User
from audit.services import record
from casework.guards import lock_case, require_assigned
from casework.models import (
    Case,
    Consent,
    ConsentConfirmation,
    ConsentGiver,
    ConsentPurpose,
    ReferralStatus,
)
from casework.services.access import (
    CONFIRMATION_MAX_AGE,
    ERR_CONFIRMATION_BEFORE_CONSENT,
    ERR_CONFIRMATION_FOR_RELATIVE,
    ERR_CONFIRMATION_FUTURE,
    ERR_CONFIRMATION_REQUIRED,
    ERR_CONFIRMATION_TOO_OLD,
    ERR_CONSENT_NOT_PENDING,
    ERR_CONSENT_WITHDRAWN,
    ERR_UNKNOWN_GIVER,
    ERR_UNKNOWN_PURPOSE,
    check_expiry,
    chosen_sections,
    record_revoked,
    revoke_referral,
)


def _check_confirmation(
    *, via: str, at: datetime | None, now: datetime, not_before: datetime | None = None
) -> datetime:
    """How and when the client confirmed: a known way, not in the future, not before
    ``not_before`` (to the minute a form gives), at most CONFIRMATION_MAX_AGE back."""
    if via not in ConsentConfirmation.values or at is None:
        raise ValidationError(ERR_CONFIRMATION_REQUIRED)
    if at > now:
        raise ValidationError(ERR_CONFIRMATION_FUTURE)
    if not_before is not None and at < not_before.replace(second=0, microsecond=0):
        raise ValidationError(ERR_CONFIRMATION_BEFORE_CONSENT)
    if at < now - CONFIRMATION_MAX_AGE:
        raise ValidationError(ERR_CONFIRMATION_TOO_OLD)
    return at


@transaction.atomic
def consent_record(
    *,
    case: Case,
    by: User,
    purpose: str,
    recipient: Organisation,
    sections: Iterable[str],
    given_by: str,
    expires_at: datetime,
    confirmed_via: str = "",
    confirmed_at: datetime | None = None,
) -> Consent:
    """Records the client's consent, with how and when the client gave it (valid from then
    on), or a relative's (without them: pending until the client confirms, it opens nothing
    before)."""
    require_assigned(by=by, case=case)
    if purpose not in ConsentPurpose.values:
        raise ValidationError(ERR_UNKNOWN_PURPOSE)
    if given_by not in ConsentGiver.values:
        raise ValidationError(ERR_UNKNOWN_GIVER)
    chosen = chosen_sections(sections)
    now = timezone.now()
    check_expiry(expires_at, now)
    if given_by == ConsentGiver.CLIENT:
        confirmed_at = _check_confirmation(via=confirmed_via, at=confirmed_at, now=now)
    elif confirmed_via or confirmed_at is not None:
        raise ValidationError(ERR_CONFIRMATION_FOR_RELATIVE)
    lock_case(case)
    client = given_by == ConsentGiver.CLIENT
    consent = Consent.objects.create(
        case=case,
        purpose=purpose,
        recipient=recipient,
        sections=chosen,
        given_by=given_by,
        confirmed_at=confirmed_at if client else None,
        confirmed_via=confirmed_via if client else "",
        confirmation_recorded_by=by if client else None,
        recorded_by=by,
        recorded_at=now,
        expires_at=expires_at,
    )
    record(
        "consent.recorded",
        actor=by,
        obj=case,
        org=case.organisation_id,
        consent=str(consent.pk),
        target_org=str(recipient.pk),
        sections=chosen,
        method=given_by,
        status="confirmed" if client else "pending",
    )
    if client:
        _record_confirmed(consent=consent, by=by)
    return consent


def _record_confirmed(*, consent: Consent, by: User) -> None:
    record(
        "consent.confirmed",
        actor=by,
        obj=consent.case,
        org=consent.case.organisation_id,
        consent=str(consent.pk),
        method=consent.confirmed_via,
    )


@transaction.atomic
def consent_confirm(
    *, consent: Consent, by: User, confirmed_via: str, confirmed_at: datetime | None
) -> Consent:
    """The client confirmed a consent a relative gave, in the way and at the time given: it
    becomes valid."""
    require_assigned(by=by, case=consent.case)
    lock_case(consent.case)
    consent = Consent.objects.select_related("case").get(pk=consent.pk)
    if consent.confirmed_at is not None:
        raise ValidationError(ERR_CONSENT_NOT_PENDING)
    if consent.withdrawn_at is not None:
        raise ValidationError(ERR_CONSENT_WITHDRAWN)
    consent.confirmed_at = _check_confirmation(
        via=confirmed_via, at=confirmed_at, now=timezone.now(), not_before=consent.recorded_at
    )
    consent.confirmed_via = confirmed_via
    consent.confirmation_recorded_by = by
    consent.save(update_fields=["confirmed_at", "confirmed_via", "confirmation_recorded_by"])
    _record_confirmed(consent=consent, by=by)
    return consent


@transaction.atomic
def consent_withdraw(*, consent: Consent, by: User) -> Consent:
    """Withdraws the consent and, in the same transaction, revokes every referral resting on
    it (their grant rows are deleted): nothing it opened stays open."""
    require_assigned(by=by, case=consent.case)
    lock_case(consent.case)
    consent = Consent.objects.select_related("case").get(pk=consent.pk)
    if consent.withdrawn_at is not None:
        raise ValidationError(ERR_CONSENT_WITHDRAWN)
    now = timezone.now()
    consent.withdrawn_at = now
    consent.save(update_fields=["withdrawn_at"])
    referrals = list(
        consent.referrals.filter(status__in=[ReferralStatus.PENDING, ReferralStatus.ACCEPTED])
    )
    for referral in referrals:
        revoke_referral(referral=referral, now=now)
    for referral in referrals:
        record_revoked(referral=referral, by=by)
    record(
        "consent.withdrawn",
        actor=by,
        obj=consent.case,
        org=consent.case.organisation_id,
        consent=str(consent.pk),
        count=len(referrals),
    )
    return consent


def matching_consent(
    *, case: Case, to_organisation: Organisation, sections: Iterable[str]
) -> Consent | None:
    """A valid consent of the case for that organisation covering all ``sections``, the one
    lasting longest. One query."""
    wanted = set(sections)
    now = timezone.now()
    candidates = Consent.objects.filter(
        case=case,
        recipient=to_organisation,
        confirmed_at__isnull=False,
        withdrawn_at__isnull=True,
        expires_at__gt=now,
    ).order_by("-expires_at")
    for consent in candidates:
        if wanted <= set(consent.sections):
            return consent
    return None
