"""Writes that change who may open a case: consent, referrals, lawyers' section grants and
break-glass. Keyword-only, each in one transaction with its audit event.

This module is the only writer of guardian's rows for cases (``CaseUserPermission``): a grant
row is created or deleted in the same transaction as the referral or assignment it rests on.
Reads (who may open what now) are in casework.selectors, which also checks that the referral
behind each row is still live, so expiry takes effect without any job (see its docstring).

Bad input raises ValidationError with one of the message constants below and writes nothing;
a caller without the right raises PermissionDenied.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Membership, Organisation, Role, User
from audit.services import record
from casework.guards import require_assigned
from casework.models import (
    BreakGlass,
    BreakGlassReason,
    Case,
    CaseNotice,
    CaseUserPermission,
    Consent,
    ConsentGiver,
    ConsentPurpose,
    NoticeKind,
    Referral,
    ReferralAction,
    ReferralReason,
    ReferralStatus,
    section_codename,
)
from casework.sections import SECTIONS, Section
from casework.selectors import (
    REFERRAL_ROLES,
    _active,
    _memberships,
    is_assigned_caseworker,
    is_owner_admin,
)

BREAK_GLASS_DEFAULT = timedelta(hours=2)
BREAK_GLASS_MAX = timedelta(hours=8)
REFERRAL_MAX = timedelta(days=366)

ERR_NO_SECTIONS = _("Choose at least one section.")
ERR_UNKNOWN_SECTION = _("Unknown section.")
ERR_UNKNOWN_ACTION = _("Unknown action.")
ERR_UNKNOWN_PURPOSE = _("Unknown purpose.")
ERR_UNKNOWN_GIVER = _("Say who gave the consent.")
ERR_UNKNOWN_REASON = _("Choose a reason.")
ERR_PAST_EXPIRY = _("The end date must lie in the future.")
ERR_EXPIRY_TOO_LONG = _("The end date lies too far ahead.")
ERR_OWN_ORGANISATION = _("A case cannot be referred to its own organisation.")
ERR_INACTIVE_ORGANISATION = _("This organisation is not active.")
ERR_NO_CONSENT = _(
    "There is no valid consent for this organisation covering these sections. Record the "
    "client's consent first."
)
ERR_CONSENT_OUTLIVED = _("The referral cannot last longer than the consent it rests on.")
ERR_LOCATION_UNVERIFIED = _(
    "Location and route cannot be shared until an assigned caseworker has verified the person."
)
ERR_RECIPIENT_NOT_MEMBER = _(
    "The named recipient must be a lawyer or caseworker of the receiving organisation."
)
ERR_NOT_PENDING = _("This referral has already been answered.")
ERR_NOT_ACCEPTED = _("Only an accepted or waiting referral can be revoked.")
ERR_CONSENT_NOT_PENDING = _("This consent needs no confirmation.")
ERR_CONSENT_WITHDRAWN = _("This consent was already withdrawn.")
ERR_EXPLANATION_REQUIRED = _("Explain why you need to open this case.")
ERR_ALREADY_ASSIGNED = _("You are assigned to this case: there is no need to break the glass.")
ERR_NOT_LAWYER = _("Choose a lawyer of this organisation.")
ERR_DURATION = _("Break-glass access lasts between 15 minutes and 8 hours.")


def _sections(sections: Iterable[str]) -> list[str]:
    chosen = sorted(set(sections))
    if not chosen:
        raise ValidationError(ERR_NO_SECTIONS)
    if not set(chosen) <= set(SECTIONS):
        raise ValidationError(ERR_UNKNOWN_SECTION)
    return chosen


def _future(expires_at: datetime, now: datetime) -> None:
    if expires_at <= now:
        raise ValidationError(ERR_PAST_EXPIRY)
    if expires_at > now + REFERRAL_MAX:
        raise ValidationError(ERR_EXPIRY_TOO_LONG)


def _grant_rows(*, case: Case, user: User, sections: list[str], referral: Referral | None):
    perms = Permission.objects.filter(
        content_type__app_label="casework",
        content_type__model="case",
        codename__in=[section_codename(s) for s in sections],
    )
    return [
        CaseUserPermission(content_object=case, user=user, permission=p, referral=referral)
        for p in perms
    ]


def _notify(*, users: Iterable[User], case: Case, kind: str) -> None:
    CaseNotice.objects.bulk_create([CaseNotice(user=u, case=case, kind=kind) for u in users])


# --- Consent -----------------------------------------------------------------------------------


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
) -> Consent:
    """Records the client's consent (confirmed now) or a relative's (pending until the client
    confirms: it opens nothing before)."""
    require_assigned(by=by, case=case)
    if purpose not in ConsentPurpose.values:
        raise ValidationError(ERR_UNKNOWN_PURPOSE)
    if given_by not in ConsentGiver.values:
        raise ValidationError(ERR_UNKNOWN_GIVER)
    chosen = _sections(sections)
    now = timezone.now()
    _future(expires_at, now)
    consent = Consent.objects.create(
        case=case,
        purpose=purpose,
        recipient=recipient,
        sections=chosen,
        given_by=given_by,
        confirmed_at=now if given_by == ConsentGiver.CLIENT else None,
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
    )
    return consent


@transaction.atomic
def consent_confirm(*, consent: Consent, by: User) -> Consent:
    """The client confirmed a consent a relative gave: it becomes valid."""
    consent = Consent.objects.select_for_update().get(pk=consent.pk)
    require_assigned(by=by, case=consent.case)
    if consent.confirmed_at is not None:
        raise ValidationError(ERR_CONSENT_NOT_PENDING)
    if consent.withdrawn_at is not None:
        raise ValidationError(ERR_CONSENT_WITHDRAWN)
    consent.confirmed_at = timezone.now()
    consent.save(update_fields=["confirmed_at"])
    record(
        "consent.confirmed",
        actor=by,
        obj=consent.case,
        org=consent.case.organisation_id,
        consent=str(consent.pk),
    )
    return consent


@transaction.atomic
def consent_withdraw(*, consent: Consent, by: User) -> Consent:
    """Withdraws the consent and, in the same transaction, revokes every referral resting on
    it (their grant rows are deleted): nothing it opened stays open."""
    consent = Consent.objects.select_for_update().get(pk=consent.pk)
    require_assigned(by=by, case=consent.case)
    if consent.withdrawn_at is not None:
        raise ValidationError(ERR_CONSENT_WITHDRAWN)
    now = timezone.now()
    consent.withdrawn_at = now
    consent.save(update_fields=["withdrawn_at"])
    referrals = list(
        consent.referrals.filter(
            status__in=[ReferralStatus.PENDING, ReferralStatus.ACCEPTED]
        ).select_for_update()
    )
    for referral in referrals:
        _revoke(referral=referral, by=by, now=now)
    record(
        "consent.withdrawn",
        actor=by,
        obj=consent.case,
        org=consent.case.organisation_id,
        consent=str(consent.pk),
        count=len(referrals),
    )
    return consent


# --- Referrals ---------------------------------------------------------------------------------


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
    chosen = _sections(sections)
    chosen_actions = sorted(set(actions)) or [ReferralAction.VIEW]
    if not set(chosen_actions) <= set(ReferralAction.values):
        raise ValidationError(ERR_UNKNOWN_ACTION)
    if reason not in ReferralReason.values:
        raise ValidationError(ERR_UNKNOWN_REASON)
    if to_organisation.pk == case.organisation_id:
        raise ValidationError(ERR_OWN_ORGANISATION)
    if not to_organisation.is_active:
        raise ValidationError(ERR_INACTIVE_ORGANISATION)
    if Section.LOCATION in chosen and not case.is_verified:
        raise ValidationError(ERR_LOCATION_UNVERIFIED)
    now = timezone.now()
    _future(expires_at, now)
    if consent is None:
        consent = matching_consent(case=case, to_organisation=to_organisation, sections=chosen)
    if (
        consent is None
        or consent.case_id != case.pk
        or consent.recipient_id != to_organisation.pk
        or not consent.is_valid(now)
        or not set(chosen) <= set(consent.sections)
    ):
        raise ValidationError(ERR_NO_CONSENT)
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


def _receiver_may_answer(*, referral: Referral, by: User) -> bool:
    """A lawyer or caseworker of the (active) receiving organisation; the named recipient
    only, when there is one. One query."""
    if referral.recipient_id is not None and referral.recipient_id != by.pk:
        return False
    return (
        _active(by)
        and _memberships(by, REFERRAL_ROLES)
        .filter(organisation_id=referral.to_organisation_id)
        .exists()
    )


@transaction.atomic
def referral_accept(*, referral: Referral, by: User) -> Referral:
    """The receiver accepts: the named recipient (or, with none named, the accepting lawyer or
    caseworker) gets one guardian row per referred section, tied to the referral."""
    referral = Referral.objects.select_for_update().select_related("case").get(pk=referral.pk)
    if not _receiver_may_answer(referral=referral, by=by):
        raise PermissionDenied
    if referral.status != ReferralStatus.PENDING:
        raise ValidationError(ERR_NOT_PENDING)
    now = timezone.now()
    if referral.expires_at <= now or not referral.consent.is_valid(now):
        raise ValidationError(ERR_NO_CONSENT)
    grantee = referral.recipient or by
    referral.status = ReferralStatus.ACCEPTED
    referral.decided_by = by
    referral.decided_at = now
    referral.recipient = grantee
    referral.save(update_fields=["status", "decided_by", "decided_at", "recipient"])
    CaseUserPermission.objects.bulk_create(
        _grant_rows(case=referral.case, user=grantee, sections=referral.sections, referral=referral)
    )
    record(
        "referral.accepted",
        actor=by,
        obj=referral.case,
        org=referral.to_organisation_id,
        referral=str(referral.pk),
        target_user=str(grantee.pk),
    )
    _notify(
        users=referral.case.assigned_caseworkers.all(),
        case=referral.case,
        kind=NoticeKind.REFERRAL_ANSWERED,
    )
    return referral


@transaction.atomic
def referral_decline(*, referral: Referral, by: User) -> Referral:
    referral = Referral.objects.select_for_update().select_related("case").get(pk=referral.pk)
    if not _receiver_may_answer(referral=referral, by=by):
        raise PermissionDenied
    if referral.status != ReferralStatus.PENDING:
        raise ValidationError(ERR_NOT_PENDING)
    referral.status = ReferralStatus.DECLINED
    referral.decided_by = by
    referral.decided_at = timezone.now()
    referral.save(update_fields=["status", "decided_by", "decided_at"])
    record(
        "referral.declined",
        actor=by,
        obj=referral.case,
        org=referral.to_organisation_id,
        referral=str(referral.pk),
    )
    _notify(
        users=referral.case.assigned_caseworkers.all(),
        case=referral.case,
        kind=NoticeKind.REFERRAL_ANSWERED,
    )
    return referral


def _revoke(*, referral: Referral, by: User, now: datetime) -> None:
    referral.status = ReferralStatus.REVOKED
    referral.revoked_at = now
    referral.save(update_fields=["status", "revoked_at"])
    CaseUserPermission.objects.filter(referral=referral).delete()
    record(
        "referral.revoked",
        actor=by,
        obj=referral.case,
        org=referral.case.organisation_id,
        referral=str(referral.pk),
    )
    if referral.recipient_id is not None:
        _notify(users=[referral.recipient], case=referral.case, kind=NoticeKind.REFERRAL_REVOKED)


@transaction.atomic
def referral_revoke(*, referral: Referral, by: User) -> Referral:
    """The owning organisation (an assigned caseworker or an org admin) revokes: the grant
    rows go in the same transaction; the receiver's next request finds nothing."""
    referral = Referral.objects.select_for_update().select_related("case").get(pk=referral.pk)
    case = referral.case
    if not (is_assigned_caseworker(user=by, case=case) or is_owner_admin(user=by, case=case)):
        raise PermissionDenied
    if referral.status not in (ReferralStatus.PENDING, ReferralStatus.ACCEPTED):
        raise ValidationError(ERR_NOT_ACCEPTED)
    _revoke(referral=referral, by=by, now=timezone.now())
    return referral


# --- Lawyers of the owning organisation --------------------------------------------------------


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
    if not Membership.objects.filter(
        user=lawyer, organisation_id=case.organisation_id, role=Role.LAWYER
    ).exists():
        raise ValidationError(ERR_NOT_LAWYER)
    CaseUserPermission.objects.filter(
        content_object=case, user=lawyer, referral__isnull=True
    ).delete()
    CaseUserPermission.objects.bulk_create(
        _grant_rows(case=case, user=lawyer, sections=chosen, referral=None)
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


# --- Break-glass -------------------------------------------------------------------------------


@transaction.atomic
def break_glass(
    *,
    case: Case,
    by: User,
    reason: str,
    explanation: str,
    duration: timedelta = BREAK_GLASS_DEFAULT,
) -> BreakGlass:
    """An org admin opens an unassigned case of their organisation for ``duration`` (2 h by
    default). The reason code goes to the audit log; the explanation is sealed in the notes
    section; every assigned caseworker gets an in-app notice."""
    if not is_owner_admin(user=by, case=case):
        raise PermissionDenied
    if is_assigned_caseworker(user=by, case=case):
        raise ValidationError(ERR_ALREADY_ASSIGNED)
    if reason not in BreakGlassReason.values:
        raise ValidationError(ERR_UNKNOWN_REASON)
    explanation = (explanation or "").strip()
    if not explanation:
        raise ValidationError(ERR_EXPLANATION_REQUIRED)
    if not timedelta(minutes=15) <= duration <= BREAK_GLASS_MAX:
        raise ValidationError(ERR_DURATION)
    now = timezone.now()
    glass = BreakGlass.objects.create(
        case=case, user=by, reason=reason, started_at=now, expires_at=now + duration
    )
    # Sealed after the row exists: within a user-bound key scope the notes key is handed out
    # only because this break-glass is now live.
    case.envelope.seal(glass, "explanation", explanation)
    glass.save(update_fields=["explanation"])
    record("case.break_glass", actor=by, obj=case, org=case.organisation_id, reason=reason)
    _notify(users=case.assigned_caseworkers.all(), case=case, kind=NoticeKind.BREAK_GLASS)
    return glass


@transaction.atomic
def notices_mark_read(*, user: User) -> int:
    """Marks the user's unread notices as read. Returns how many."""
    return CaseNotice.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())
