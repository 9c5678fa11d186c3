"""An organisation's case list: filtered, paged in two steps, searched by blind index."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from accounts.models import Organisation, User
from casework.envelope.index import IndexKind, blind_index
from casework.fields import sealed_field_names
from casework.models import CRISIS_STATUSES, Case, Location, Person, PersonIndex
from casework.selectors.access import CASE_LIST_ROLES, is_active_user, memberships


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
