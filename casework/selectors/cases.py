"""An organisation's case list: filtered, paged in two steps, searched by blind index."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Case as When_
from django.db.models import (
    CharField,
    DateField,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast

from accounts.models import Organisation, Role, User
from audit.models import AuditEvent
from casework.envelope.index import IndexKind, blind_index
from casework.fields import sealed_field_names
from casework.models import CRISIS_STATUSES, Case, Location, Person, PersonIndex, RiskLevel, Status
from casework.selectors.access import CASE_LIST_ROLES, is_active_user, memberships

# The case list's sortable columns (the ``?sort=`` values; a leading "-" reverses): each is
# an annotation or column, then the newest case first among equals.
SORTS = ("reference", "status", "risk", "next_deadline", "last_activity")
DEFAULT_SORT = "-reference"
# Searches by what the list shows in clear (not through the blind index).
REFERENCE, PSEUDONYM = "reference", "pseudonym"

# The first month of the case's next open deadline that the user may see, as an expression
# for annotate(): the deadlines app, which builds on casework, registers it (AppConfig.ready).
NextDue = Callable[[User], Any]
_next_due: list[NextDue] = []


def register_next_due(expression: NextDue) -> None:
    _next_due[:] = [expression]


def _rank(field: str, values: list[str]) -> When_:
    """An integer for sorting a choice field in its declared order, not alphabetically."""
    return When_(*(When(**{field: v}, then=Value(i)) for i, v in enumerate(values)), default=-1)


def _last_activity() -> Subquery:
    """When someone last changed the case: its newest audited write (reads do not count).
    One index lookup per case ((object_type, object_id, -seq))."""
    writes = AuditEvent.objects.filter(
        object_type="casework.case", object_id=Cast(OuterRef("pk"), CharField())
    )
    return Subquery(writes.exclude(action__endswith=".viewed").order_by("-seq").values("at")[:1])


def _sort_key(user: User, key: str) -> Any:
    if key == "status":
        return _rank("status", Status.values)
    if key == "risk":
        return _rank("risk_level", RiskLevel.values)
    if key == "next_deadline":
        return _next_due[0](user) if _next_due else Value(None, output_field=DateField())
    return _last_activity()


def _sorted(cases: QuerySet[Case], *, user: User, sort: str) -> QuerySet[Case]:
    """Sorts by a whitelisted column (anything else: newest first), then newest first among
    equals. The next deadline sorts by its month (the day is sealed); cases without a next
    deadline or any activity come last either way."""
    key = sort.removeprefix("-")
    descending = sort.startswith("-")
    if key not in SORTS:
        return cases.order_by("-year", "-number")
    if key == "reference":
        return cases.order_by(*(["-year", "-number"] if descending else ["year", "number"]))
    cases = cases.annotate(sort_key=_sort_key(user, key))
    column = F("sort_key")
    first = column.desc(nulls_last=True) if descending else column.asc(nulls_last=True)
    return cases.order_by(first, "-year", "-number")


def _case_list_base(
    *,
    user: User,
    organisation: Organisation,
    status: str = "",
    risk: str = "",
    country: str = "",
    mine: bool = False,
    assignee: Any = None,
    sort: str = DEFAULT_SORT,
) -> QuerySet[Case]:
    """The organisation's cases the user may see, filtered, sorted (``SORTS``), undecorated."""
    # The organisation's own list: only its caseworkers and admins, and only its cases. No
    # referral subquery here (referred cases have their own page), so the list stays one
    # indexed scan of the organisation's cases however many grants exist.
    if not is_active_user(user):
        return Case.objects.none()
    orgs = memberships(user, CASE_LIST_ROLES).filter(organisation=organisation)
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
    if assignee:
        cases = cases.filter(assigned_caseworkers=assignee)
    return _sorted(cases, user=user, sort=sort)


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
        rows = {case.pk: case for case in list_rows(Case.objects.filter(pk__in=ids), order=False)}
        return [rows[pk] for pk in ids if pk in rows]


def list_rows(cases: QuerySet[Case], *, order: bool = True) -> QuerySet[Case]:
    """What a case list row needs (pseudonym, country, assigned caseworkers, frozen or not),
    newest first unless ``order`` is False (the caller keeps its own order)."""
    # The list shows no content: leave the sealed columns in the database.
    sealed = [f"person__{name}" for name in sealed_field_names(Person)] + [
        f"location__{name}" for name in sealed_field_names(Location)
    ]
    rows = (
        cases.select_related("person", "location")
        .defer(*sealed)
        .annotate(last_activity=_last_activity())
        .prefetch_related(
            Prefetch(
                "assigned_caseworkers",
                queryset=User.objects.only("id", "display_name", "email", "frozen_at").order_by(
                    "display_name", "email"
                ),
            )
        )
    )
    return rows.order_by("-year", "-number") if order else rows


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


def case_find(*, user: User, organisation: Organisation, kind: str, value: str) -> QuerySet[Case]:
    """Cases of the organisation whose reference or pseudonym contains ``value`` (both are in
    clear on the list already), newest first. Empty for an unknown kind or a blank value."""
    value = value.strip()
    if not value or kind not in (REFERENCE, PSEUDONYM):
        return Case.objects.none()
    match = (
        Q(reference__icontains=value)
        if kind == REFERENCE
        else Q(person__pseudonym__icontains=value)
    )
    return case_list(user=user, organisation=organisation).filter(match)


def assignees_of(*, organisation: Organisation) -> QuerySet[User]:
    """The organisation's caseworkers, frozen ones included (their cases need a new
    assignee), by name: the case list's assignee filter. One query."""
    return User.objects.filter(
        memberships__organisation=organisation, memberships__role=Role.CASEWORKER, is_active=True
    ).order_by("display_name", "email")
