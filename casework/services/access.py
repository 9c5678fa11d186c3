"""What consent, referrals and break-glass share: their error messages and limits, the checks
of sections and end dates, guardian's grant rows, notices, and revoking a referral.

This package is the only writer of guardian's rows for cases (``CaseUserPermission``): a grant
row is created or deleted in the same transaction as the referral or assignment it rests on.
Reads (who may open what now) are in casework.selectors, which also checks that the referral
behind each row is still live, so expiry takes effect without any job (see its docstring).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from audit.services import record
from casework.guards import lock_case
from casework.models import (
    Case,
    CaseNotice,
    CaseUserPermission,
    NoticeKind,
    Referral,
    ReferralStatus,
    section_codename,
)
from casework.sections import SECTIONS

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
ERR_NOT_ASSIGNABLE = _("Only an accepted referral that still holds can be given to members.")
ERR_CONSENT_NOT_PENDING = _("This consent needs no confirmation.")
ERR_CONSENT_WITHDRAWN = _("This consent was already withdrawn.")
ERR_CONFIRMATION_REQUIRED = _("Say how and when the client confirmed this consent.")
ERR_CONFIRMATION_FUTURE = _("The time the client confirmed lies in the future.")
ERR_CONFIRMATION_BEFORE_CONSENT = _(
    "The client can only confirm a consent after the relative's consent was recorded."
)
ERR_CONFIRMATION_TOO_OLD = _(
    "The client confirmed more than 31 days ago: record a new consent with the client."
)
ERR_CONFIRMATION_FOR_RELATIVE = _(
    "A relative's consent is confirmed later, by the client: leave how and when empty."
)
CONFIRMATION_MAX_AGE = timedelta(days=31)
ERR_EXPLANATION_REQUIRED = _("Explain why you need to open this case.")
ERR_ALREADY_ASSIGNED = _("You are assigned to this case: there is no need to break the glass.")
ERR_NOT_LAWYER = _("Choose a lawyer of this organisation.")
ERR_DURATION = _("Break-glass access lasts between 15 minutes and 8 hours.")


def chosen_sections(sections: Iterable[str]) -> list[str]:
    chosen = sorted(set(sections))
    if not chosen:
        raise ValidationError(ERR_NO_SECTIONS)
    if not set(chosen) <= set(SECTIONS):
        raise ValidationError(ERR_UNKNOWN_SECTION)
    return chosen


def check_expiry(expires_at: datetime, now: datetime) -> None:
    if expires_at <= now:
        raise ValidationError(ERR_PAST_EXPIRY)
    if expires_at > now + REFERRAL_MAX:
        raise ValidationError(ERR_EXPIRY_TOO_LONG)


def grant_rows(*, case: Case, user: User, sections: list[str], referral: Referral | None):
    perms = Permission.objects.filter(
        content_type__app_label="casework",
        content_type__model="case",
        codename__in=[section_codename(s) for s in sections],
    )
    return [
        CaseUserPermission(content_object=case, user=user, permission=p, referral=referral)
        for p in perms
    ]


def notify(*, users: Iterable[User], case: Case, kind: str) -> None:
    CaseNotice.objects.bulk_create([CaseNotice(user=u, case=case, kind=kind) for u in users])


def revoke_referral(*, referral: Referral, now: datetime) -> None:
    """Revokes the referral: its grant rows go and the people who held it are told. Call with
    the case locked (casework.guards.lock_case); record_revoked afterwards, once every write is
    done."""
    holders = list(User.objects.filter(pk__in=referral.grants.values("user_id")))
    referral.status = ReferralStatus.REVOKED
    referral.revoked_at = now
    referral.save(update_fields=["status", "revoked_at"])
    CaseUserPermission.objects.filter(referral=referral).delete()
    notify(users=holders, case=referral.case, kind=NoticeKind.REFERRAL_REVOKED)


def record_revoked(*, referral: Referral, by: User) -> None:
    record(
        "referral.revoked",
        actor=by,
        obj=referral.case,
        org=referral.case.organisation_id,
        referral=str(referral.pk),
    )


def locked_referral(referral: Referral) -> Referral:
    """The referral read again with its case locked first (the lock order of every write to
    a case), with the case joined."""
    lock_case(referral.case)
    return Referral.objects.select_related("case").get(pk=referral.pk)
