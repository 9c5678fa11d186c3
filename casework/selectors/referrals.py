"""Referrals, consents, notices and "who has seen this case"."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.models import Membership, Organisation, Role, User
from casework.models import Case, CaseUserPermission, Referral, ReferralStatus
from casework.selectors.access import (
    CASE_LIST_ROLES,
    REFERRAL_ROLES,
    is_active_user,
    is_assigned_caseworker,
    is_owner_admin,
    memberships,
)
from casework.selectors.memo import for_request


def _referrals() -> QuerySet[Referral]:
    return Referral.objects.select_related("case", "to_organisation", "case__organisation")


def referrals_to(*, user: User, organisation: Organisation) -> QuerySet[Referral]:
    """Referrals to the organisation, newest first; empty unless the user is an active member.
    One query."""
    if (
        not is_active_user(user)
        or not memberships(user, Role.values).filter(organisation=organisation).exists()
    ):
        return Referral.objects.none()
    return _referrals().filter(to_organisation=organisation)


def referrals_waiting(*, user: User, organisation: Organisation) -> QuerySet[Referral]:
    """Referrals to the organisation still waiting for an answer (and not yet expired)."""
    return referrals_to(user=user, organisation=organisation).filter(
        status=ReferralStatus.PENDING, expires_at__gt=timezone.now()
    )


def with_holders(referrals: Iterable[Referral]) -> list[Referral]:
    """The referrals, each with ``holders``: the people of the receiving organisation who hold
    it (the users of its grant rows), by name. One more query."""
    rows = list(referrals)
    grants = CaseUserPermission.objects.filter(referral__in=rows).select_related("user")
    held: dict = {}
    for grant in grants:
        held.setdefault(grant.referral_id, {})[grant.user_id] = grant.user
    for referral in rows:
        people = held.get(referral.pk, {}).values()
        # An attribute for the page, like a prefetch's to_attr.
        referral.holders = sorted(  # type: ignore[attr-defined]
            people, key=lambda u: (u.display_name or u.email).casefold()
        )
    return rows


def referrals_by(*, user: User, organisation: Organisation) -> QuerySet[Referral]:
    """Referrals of the organisation's cases to others; only for its caseworkers and admins."""
    if (
        not is_active_user(user)
        or not memberships(user, CASE_LIST_ROLES).filter(organisation=organisation).exists()
    ):
        return Referral.objects.none()
    return _referrals().filter(case__organisation=organisation)


def referral_for_receiver(*, user: User, pk) -> Referral:
    """A referral to one of the user's organisations (lawyer, caseworker or admin there),
    else 404."""
    roles = {*REFERRAL_ROLES, Role.ORG_ADMIN}
    orgs = memberships(user, roles).values("organisation_id") if is_active_user(user) else []
    referral = _referrals().filter(pk=pk, to_organisation_id__in=orgs).first()
    if referral is None:
        raise Http404
    return referral


def case_referrals(*, case: Case) -> QuerySet[Referral]:
    return case.referrals.select_related("to_organisation", "recipient", "consent")


def case_consents(*, case: Case):
    return case.consents.select_related("recipient", "confirmation_recorded_by")


def page_consents(*, case: Case) -> list:
    """The case's consents for its page: one query, none when the case's row said there are
    none (selectors.case_for)."""
    return for_request("consents", case_id=case.pk, ask=lambda: list(case_consents(case=case)))


def page_referrals(*, case: Case) -> list[Referral]:
    """The case's referrals for its page: one query, none when the case's row said there are
    none (selectors.case_for)."""
    return for_request("referrals", case_id=case.pk, ask=lambda: list(case_referrals(case=case)))


def notices_for(*, user: User):
    """The user's unread notices about cases, newest first (ids and kinds only)."""
    return user.case_notices.filter(read_at__isnull=True).select_related("case")[:50]


def may_see_viewers(*, user: User, case: Case) -> bool:
    """Assigned caseworkers and the owning organisation's admins see who has seen the case."""
    return is_assigned_caseworker(user=user, case=case) or is_owner_admin(user=user, case=case)


def partner_people(*, exclude_organisation_id) -> QuerySet[Membership]:
    """Lawyers and caseworkers of the other active organisations (whom a referral may name),
    with their organisation, by organisation and name. One query."""
    return (
        Membership.objects.filter(
            role__in=REFERRAL_ROLES,
            organisation__is_active=True,
            user__is_active=True,
            user__frozen_at__isnull=True,
        )
        .exclude(organisation_id=exclude_organisation_id)
        .select_related("user", "organisation")
        .order_by("organisation__name", "user__display_name", "user__email")
    )


def referral_members(*, organisation: Organisation) -> QuerySet[User]:
    """The organisation's active lawyers and caseworkers, who may hold a referral to it."""
    return User.objects.filter(
        memberships__organisation=organisation,
        memberships__role__in=REFERRAL_ROLES,
        is_active=True,
        frozen_at__isnull=True,
    ).order_by("display_name", "email")
