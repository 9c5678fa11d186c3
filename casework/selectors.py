"""Reads that depend on who is asking. This module is the only way views, the API and tasks
reach cases (tests/casework/test_access.py fails on any other call of guardian's
``get_objects_for_user`` in the source tree).

Who sees what
-------------
* Members of the owning organisation with the caseworker or org admin role see the case list
  and the case shell (reference, status, categories, risk, country, assignment).
* Opening a section needs one of:
  - being an **assigned caseworker** of the owning organisation (every section);
  - an org admin's live **break-glass** (every section; reason, 2 h limit, audit, notice);
  - a live **per-section grant** (guardian row in ``CaseUserPermission``): a lawyer assigned
    within the owning organisation, or a member of an organisation the case is **referred**
    to, while the referral is accepted, unrevoked, unexpired and its consent valid.
* Writing a section needs an assigned caseworker; grants and break-glass only read.
* **Verification gate**: until the person is verified, location and route is open only to the
  assigned caseworkers of the owning organisation (no break-glass, no grant).
* Inactive or frozen users and inactive organisations reach nothing. Everyone else: the case
  does not exist for them (404).

Source of truth (why the tables cannot drift into more access)
--------------------------------------------------------------
Our own tables decide *whether* access is live: ``Membership`` (role, organisation active),
``Case.assigned_caseworkers``, ``Referral`` + ``Consent`` (status, expiry, withdrawal) and
``BreakGlass`` (expiry). guardian's direct foreign-key rows hold only *which sections* a
person was granted on one case, each tied to the referral it rests on. The rows are written
and deleted only by casework.access in the same transaction as the referral or assignment
change, and every read here ANDs the guardian row with the live state of its referral and the
user's membership. So a stale row (an expired referral nobody cleaned up) opens nothing: drift
can only ever narrow access. Expiry needs no job; it is effective on the next request.
guardian's global permissions are never consulted (``accept_global_perms=False``,
``with_superuser=False``) and a system check (casework.E010) refuses any global case
permission.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.shortcuts import get_objects_for_user

from accounts.models import Membership, Role, User
from casework.envelope.index import IndexKind, blind_index
from casework.fields import sealed_field_names
from casework.models import (
    CRISIS_STATUSES,
    BreakGlass,
    Case,
    CaseUserPermission,
    Location,
    Person,
    PersonIndex,
    Referral,
    ReferralStatus,
    section_codename,
)
from casework.sections import SECTIONS, Section

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


NOT_GRANTED = _("This section was not shared with you.")
WRITE_NEEDS_ASSIGNMENT = _("Only caseworkers assigned to this case can change it.")

OPEN_PERMS = [section_codename(section) for section in SECTIONS]
# Roles that may hold a per-section grant inside the owning organisation.
GRANT_ROLES_IN_OWNER = frozenset({Role.LAWYER})
# Roles of a receiving organisation that a referral reaches.
REFERRAL_ROLES = frozenset({Role.LAWYER, Role.CASEWORKER})


def _active(user: User) -> bool:
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


def _memberships(user: User, roles) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user, role__in=roles, organisation__is_active=True)


def live_grants(*, user: User, case_id=None) -> QuerySet[CaseUserPermission]:
    """The user's guardian rows that are live now: from a live referral to an organisation
    where the user is a lawyer or caseworker, or (no referral) a lawyer of the owning
    organisation. Lazy."""
    if not _active(user):
        return CaseUserPermission.objects.none()
    rows = CaseUserPermission.objects.filter(user=user)
    if case_id is not None:
        rows = rows.filter(content_object_id=case_id)
    referred_orgs = _memberships(user, REFERRAL_ROLES).values("organisation_id")
    owner_orgs = _memberships(user, GRANT_ROLES_IN_OWNER).values("organisation_id")
    return rows.filter(
        Q(
            referral__in=live_referrals().filter(to_organisation_id__in=referred_orgs),
        )
        | Q(referral__isnull=True, content_object__organisation_id__in=owner_orgs)
    )


def _granted_cases(user: User) -> QuerySet[Case]:
    """Cases where the user holds a live section grant. guardian's filter with its unsafe
    defaults off, narrowed to cases with a live grant row."""
    live = live_grants(user=user).filter(content_object_id=OuterRef("pk"))
    return get_objects_for_user(
        user,
        OPEN_PERMS,
        klass=Case.objects.filter(Exists(live)),
        use_groups=False,
        any_perm=True,
        with_superuser=False,
        accept_global_perms=False,
    )


def cases_visible_to(*, user: User) -> QuerySet[Case]:
    """Cases of the organisations where the user is a caseworker or org admin, and cases
    where the user holds a live section grant. Lazy; subqueries, no extra round trip."""
    if not _active(user):
        return Case.objects.none()
    orgs = _memberships(user, CASE_LIST_ROLES).values("organisation_id")
    granted = _granted_cases(user).values("pk")
    return Case.objects.filter(Q(organisation_id__in=orgs) | Q(pk__in=granted))


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


def active_break_glass(*, user: User, case: Case) -> BreakGlass | None:
    """The user's unexpired break-glass on the case, if they are still an org admin of its
    organisation. One query."""
    if not _active(user):
        return None
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
    if not _active(user):
        return dict.fromkeys(sections, NOT_ASSIGNED)
    if assigned is None:
        assigned = is_assigned_caseworker(user=user, case=case)
    if assigned:
        # The verification gate leaves location and route open to the assigned caseworkers
        # of the owning organisation (they record it); everyone else waits (below).
        return dict.fromkeys(sections, None)
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


def is_owner_member(*, user: User, case: Case) -> bool:
    """A caseworker or org admin of the case's organisation. One query."""
    return (
        _active(user)
        and _memberships(user, CASE_LIST_ROLES)
        .filter(organisation_id=case.organisation_id)
        .exists()
    )


def is_owner_admin(*, user: User, case: Case) -> bool:
    """An org admin of the case's (active) organisation. One query."""
    return (
        _active(user)
        and _memberships(user, {Role.ORG_ADMIN})
        .filter(organisation_id=case.organisation_id)
        .exists()
    )


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


def _case_list_base(
    *,
    user: User,
    organisation: Organisation,
    status: str = "",
    risk: str = "",
    country: str = "",
    mine: bool = False,
) -> QuerySet[Case]:
    """The organisation's cases the user may see, filtered, newest first, undecorated."""
    # The organisation's own list: only its caseworkers and admins, and only its cases. No
    # referral subquery here (referred cases have their own page), so the list stays one
    # indexed scan of the organisation's cases however many grants exist.
    if not _active(user):
        return Case.objects.none()
    orgs = _memberships(user, CASE_LIST_ROLES).filter(organisation=organisation)
    cases = Case.objects.filter(
        organisation=organisation, organisation_id__in=orgs.values("organisation_id")
    )
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
    return cases.order_by("-year", "-number")


def case_list(*, user: User, organisation: Organisation, **filters) -> QuerySet[Case]:
    """The organisation's cases the user may see, filtered (status, risk, country, mine),
    with the person's pseudonym, the country and the assigned caseworkers loaded: two queries
    whatever the size."""
    return list_rows(_case_list_base(user=user, organisation=organisation, **filters))


def case_listing(*, user: User, organisation: Organisation, **filters) -> CaseListing:
    """The same list for a Paginator: constant queries per page, fast at any depth."""
    return CaseListing(_case_list_base(user=user, organisation=organisation, **filters))


class CaseListing:
    """A case list for django.core.paginator.Paginator, loaded in two steps: the page's ids
    from the (organisation, year, number) index alone, then only those rows with their person,
    location and caseworkers. PostgreSQL otherwise hash-joins every person and location of the
    organisation to reach a deep page. A page costs four queries (count, ids, rows,
    caseworkers) whatever its depth or the table's size."""

    def __init__(self, cases: QuerySet[Case]) -> None:
        self._cases = cases

    def count(self) -> int:
        return self._cases.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index):
        if not isinstance(index, slice):
            raise TypeError("CaseListing takes slices")
        ids = list(self._cases.values_list("pk", flat=True)[index])
        rows = {case.pk: case for case in list_rows(Case.objects.filter(pk__in=ids))}
        return [rows[pk] for pk in ids if pk in rows]


def list_rows(cases: QuerySet[Case]) -> QuerySet[Case]:
    """What a case list row needs (pseudonym, country, assigned caseworkers), newest first."""
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


# --- Referrals, consent, notices, viewers ----------------------------------------------------


def _referrals() -> QuerySet[Referral]:
    return Referral.objects.select_related("case", "to_organisation", "case__organisation")


def referrals_to(*, user: User, organisation: Organisation) -> QuerySet[Referral]:
    """Referrals to the organisation, newest first; empty unless the user is an active member.
    One query."""
    if (
        not _active(user)
        or not _memberships(user, Role.values).filter(organisation=organisation).exists()
    ):
        return Referral.objects.none()
    return _referrals().filter(to_organisation=organisation)


def referrals_waiting(*, user: User, organisation: Organisation) -> QuerySet[Referral]:
    """Referrals to the organisation still waiting for an answer (and not yet expired)."""
    return referrals_to(user=user, organisation=organisation).filter(
        status=ReferralStatus.PENDING, expires_at__gt=timezone.now()
    )


def referrals_by(*, user: User, organisation: Organisation) -> QuerySet[Referral]:
    """Referrals of the organisation's cases to others; only for its caseworkers and admins."""
    if (
        not _active(user)
        or not _memberships(user, CASE_LIST_ROLES).filter(organisation=organisation).exists()
    ):
        return Referral.objects.none()
    return _referrals().filter(case__organisation=organisation)


def referral_for_receiver(*, user: User, pk) -> Referral:
    """A referral to one of the user's organisations (lawyer or caseworker there), else 404."""
    orgs = _memberships(user, REFERRAL_ROLES).values("organisation_id") if _active(user) else []
    referral = _referrals().filter(pk=pk, to_organisation_id__in=orgs).first()
    if referral is None:
        raise Http404
    return referral


def case_referrals(*, case: Case) -> QuerySet[Referral]:
    return case.referrals.select_related("to_organisation", "recipient", "consent")


def case_consents(*, case: Case):
    return case.consents.select_related("recipient")


def notices_for(*, user: User):
    """The user's unread notices about cases, newest first (ids and kinds only)."""
    return user.case_notices.filter(read_at__isnull=True).select_related("case")[:50]


def case_viewers(*, case: Case) -> list:
    """ "Who has seen this case": every actor on the case from the audit log, with a label
    (display name, else e-mail) from accounts. Two queries."""
    from audit.selectors import viewers_of

    viewers = viewers_of(object_type=case._meta.label_lower, object_id=case.pk)
    names = {
        str(u.pk): (u.display_name or u.email)
        for u in User.objects.filter(pk__in=[v.actor_id for v in viewers])
    }
    for viewer in viewers:
        viewer.label = names.get(str(viewer.actor_id), "")
    return viewers


def may_see_viewers(*, user: User, case: Case) -> bool:
    """Assigned caseworkers and the owning organisation's admins see who has seen the case."""
    return is_assigned_caseworker(user=user, case=case) or is_owner_admin(user=user, case=case)
