"""Reads that depend on who is asking. ``cases_visible_to`` is the only way views reach cases.

Who sees what (issue 4; referrals, lawyers and break-glass come later and plug in at
``section_refusal``):

* members of the owning organisation with the caseworker or org admin role see the case
  list and the case shell (reference, status, categories, risk, country, assignment);
* opening a section (reading or writing its content) needs an assigned caseworker;
* the location-and-route section stays closed until the person has been verified;
* everyone else: the case does not exist for them (404).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from accounts.models import Membership, Role, User
from casework.crypto import IndexKind, blind_index, sealed_field_names
from casework.models import CRISIS_STATUSES, Case, Location, Person, PersonIndex
from casework.sections import Section

if TYPE_CHECKING:
    from accounts.models import Organisation

# Roles that see an organisation's case list.
CASE_LIST_ROLES = frozenset({Role.CASEWORKER, Role.ORG_ADMIN})

NOT_ASSIGNED = _(
    "Only caseworkers assigned to this case can open its sections. Ask an assigned "
    "caseworker or your organisation's admin to assign you."
)
NOT_VERIFIED = _(
    "Location and route stay closed until an assigned caseworker has verified this person."
)


def _active(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active and not user.is_frozen)


def cases_visible_to(*, user: User) -> QuerySet[Case]:
    """Cases of the organisations where the user is a caseworker or org admin. Lazy; adds a
    subquery, no extra round trip."""
    if not _active(user):
        return Case.objects.none()
    orgs = Membership.objects.filter(
        user=user, role__in=CASE_LIST_ROLES, organisation__is_active=True
    ).values("organisation_id")
    return Case.objects.filter(organisation_id__in=orgs)


def case_for(*, user: User, reference: str) -> Case:
    """The case with that reference if the user may see it, else Http404. One query."""
    case = (
        cases_visible_to(user=user)
        .select_related("person", "organisation", "verified_by", "location__country")
        .filter(reference=reference)
        .first()
    )
    if case is None:
        raise Http404
    return case


def is_assigned_caseworker(*, user: User, case: Case) -> bool:
    """Assigned to the case and a caseworker of its organisation now. One query."""
    if not _active(user):
        return False
    return Membership.objects.filter(
        user=user,
        organisation_id=case.organisation_id,
        organisation__is_active=True,
        role=Role.CASEWORKER,
        user__assigned_cases=case,
    ).exists()


def section_refusal(*, user: User, case: Case, section: str, assigned: bool | None = None):
    """None when the user may open the section, else the message explaining why not.

    ``assigned`` may pass a precomputed is_assigned_caseworker() to save the query.
    """
    if assigned is None:
        assigned = is_assigned_caseworker(user=user, case=case)
    if not assigned:
        return NOT_ASSIGNED
    if section == Section.LOCATION and not case.is_verified:
        return NOT_VERIFIED
    return None


def can_manage_assignment(*, user: User, case: Case) -> bool:
    """Assigned caseworkers and the organisation's admins assign caseworkers. One query."""
    if not _active(user):
        return False
    return Membership.objects.filter(
        user=user,
        organisation_id=case.organisation_id,
        organisation__is_active=True,
        role=Role.ORG_ADMIN,
    ).exists() or is_assigned_caseworker(user=user, case=case)


def caseworkers_of(*, organisation_id) -> QuerySet[User]:
    """Active caseworkers of the organisation, by name. One query."""
    return User.objects.filter(
        memberships__organisation_id=organisation_id,
        memberships__role=Role.CASEWORKER,
        is_active=True,
        frozen_at__isnull=True,
    ).order_by("display_name", "email")


def case_list(
    *,
    user: User,
    organisation: Organisation,
    status: str = "",
    risk: str = "",
    country: str = "",
    mine: bool = False,
) -> QuerySet[Case]:
    """The organisation's cases the user may see, filtered, with the person's pseudonym, the
    country and the assigned caseworkers loaded: a page costs two queries whatever its size
    (plus the paginator's count)."""
    cases = cases_visible_to(user=user).filter(organisation=organisation)
    if status == "crisis":
        cases = cases.filter(status__in=CRISIS_STATUSES)
    elif status:
        cases = cases.filter(status=status)
    if risk:
        cases = cases.filter(risk_level=risk)
    if country:
        cases = cases.filter(location__country_id=country)
    if mine:
        cases = cases.filter(assigned_caseworkers=user)
    # The list shows no content: leave the sealed columns in the database.
    sealed = [f"person__{name}" for name in sealed_field_names(Person)] + [
        f"location__{name}" for name in sealed_field_names(Location)
    ]
    return (
        cases.select_related("person", "location")
        .defer(*sealed)
        .prefetch_related(
            Prefetch(
                "assigned_caseworkers",
                queryset=User.objects.only("id", "display_name", "email").order_by(
                    "display_name", "email"
                ),
            )
        )
        .order_by("-year", "-number")
    )


def case_search(*, user: User, organisation: Organisation, kind: str, value: str) -> QuerySet[Case]:
    """Cases of the organisation whose person matches ``value`` exactly after normalisation,
    through the blind index (never by decrypting). Empty when the value normalises to nothing."""
    if kind not in IndexKind.values:
        return Case.objects.none()
    digest = blind_index(organisation_id=organisation.pk, kind=kind, value=value)
    if digest is None:
        return Case.objects.none()
    people = PersonIndex.objects.filter(organisation=organisation, kind=kind, digest=digest).values(
        "person__case_id"
    )
    return case_list(user=user, organisation=organisation).filter(pk__in=people)
