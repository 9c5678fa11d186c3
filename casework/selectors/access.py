"""Who may reach a case and open which of its sections (see the package docstring for the
rules). One to four queries per question; nothing here decrypts."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.shortcuts import get_objects_for_user

from accounts.models import Membership, Role, User
from casework.models import (
    BreakGlass,
    Case,
    CaseUserPermission,
    LocationOpening,
    Referral,
    ReferralStatus,
    section_codename,
)
from casework.sections import SECTIONS, Section
from casework.selectors.memo import known_role, remembered

# Roles that see an organisation's case list.
CASE_LIST_ROLES = frozenset({Role.CASEWORKER, Role.ORG_ADMIN})
NOT_ASSIGNED = _(
    "Only caseworkers assigned to this case can open its sections. Ask an assigned "
    "caseworker or your organisation's admin to assign you."
)
NOT_VERIFIED = _(
    "Location and route stay closed until an assigned caseworker has verified this person."
)
NOT_OPENED_TO_YOU = _(
    "Location and route stay closed until this person is verified, or until an assigned "
    "caseworker who holds them opens them to you."
)
NOT_GRANTED = _("This section was not shared with you.")
WRITE_NEEDS_ASSIGNMENT = _("Only caseworkers assigned to this case can change it.")
OPEN_PERMS = [section_codename(section) for section in SECTIONS]
# Roles that may hold a per-section grant inside the owning organisation.
GRANT_ROLES_IN_OWNER = frozenset({Role.LAWYER})
# Roles of a receiving organisation that a referral reaches.
REFERRAL_ROLES = frozenset({Role.LAWYER, Role.CASEWORKER})


def is_active_user(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active and not user.is_frozen)


def live_referrals(*, at=None) -> QuerySet[Referral]:
    """Referrals that open something now: accepted, unrevoked, unexpired, to an active
    organisation, resting on a confirmed, unwithdrawn, unexpired consent. Lazy."""
    at = at or timezone.now()
    return Referral.objects.filter(
        status=ReferralStatus.ACCEPTED,
        revoked_at__isnull=True,
        expires_at__gt=at,
        to_organisation__is_active=True,
        case__organisation__is_active=True,
        consent__confirmed_at__isnull=False,
        consent__withdrawn_at__isnull=True,
        consent__expires_at__gt=at,
    )


def memberships(user: User, roles) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user, role__in=roles, organisation__is_active=True)


def live_grants(*, user: User, case_id=None) -> QuerySet[CaseUserPermission]:
    """The user's guardian rows that are live now: from a live referral to an organisation
    where the user is a lawyer or caseworker, or (no referral) a lawyer of the owning
    organisation. Lazy."""
    if not is_active_user(user):
        return CaseUserPermission.objects.none()
    rows = CaseUserPermission.objects.filter(user=user)
    if case_id is not None:
        rows = rows.filter(content_object_id=case_id)
    referred_orgs = memberships(user, REFERRAL_ROLES).values("organisation_id")
    owner_orgs = memberships(user, GRANT_ROLES_IN_OWNER).values("organisation_id")
    return rows.filter(
        Q(
            referral__in=live_referrals().filter(to_organisation_id__in=referred_orgs),
        )
        | Q(referral__isnull=True, content_object__organisation_id__in=owner_orgs)
    )


def _granted_cases(user: User) -> QuerySet[Case]:
    """Cases where the user holds a live section grant. guardian's filter with its unsafe
    defaults off, narrowed to cases with a live grant row."""
    # The live-grant filter goes outside guardian's query: as its ``klass`` it was copied into
    # guardian's own subquery, so the database planned the live check twice (on a lawyer's
    # list, most of the selector's time went to building and planning that query).
    granted = get_objects_for_user(
        user,
        OPEN_PERMS,
        klass=Case,
        use_groups=False,
        any_perm=True,
        with_superuser=False,
        accept_global_perms=False,
    )
    return granted.filter(pk__in=live_grants(user=user).values("content_object_id"))


def cases_visible_to(*, user: User) -> QuerySet[Case]:
    """Cases of the organisations where the user is a caseworker or org admin, and cases
    where the user holds a live section grant. Lazy; subqueries, no extra round trip."""
    if not is_active_user(user):
        return Case.objects.none()
    orgs = memberships(user, CASE_LIST_ROLES).values("organisation_id")
    granted = _granted_cases(user).values("pk")
    return Case.objects.filter(Q(organisation_id__in=orgs) | Q(pk__in=granted))


def cases_assigned_to(*, user: User) -> QuerySet[Case]:
    """Cases the user is assigned to while a caseworker of their (active) organisation: always
    within cases_visible_to (the organisation's cases), without building that larger query,
    which costs every page it is on 25-30 ms. Lazy."""
    if not is_active_user(user):
        return Case.objects.none()
    return Case.objects.filter(
        assigned_caseworkers=user,
        organisation_id__in=memberships(user, {Role.CASEWORKER}).values("organisation_id"),
    )


def is_assigned_caseworker(*, user: User, case: Case) -> bool:
    """Assigned to the case and a caseworker of its organisation now. One query."""
    if not is_active_user(user):
        return False
    known, role = known_role(user=user, organisation_id=case.organisation_id)
    if known:
        # The roles came with the request (selectors.memo): only the assignment is asked.
        if role != Role.CASEWORKER:
            return False
        assignments = Case.assigned_caseworkers.through.objects
        return remembered(
            "assigned",
            user=user,
            case_id=case.pk,
            ask=assignments.filter(case_id=case.pk, user_id=user.pk).exists,
        )
    return remembered(
        "assigned",
        user=user,
        case_id=case.pk,
        ask=Membership.objects.filter(
            user=user,
            organisation_id=case.organisation_id,
            organisation__is_active=True,
            role=Role.CASEWORKER,
            user__assigned_cases=case,
        ).exists,
    )


def active_break_glass(*, user: User, case: Case) -> BreakGlass | None:
    """The user's unexpired break-glass on the case, if they are still an org admin of its
    organisation. One query."""
    if not is_active_user(user):
        return None
    return remembered(
        "break_glass", user=user, case_id=case.pk, ask=lambda: _active_break_glass(user, case)
    )


def _active_break_glass(user: User, case: Case) -> BreakGlass | None:
    return (
        BreakGlass.objects.filter(
            user=user,
            case=case,
            expires_at__gt=timezone.now(),
            case__organisation__memberships__user=user,
            case__organisation__memberships__role=Role.ORG_ADMIN,
            case__organisation__is_active=True,
        )
        .order_by("-expires_at")
        .first()
    )


def granted_sections(*, user: User, case: Case) -> set[str]:
    """The sections the user's live grants open on the case. One query."""
    codenames = live_grants(user=user, case_id=case.pk).values_list(
        "permission__codename", flat=True
    )
    return {name.removeprefix("open_") for name in codenames if name.startswith("open_")}


def readable_sections(*, user: User, case: Case) -> set[str]:
    """Every section the user may open now (reads). Up to four queries: for pages that show
    one case, not for lists."""
    refusals = section_refusals(user=user, case=case, sections=SECTIONS)
    return {section for section, refusal in refusals.items() if refusal is None}


def section_refusal(
    *,
    user: User,
    case: Case,
    section: str,
    assigned: bool | None = None,
    write: bool = False,
):
    """None when the user may open the section, else the message explaining why not.

    ``write`` asks for changing the section (assigned caseworkers only). ``assigned`` may pass
    a precomputed is_assigned_caseworker() to save the query. Up to four queries.
    """
    return section_refusals(
        user=user, case=case, sections=[section], assigned=assigned, write=write
    )[section]


def section_refusals(
    *,
    user: User,
    case: Case,
    sections: Iterable[str],
    assigned: bool | None = None,
    write: bool = False,
) -> dict:
    """section_refusal() for several sections at once: section -> None or the message. Up to
    four queries however many sections (assignment, break-glass, grants and membership are
    each read once)."""
    sections = list(sections)
    if not is_active_user(user):
        return dict.fromkeys(sections, NOT_ASSIGNED)
    if assigned is None:
        assigned = is_assigned_caseworker(user=user, case=case)
    if assigned:
        # The verification gate: before verification, location and route are open only to
        # the assigned caseworkers they were opened to (LocationOpening); everyone else waits.
        answers: dict = dict.fromkeys(sections, None)
        if Section.LOCATION in answers and not case.is_verified:
            if not holds_location(user=user, case=case):
                answers[Section.LOCATION] = NOT_OPENED_TO_YOU
        return answers
    if write:
        return dict.fromkeys(sections, WRITE_NEEDS_ASSIGNMENT)
    refusals: dict = {}
    rest = []
    for section in sections:
        if section == Section.LOCATION and not case.is_verified:
            # The verification gate: only the assigned caseworkers, whatever else is held.
            refusals[section] = NOT_VERIFIED
        else:
            rest.append(section)
    if rest:
        if active_break_glass(user=user, case=case) is not None:
            opened = set(rest)
        else:
            opened = granted_sections(user=user, case=case)
        closed = [section for section in rest if section not in opened]
        if closed:
            owner = is_owner_member(user=user, case=case)
            refusals.update(dict.fromkeys(closed, NOT_ASSIGNED if owner else NOT_GRANTED))
        refusals.update(dict.fromkeys((s for s in rest if s in opened), None))
    return {section: refusals[section] for section in sections}


def holds_location(*, user: User, case: Case) -> bool:
    """Location and route of the (unverified) case were opened to the user. One query."""
    return remembered(
        "holds_location",
        user=user,
        case_id=case.pk,
        ask=LocationOpening.objects.filter(case=case, user=user).exists,
    )


def may_open_location(*, user: User, case: Case) -> bool:
    """Before verification, who may open location and route to an assigned colleague: an
    assigned caseworker who holds them, or an org admin under break-glass (after it, when
    they are open to every assigned caseworker, any of them may ask). Up to two queries."""
    if is_assigned_caseworker(user=user, case=case):
        return case.is_verified or holds_location(user=user, case=case)
    return active_break_glass(user=user, case=case) is not None


def is_owner_member(*, user: User, case: Case) -> bool:
    """A caseworker or org admin of the case's organisation. One query."""
    if not is_active_user(user):
        return False
    known, role = known_role(user=user, organisation_id=case.organisation_id)
    if known:
        return role in CASE_LIST_ROLES
    return memberships(user, CASE_LIST_ROLES).filter(organisation_id=case.organisation_id).exists()


def is_owner_admin(*, user: User, case: Case) -> bool:
    """An org admin of the case's (active) organisation. One query."""
    if not is_active_user(user):
        return False
    known, role = known_role(user=user, organisation_id=case.organisation_id)
    if known:
        return role == Role.ORG_ADMIN
    return memberships(user, {Role.ORG_ADMIN}).filter(organisation_id=case.organisation_id).exists()


def can_manage_assignment(*, user: User, case: Case) -> bool:
    """Assigned caseworkers and the organisation's admins assign caseworkers. Up to two
    queries."""
    return is_owner_admin(user=user, case=case) or is_assigned_caseworker(user=user, case=case)


def caseworkers_of(*, organisation_id) -> QuerySet[User]:
    """Active caseworkers of the organisation, by name. One query."""
    return User.objects.filter(
        memberships__organisation_id=organisation_id,
        memberships__role=Role.CASEWORKER,
        is_active=True,
        frozen_at__isnull=True,
    ).order_by("display_name", "email")


def lawyers_of(*, organisation_id) -> QuerySet[User]:
    """Active lawyers of the organisation, by name (frozen ones included, so their grants can
    still be removed). One query."""
    return User.objects.filter(
        memberships__organisation_id=organisation_id,
        memberships__role=Role.LAWYER,
        is_active=True,
    ).order_by("display_name", "email")
