"""Who may review a dossier, and the dossiers a user takes part in.

A lawyer may review a case's dossier when either
* they are a lawyer of the owning organisation holding a live grant of the documents section
  (given by an assigned caseworker, casework.services.lawyer_grant), or
* a live referral of the case to their organisation (to them by name, or to nobody by name)
  carries the "review the dossier" action and shares the documents section.
Everything else about reading sections stays with casework.selectors.
"""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import Membership, Role, User
from casework.models import Case, ReferralAction
from casework.sections import Section
from casework.selectors import (
    cases_visible_to,
    granted_sections,
    is_active_user,
    is_assigned_caseworker,
    live_referrals,
)
from evacuation.models import Dossier

CASEWORKER = "caseworker"
REVIEWER = "reviewer"


def _review_referrals(*, case: Case, user: User | None = None):
    referrals = live_referrals().filter(case=case).select_related("to_organisation")
    return [
        r
        for r in referrals
        if ReferralAction.REVIEW_DOSSIER in r.actions
        and Section.DOCUMENTS in r.sections
        and (user is None or r.recipient_id in (None, user.pk))
    ]


def may_review(*, user: User, case: Case) -> bool:
    """Whether the user may review dossiers of the case now (see the module docstring)."""
    if not is_active_user(user):
        return False
    lawyer_of = set(
        Membership.objects.filter(
            user=user, role=Role.LAWYER, organisation__is_active=True
        ).values_list("organisation_id", flat=True)
    )
    if not lawyer_of:
        return False
    if case.organisation_id in lawyer_of:
        return Section.DOCUMENTS in granted_sections(user=user, case=case)
    return any(r.to_organisation_id in lawyer_of for r in _review_referrals(case=case, user=user))


def reviewers_for(*, case: Case) -> list[User]:
    """The lawyers who may review the case's dossiers now, by name."""
    referrals = _review_referrals(case=case)
    orgs = {case.organisation_id} | {r.to_organisation_id for r in referrals}
    candidates = User.objects.filter(
        memberships__organisation_id__in=orgs,
        memberships__role=Role.LAWYER,
        memberships__organisation__is_active=True,
        is_active=True,
        frozen_at__isnull=True,
    ).distinct()
    return sorted(
        (u for u in candidates if may_review(user=u, case=case)),
        key=lambda u: (u.display_name or u.email).casefold(),
    )


def dossier_role(*, user: User, dossier: Dossier, assigned: bool | None = None) -> str | None:
    """CASEWORKER (an assigned caseworker of the case), REVIEWER (the dossier's lawyer, while
    they may still review) or None: nobody else sees the dossier's comments."""
    case = dossier.case
    if assigned is None:
        assigned = is_assigned_caseworker(user=user, case=case)
    if assigned:
        return CASEWORKER
    if dossier.reviewer_id == user.pk and may_review(user=user, case=case):
        return REVIEWER
    return None


def dossiers_to_review(*, user: User) -> list[Dossier]:
    """Dossiers the user is the reviewing lawyer of and may still review, newest first."""
    dossiers = (
        Dossier.objects.filter(reviewer=user)
        .select_related("case__person", "visa_application__destination")
        .order_by("-updated_at")
    )
    return [d for d in dossiers if may_review(user=user, case=d.case)]


def dossiers_caseworked_by(*, user: User) -> QuerySet[Dossier]:
    """Dossiers of the cases the user is an assigned caseworker of (and may see), last changed
    first. Lazy; one query."""
    assigned = cases_visible_to(user=user).filter(
        assigned_caseworkers=user,
        organisation__memberships__user=user,
        organisation__memberships__role=Role.CASEWORKER,
    )
    return (
        Dossier.objects.filter(case__in=assigned)
        .select_related("case__person", "visa_application__destination", "reviewer")
        .order_by("-updated_at")
    )


def case_dossiers(*, case: Case) -> QuerySet[Dossier]:
    return Dossier.objects.filter(case=case).select_related(
        "visa_application__destination", "reviewer"
    )
