"""Referrals to partner organisations (created on a matching consent, accepted or declined by
the receiver, revoked by the owner) and lawyers' section grants inside the owning organisation."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import Membership, Organisation, Role, User
from audit.services import record
from casework.guards import lock_case, require_assigned
from casework.models import (
    Case,
    CaseUserPermission,
    Consent,
    NoticeKind,
    Referral,
    ReferralAction,
    ReferralReason,
    ReferralStatus,
)
from casework.sections import SECTIONS, Section
from casework.selectors import (
    REFERRAL_ROLES,
    is_active_user,
    is_assigned_caseworker,
    is_owner_admin,
    memberships,
)
from casework.services.access import (
    ERR_CONSENT_OUTLIVED,
    ERR_INACTIVE_ORGANISATION,
    ERR_LOCATION_UNVERIFIED,
    ERR_NO_CONSENT,
    ERR_NOT_ACCEPTED,
    ERR_NOT_ASSIGNABLE,
    ERR_NOT_LAWYER,
    ERR_NOT_PENDING,
    ERR_OWN_ORGANISATION,
    ERR_RECIPIENT_NOT_MEMBER,
    ERR_UNKNOWN_ACTION,
    ERR_UNKNOWN_REASON,
    ERR_UNKNOWN_SECTION,
    check_expiry,
    chosen_sections,
    grant_rows,
    locked_referral,
    notify,
    record_revoked,
    revoke_referral,
)
from casework.services.consent import matching_consent


def _check_terms(
    *,
    case: Case,
    to_organisation: Organisation,
    sections: list[str],
    actions: list[str],
    reason: str,
) -> None:
    """ValidationError unless the actions, reason and receiver are acceptable and location is
    shared only for a verified person."""
    if not set(actions) <= set(ReferralAction.values):
        raise ValidationError(ERR_UNKNOWN_ACTION)
    if reason not in ReferralReason.values:
        raise ValidationError(ERR_UNKNOWN_REASON)
    if to_organisation.pk == case.organisation_id:
        raise ValidationError(ERR_OWN_ORGANISATION)
    if not to_organisation.is_active:
        raise ValidationError(ERR_INACTIVE_ORGANISATION)
    if Section.LOCATION in sections and not case.is_verified:
        raise ValidationError(ERR_LOCATION_UNVERIFIED)


def _consent_covering(
    *,
    case: Case,
    to_organisation: Organisation,
    sections: list[str],
    consent: Consent | None,
    now: datetime,
) -> Consent:
    """The given consent, or the matching one, if it is valid now for that organisation and
    covers every section; else ValidationError (ERR_NO_CONSENT)."""
    if consent is None:
        consent = matching_consent(case=case, to_organisation=to_organisation, sections=sections)
    if (
        consent is None
        or consent.case_id != case.pk
        or consent.recipient_id != to_organisation.pk
        or not consent.is_valid(now)
        or not set(sections) <= set(consent.sections)
    ):
        raise ValidationError(ERR_NO_CONSENT)
    return consent


@transaction.atomic
def referral_create(
    *,
    case: Case,
    by: User,
    to_organisation: Organisation,
    sections: Iterable[str],
    actions: Iterable[str],
    reason: str,
    expires_at: datetime,
    consent: Consent | None = None,
    recipient: User | None = None,
) -> Referral:
    """Refers the case to another organisation (optionally to one named member). Needs a
    valid consent for that organisation covering every section; location and route only once
    the person is verified. Opens nothing until the receiver accepts."""
    require_assigned(by=by, case=case)
    chosen = chosen_sections(sections)
    chosen_actions = sorted(set(actions)) or [ReferralAction.VIEW]
    _check_terms(
        case=case,
        to_organisation=to_organisation,
        sections=chosen,
        actions=chosen_actions,
        reason=reason,
    )
    lock_case(case)
    now = timezone.now()
    check_expiry(expires_at, now)
    consent = _consent_covering(
        case=case, to_organisation=to_organisation, sections=chosen, consent=consent, now=now
    )
    if expires_at > consent.expires_at:
        raise ValidationError(ERR_CONSENT_OUTLIVED)
    if (
        recipient is not None
        and not Membership.objects.filter(
            user=recipient, organisation=to_organisation, role__in=REFERRAL_ROLES
        ).exists()
    ):
        raise ValidationError(ERR_RECIPIENT_NOT_MEMBER)
    referral = Referral.objects.create(
        case=case,
        to_organisation=to_organisation,
        recipient=recipient,
        consent=consent,
        sections=chosen,
        actions=chosen_actions,
        reason=reason,
        created_by=by,
        created_at=now,
        expires_at=expires_at,
    )
    record(
        "referral.created",
        actor=by,
        obj=case,
        org=case.organisation_id,
        referral=str(referral.pk),
        consent=str(consent.pk),
        target_org=str(to_organisation.pk),
        sections=chosen,
        reason=reason,
    )
    return referral


def receiver_may_answer(*, referral: Referral, by: User) -> bool:
    """The receiving organisation's admins; its lawyers and caseworkers, or only the named
    recipient when there is one. One query."""
    if not is_active_user(by):
        return False
    roles = set(
        memberships(by, {*REFERRAL_ROLES, Role.ORG_ADMIN})
        .filter(organisation_id=referral.to_organisation_id)
        .values_list("role", flat=True)
    )
    if Role.ORG_ADMIN in roles:
        return True
    named = referral.recipient_id
    return bool(roles) and (named is None or named == by.pk)


def _holds_role(user: User, referral: Referral) -> bool:
    """A lawyer or caseworker of the receiving organisation (who may hold the referral)."""
    return (
        memberships(user, REFERRAL_ROLES)
        .filter(organisation_id=referral.to_organisation_id)
        .exists()
    )


@transaction.atomic
def referral_accept(*, referral: Referral, by: User) -> Referral:
    """The receiver accepts: the named recipient, or with none named the accepting lawyer or
    caseworker, holds the referral (one guardian row per referred section, tied to it). An
    admin of the receiving organisation who accepts gives it to members (referral_assign)."""
    referral = locked_referral(referral)
    if not receiver_may_answer(referral=referral, by=by):
        raise PermissionDenied
    if referral.status != ReferralStatus.PENDING:
        raise ValidationError(ERR_NOT_PENDING)
    now = timezone.now()
    if referral.expires_at <= now or not referral.consent.is_valid(now):
        raise ValidationError(ERR_NO_CONSENT)
    grantee = referral.recipient or (by if _holds_role(by, referral) else None)
    referral.status = ReferralStatus.ACCEPTED
    referral.decided_by = by
    referral.decided_at = now
    referral.save(update_fields=["status", "decided_by", "decided_at"])
    if grantee is not None:
        CaseUserPermission.objects.bulk_create(
            grant_rows(
                case=referral.case, user=grantee, sections=referral.sections, referral=referral
            )
        )
    notify(
        users=referral.case.assigned_caseworkers.all(),
        case=referral.case,
        kind=NoticeKind.REFERRAL_ANSWERED,
    )
    record(
        "referral.accepted",
        actor=by,
        obj=referral.case,
        org=referral.to_organisation_id,
        referral=str(referral.pk),
        **({"target_user": str(grantee.pk)} if grantee is not None else {}),
    )
    return referral


@transaction.atomic
def referral_decline(*, referral: Referral, by: User) -> Referral:
    referral = locked_referral(referral)
    if not receiver_may_answer(referral=referral, by=by):
        raise PermissionDenied
    if referral.status != ReferralStatus.PENDING:
        raise ValidationError(ERR_NOT_PENDING)
    referral.status = ReferralStatus.DECLINED
    referral.decided_by = by
    referral.decided_at = timezone.now()
    referral.save(update_fields=["status", "decided_by", "decided_at"])
    notify(
        users=referral.case.assigned_caseworkers.all(),
        case=referral.case,
        kind=NoticeKind.REFERRAL_ANSWERED,
    )
    record(
        "referral.declined",
        actor=by,
        obj=referral.case,
        org=referral.to_organisation_id,
        referral=str(referral.pk),
    )
    return referral


@transaction.atomic
def referral_revoke(*, referral: Referral, by: User) -> Referral:
    """The owning organisation (an assigned caseworker or an org admin) revokes: the grant
    rows go in the same transaction; the receiver's next request finds nothing."""
    referral = locked_referral(referral)
    case = referral.case
    if not (is_assigned_caseworker(user=by, case=case) or is_owner_admin(user=by, case=case)):
        raise PermissionDenied
    if referral.status not in (ReferralStatus.PENDING, ReferralStatus.ACCEPTED):
        raise ValidationError(ERR_NOT_ACCEPTED)
    revoke_referral(referral=referral, now=timezone.now())
    record_revoked(referral=referral, by=by)
    return referral


@transaction.atomic
def lawyer_grant(*, case: Case, by: User, lawyer: User, sections: Iterable[str]) -> list[str]:
    """Sets the sections a lawyer of the owning organisation may open on the case (replacing
    earlier ones; an empty list removes the lawyer). Location and route only once verified."""
    require_assigned(by=by, case=case)
    chosen = sorted(set(sections))
    if not set(chosen) <= set(SECTIONS):
        raise ValidationError(ERR_UNKNOWN_SECTION)
    if Section.LOCATION in chosen and not case.is_verified:
        raise ValidationError(ERR_LOCATION_UNVERIFIED)
    lock_case(case)
    if not Membership.objects.filter(
        user=lawyer, organisation_id=case.organisation_id, role=Role.LAWYER
    ).exists():
        raise ValidationError(ERR_NOT_LAWYER)
    CaseUserPermission.objects.filter(
        content_object=case, user=lawyer, referral__isnull=True
    ).delete()
    CaseUserPermission.objects.bulk_create(
        grant_rows(case=case, user=lawyer, sections=chosen, referral=None)
    )
    record(
        "case.lawyer_granted",
        actor=by,
        obj=case,
        org=case.organisation_id,
        target_user=str(lawyer.pk),
        sections=chosen,
    )
    return chosen


@transaction.atomic
def referral_assign(*, referral: Referral, by: User, members: Iterable[User]) -> Referral:
    """An admin of the receiving organisation sets which of its lawyers and caseworkers hold
    an accepted referral: each gets the referral's sections (tied to it), those taken off
    lose them. The new holders are told. Empty ``members``: nobody holds it for now."""
    if not memberships(by, {Role.ORG_ADMIN}).filter(
        organisation_id=referral.to_organisation_id
    ).exists() or not is_active_user(by):
        raise PermissionDenied
    referral = locked_referral(referral)
    if referral.status != ReferralStatus.ACCEPTED or referral.revoked_at is not None:
        raise ValidationError(ERR_NOT_ASSIGNABLE)
    chosen = {m.pk: m for m in members}
    allowed = set(
        Membership.objects.filter(
            organisation_id=referral.to_organisation_id,
            role__in=REFERRAL_ROLES,
            user__is_active=True,
            user__frozen_at__isnull=True,
        ).values_list("user_id", flat=True)
    )
    if not set(chosen) <= allowed:
        raise ValidationError(ERR_RECIPIENT_NOT_MEMBER)
    held = set(referral.grants.values_list("user_id", flat=True))
    referral.grants.exclude(user_id__in=list(chosen)).delete()
    rows = []
    for pk in sorted(set(chosen) - held, key=str):
        rows += grant_rows(
            case=referral.case, user=chosen[pk], sections=referral.sections, referral=referral
        )
    CaseUserPermission.objects.bulk_create(rows)
    notify(
        users=[chosen[pk] for pk in sorted(set(chosen) - held, key=str)],
        case=referral.case,
        kind=NoticeKind.REFERRAL_ASSIGNED,
    )
    record(
        "referral.assigned",
        actor=by,
        obj=referral.case,
        org=referral.to_organisation_id,
        referral=str(referral.pk),
        count=len(chosen),
    )
    return referral
