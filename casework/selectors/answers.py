"""Access answers read along with rows a page queries anyway: the case page's own row
(assigned? location holder? how the user came to the case? which small boxes are empty?) and
the grants of many cases at once for lists of their deadlines. The rules are access's; this
module only reads them in fewer queries (docs/performance.md)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.http import Http404

from accounts.models import Membership, Role, User
from casework.models import (
    BreakGlass,
    Case,
    CaseAssignment,
    Consent,
    LocationOpening,
    Referral,
)
from casework.sections import SECTIONS, Section
from casework.selectors.access import cases_visible_to, is_active_user, section_refusals
from casework.selectors.memo import knows_roles, prime, prime_rows, remembered

# Boxes that higher apps add to the case page (intake's conversations): name -> the rows of a
# case (given as OuterRef("pk")) whose existence the case's own row answers as ``_any_<name>``,
# so that an empty box costs no query. Registered in the app's ready().
CASE_PAGE_BOXES: dict[str, Callable[[Any], QuerySet[Any]]] = {}


def register_case_page_box(name: str, rows: Callable[[Any], QuerySet[Any]]) -> None:
    CASE_PAGE_BOXES[name] = rows


def case_for(*, user: User, reference: str, page: bool = False) -> Case:
    """The case with that reference if the user may see it, else Http404. One query.

    In a request memo that holds the user's roles (a safe request: selectors.memo), the same
    row also answers "assigned?", "holds location and route?" and "how did the user come to
    the case?" (EXISTS subqueries), and with ``page`` whether the case page's smaller boxes
    (consents, referrals, break-glass, admin assignments) have any rows: an empty box then
    costs no query of its own."""
    cases = cases_visible_to(user=user).select_related(
        "person", "organisation", "verified_by", "location__country"
    )
    facts = knows_roles(user)
    if facts:
        cases = cases.annotate(**_case_facts(user, page=page))
    case = cases.filter(reference=reference).first()
    if case is None:
        raise Http404
    if facts:
        _prime_case_facts(user, case, page=page)
    return case


def _case_facts(user: User, *, page: bool) -> dict[str, Any]:
    facts: dict[str, Any] = {
        "_assigned": Exists(
            Case.assigned_caseworkers.through.objects.filter(
                case_id=OuterRef("pk"), user_id=user.pk
            )
        ),
        "_holds_location": Exists(
            LocationOpening.objects.filter(case_id=OuterRef("pk"), user_id=user.pk)
        ),
        "_assignment_reason": Subquery(
            _latest_assignment(OuterRef("pk"), user).values("reason")[:1]
        ),
    }
    if page:
        box = OuterRef("pk")
        facts |= {
            "_any_consents": Exists(Consent.objects.filter(case_id=box)),
            "_any_referrals": Exists(Referral.objects.filter(case_id=box)),
            "_any_break_glass": Exists(BreakGlass.objects.filter(case_id=box)),
            "_any_admin_assignments": Exists(
                CaseAssignment.objects.filter(case_id=box).exclude(reason="")
            ),
        }
        facts |= {f"_any_{name}": Exists(rows(box)) for name, rows in CASE_PAGE_BOXES.items()}
    return facts


def _prime_case_facts(user: User, case: Case, *, page: bool) -> None:
    # With the roles known, "assigned" is the assignment row alone (is_assigned_caseworker
    # checks the role first).
    prime("assigned", user=user, case_id=case.pk, answer=case._assigned)  # type: ignore[attr-defined]
    prime("holds_location", user=user, case_id=case.pk, answer=case._holds_location)  # type: ignore[attr-defined]
    prime("assignment_reason", user=user, case_id=case.pk, answer=case._assignment_reason)  # type: ignore[attr-defined]
    if page:
        boxes = {
            "consents": case._any_consents,  # type: ignore[attr-defined]
            "referrals": case._any_referrals,  # type: ignore[attr-defined]
            "break_glasses": case._any_break_glass,  # type: ignore[attr-defined]
            "admin_assignments": case._any_admin_assignments,  # type: ignore[attr-defined]
        }
        for box, any_rows in boxes.items():
            if not any_rows:
                prime_rows(box, case_id=case.pk, rows=[])
        if not case._any_break_glass:  # type: ignore[attr-defined]
            prime("break_glass", user=user, case_id=case.pk, answer=None)


def _latest_assignment(case: Any, user: User) -> QuerySet[CaseAssignment]:
    return CaseAssignment.objects.filter(case_id=case, user_id=user.pk).order_by("-assigned_at")


def assignment_reason(*, user: User, case: Case) -> str | None:
    """The reason of the user's latest assignment to the case ("" if they assigned
    themselves or a colleague did; None without any). One query, once per request."""
    return remembered(
        "assignment_reason",
        user=user,
        case_id=case.pk,
        ask=lambda: _latest_assignment(case.pk, user).values_list("reason", flat=True).first(),
    )


def sections_open_to(*, user: User, case_ids: Iterable[Any]) -> dict[Any, set[str]]:
    """readable_sections() of many cases at once, for readers of many cases' rows (lists of
    deadlines, the case list's next deadline): case id -> the sections the user may open now.
    One query per 2,000 cases answers the cases the user is an assigned caseworker of (with
    their location openings); any other case is asked on its own (readable_sections: up to
    four queries), which these lists, limited to one's assigned cases, rarely hold."""
    ids = list(dict.fromkeys(case_ids))
    if not is_active_user(user):
        return {case_id: set() for case_id in ids}
    caseworker_here = Membership.objects.filter(
        user_id=user.pk,
        role=Role.CASEWORKER,
        organisation_id=OuterRef("organisation_id"),
        organisation__is_active=True,
    )
    found: dict[Any, set[str]] = {}
    for start in range(0, len(ids), 2000):
        rows = (
            Case.objects.filter(pk__in=ids[start : start + 2000])
            .only("id", "organisation_id", "verified_by_id")
            .annotate(
                _assigned=Exists(
                    Case.assigned_caseworkers.through.objects.filter(
                        case_id=OuterRef("pk"), user_id=user.pk
                    )
                ),
                _caseworker=Exists(caseworker_here),
                _holds_location=Exists(
                    LocationOpening.objects.filter(case_id=OuterRef("pk"), user_id=user.pk)
                ),
            )
        )
        for case in rows:
            if not (case._assigned and case._caseworker):
                refusals = section_refusals(user=user, case=case, sections=SECTIONS, assigned=False)
                found[case.pk] = {s for s, refusal in refusals.items() if refusal is None}
                continue
            # What section_refusals() says of an assigned caseworker, from the same row.
            prime("assigned", user=user, case_id=case.pk, answer=True)
            prime("holds_location", user=user, case_id=case.pk, answer=case._holds_location)
            opened = set(SECTIONS)
            if not case.is_verified and not case._holds_location:
                opened.discard(Section.LOCATION)
            found[case.pk] = opened
    return found


def assigned_caseworkers_of(*, case: Case, location_holders: bool = False) -> list[User]:
    """The case's assigned caseworkers by name; with ``location_holders``, each with
    ``holds_location`` (location and route were opened to them before verification). One
    query."""
    workers = case.assigned_caseworkers.order_by("display_name", "email")
    if location_holders:
        opened = LocationOpening.objects.filter(case_id=case.pk, user_id=OuterRef("pk"))
        workers = workers.annotate(holds_location=Exists(opened))
    return list(workers)
