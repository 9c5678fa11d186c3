""" "Who has seen this case": page visits from the audit log, marked with how each reader
came to the case (break-glass, an admin's assignment, a referral); the receiving
organisation's view of its own members' visits; and the case lookups the org admin's audit
log uses (accounts.case_lookups), each checked for the person asking."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import OuterRef, Q, Subquery

from accounts.models import Organisation, Role, User
from audit.actions import ACCESS_LABELS
from audit.selectors import Viewer, readers_of, viewers_of
from casework.models import (
    BreakGlassReason,
    Case,
    CaseUserPermission,
    Referral,
)
from casework.selectors.access import (
    active_break_glass,
    cases_visible_to,
    is_active_user,
    is_assigned_caseworker,
    memberships,
)
from casework.selectors.answers import assignment_reason
from casework.selectors.notices import admin_assignments, case_break_glasses

VISIT = "case.viewed"
CASE_TYPE = "casework.case"


class Access:
    """How a reader came to a case (the ``access`` of a case.viewed event)."""

    ASSIGNMENT = "assignment"
    ADMIN_ASSIGNMENT = "admin_assignment"
    BREAK_GLASS = "break_glass"
    REFERRAL = "referral"
    GRANT = "grant"
    ORGANISATION = "organisation"


def access_basis(*, user: User, case: Case, assigned: bool | None = None) -> str:
    """How ``user`` reaches ``case`` now (an Access code). Up to three queries."""
    if assigned is None:
        assigned = is_assigned_caseworker(user=user, case=case)
    if assigned:
        reason = assignment_reason(user=user, case=case)
        return Access.ADMIN_ASSIGNMENT if reason else Access.ASSIGNMENT
    if active_break_glass(user=user, case=case) is not None:
        return Access.BREAK_GLASS
    grants = CaseUserPermission.objects.filter(user=user, content_object=case)
    if grants.filter(referral__isnull=False).exists():
        return Access.REFERRAL
    if grants.exists():
        return Access.GRANT
    return Access.ORGANISATION


@dataclass
class Mark:
    """One accountable access of a viewer to the case: what, when, and (break-glass) why."""

    label: Any
    at: Any
    reason: Any = ""


@dataclass
class CaseViewer:
    viewer: Viewer
    label: str
    organisation: str = ""
    marks: list[Mark] = field(default_factory=list)


def _marks(case: Case) -> dict[Any, list[Mark]]:
    """Break-glass and admin assignments on the case, by the person they opened it to. Two
    queries."""
    marks: dict[Any, list[Mark]] = {}
    for glass in case_break_glasses(case):
        reason = BreakGlassReason(glass.reason).label if glass.reason else ""
        marks.setdefault(glass.user_id, []).append(
            Mark(ACCESS_LABELS[Access.BREAK_GLASS], glass.started_at, reason)
        )
    for row in admin_assignments(case):
        marks.setdefault(row.user_id, []).append(
            Mark(ACCESS_LABELS[Access.ADMIN_ASSIGNMENT], row.assigned_at, row.get_reason_display())
        )
    return marks


def case_viewers(*, case: Case) -> list[CaseViewer]:
    """ "Who has seen this case": everyone who acted on it, newest first, with how many
    page visits (case.viewed) they made, their organisation when it is not the case's
    (a referral), and each break-glass or admin assignment that opened it to them. Up to
    three queries (the break-glass and admin assignment rows are shared with the page's other
    box, and cost none when the case's row said there are none)."""
    # Each viewer's name and, when a referral opened the case to them, its organisation, in
    # the same query as the visits.
    person = User.objects.filter(pk=OuterRef("actor_id"))
    partner = Referral.objects.filter(case_id=case.pk, grants__user_id=OuterRef("actor_id"))
    viewers = viewers_of(
        object_type=CASE_TYPE,
        object_id=case.pk,
        count_action=VISIT,
        about={
            "name": Subquery(person.values("display_name")[:1]),
            "email": Subquery(person.values("email")[:1]),
            "partner": Subquery(
                partner.order_by("-created_at").values("to_organisation__name")[:1]
            ),
        },
    )
    marks = _marks(case)
    return [
        CaseViewer(
            viewer=v,
            label=v.about["name"] or v.about["email"] or "",
            organisation=v.about["partner"] or "",
            marks=marks.get(v.actor_id, []),
        )
        for v in viewers
    ]


def _admin_of(user: User, organisation: Organisation) -> bool:
    return (
        is_active_user(user)
        and memberships(user, {Role.ORG_ADMIN}).filter(organisation=organisation).exists()
    )


def referral_readers(
    *, user: User, organisation: Organisation, referrals: Iterable[Referral]
) -> dict[str, list[CaseViewer]]:
    """For the receiving organisation's admin: which of its own members visited each case
    referred to it (case id -> viewers); empty for anyone else. Three queries."""
    rows = list(referrals)
    if not rows or not _admin_of(user, organisation):
        return {}
    members = dict(
        User.objects.filter(memberships__organisation=organisation).values_list(
            "pk", "display_name"
        )
    )
    emails = dict(User.objects.filter(pk__in=members).values_list("pk", "email"))
    found = readers_of(
        object_type=CASE_TYPE,
        object_ids={r.case_id for r in rows if r.to_organisation_id == organisation.pk},
        actor_ids=members.keys(),
        action=VISIT,
    )
    return {
        case_id: [CaseViewer(v, members.get(v.actor_id) or emails.get(v.actor_id, "")) for v in vs]
        for case_id, vs in found.items()
    }


def cases_shared_with(user: User, organisation: Organisation) -> tuple[str, ...]:
    """Ids of the cases ever referred to ``organisation``, for its admin (whose members'
    reads of them the admin may follow); empty for anyone else. Two queries."""
    if not _admin_of(user, organisation):
        return ()
    ids = Referral.objects.filter(to_organisation=organisation).values_list("case_id", flat=True)
    return tuple(sorted({str(pk) for pk in ids}))


def _seeable(user: User) -> Q:
    """Cases the user may see: within their reach, or referred to an organisation they
    administer."""
    admin_of = memberships(user, {Role.ORG_ADMIN}).values("organisation_id")
    referred = Referral.objects.filter(to_organisation_id__in=admin_of).values("case_id")
    return Q(pk__in=cases_visible_to(user=user).values("pk")) | Q(pk__in=referred)


def references_for(user: User, case_ids: Iterable[str]) -> dict[str, str]:
    """{case id: reference} for those of ``case_ids`` the user may see. One query."""
    ids = list(case_ids)
    if not ids or not is_active_user(user):
        return {}
    cases = Case.objects.filter(_seeable(user), pk__in=ids).values_list("pk", "reference")
    return {str(pk): reference for pk, reference in cases}


def case_id_for(user: User, reference: str) -> str | None:
    """The id of the case with this reference when the user may see it, else None. One
    query."""
    if not is_active_user(user):
        return None
    found = Case.objects.filter(_seeable(user), reference=reference.strip().upper()).first()
    return str(found.pk) if found is not None else None
