"""True counts of each group, as of a cut-off, by SQL aggregation over clear categorical
columns and their history (casework.models.CaseStatusChange, AttributeChange). Nothing here
loads a case into Python or opens a sealed field: every query is a GROUP BY, and every
attribute is read "as of" the cut-off — the latest history row of a month up to the cut-off
— never from the current row, so a change made after the cut-off reaches no table.

Each function returns the atoms of its group: {(organisation id, period): {(table, row key,
column key): count}}. Rows are aggregates (a few hundred), never cases.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db.models import Case as When_
from django.db.models import CharField, Count, F, OuterRef, Q, Subquery, Value
from django.db.models.expressions import When
from django.db.models.functions import Coalesce, Substr

from casework.models import (
    CRISIS_STATUSES,
    AttributeChange,
    Case,
    CaseStatusChange,
    LegalExposure,
    TrackedAttribute,
)
from deadlines.models import Deadline, DeadlineStatus
from stats.breakdowns import (
    BACKLOG_BUCKETS,
    ENDED_STATUSES,
    FOLDED_KINDS,
    MET,
    MISSED,
    OTHER,
    UNVERIFIED,
    stage_of,
)
from stats.periods import month_key, quarter_key

Atoms = dict[tuple[str, str], dict[tuple[str, str, str], int]]
KEY_LENGTH = 32


def _latest(attribute: str, at, *, case: str = "pk", item: str | None = None) -> Coalesce:
    rows = AttributeChange.objects.filter(
        case=OuterRef(case), attribute=attribute, changed_month__lte=at
    )
    if item is not None:
        rows = rows.filter(item=OuterRef(item))
    latest = rows.order_by("-changed_month", "-id").values("value")[:1]
    return Coalesce(Subquery(latest), Value(""), output_field=CharField())


def _status(at, *, case: str = "pk") -> Coalesce:
    latest = (
        CaseStatusChange.objects.filter(case=OuterRef(case), changed_month__lte=at)
        .order_by("-changed_month", "-id")
        .values("to_status")[:1]
    )
    return Coalesce(Subquery(latest), Value(""), output_field=CharField())


def _add(atoms: Atoms, rows: Iterable[tuple[Any, str, str, Any, Any, int]]) -> Atoms:
    for org, period, table, row, col, n in rows:
        if n:
            cell = atoms[(str(org), period)]
            key = (table, row or "", col or "")
            cell[key] = cell.get(key, 0) + n
    return atoms


def opened(cut_off: date, months: list[date]) -> Atoms:
    """Requests and service mix: the cases opened in each month, by their categories at the
    cut-off. One query."""
    qs = Case.objects.filter(opened_month__in=months).annotate(
        legal=_latest(TrackedAttribute.LEGAL_CATEGORY, cut_off),
        service=_latest(TrackedAttribute.SERVICE_CATEGORY, cut_off),
    )
    rows = (
        qs.values("organisation_id", "opened_month", "legal", "service")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("organisation_id", "opened_month", "legal", "service", "n")
    )
    atoms: Atoms = defaultdict(dict)
    for org, month, legal, service, n in rows:
        _add(atoms, [(org, month_key(month), "requests", legal, "", n)])
        _add(atoms, [(org, month_key(month), "service", service, "", n)])
    return atoms


def crisis(cut_off: date, months: list[date]) -> Atoms:
    """Crisis incidents (changes into a crisis state) recorded in the months, by type and by
    the country of stay in the month of the incident. One query."""
    qs = CaseStatusChange.objects.filter(
        to_status__in=CRISIS_STATUSES, changed_month__in=months, changed_month__lte=cut_off
    ).annotate(country=_latest(TrackedAttribute.COUNTRY, OuterRef("changed_month"), case="case_id"))
    rows = (
        qs.values("case__organisation_id", "changed_month", "to_status", "country")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("case__organisation_id", "changed_month", "to_status", "country", "n")
    )
    atoms: Atoms = defaultdict(dict)
    for org, month, status, country, n in rows:
        _add(atoms, [(org, quarter_key(month), "crisis_quarter", status, "", n)])
        _add(atoms, [(org, quarter_key(month), "crisis_country", country, "", n)])
    return atoms


def deadlines(cut_off: date, months: list[date]) -> Atoms:
    """Deadlines due in the months, met or missed (month resolution, see the breakdown).
    Every due month is at most the cut-off, which is over: an open deadline is missed, and so
    is one done after the cut-off (in a later month than it was due), as it was at the
    cut-off. Deadlines keep no history of their status: one cancelled after the cut-off no
    longer counts, nor does an information date (a threshold passed: not a task, never
    missed). One query."""
    months = [m for m in months if m <= cut_off]
    qs = Deadline.objects.filter(
        Q(status=DeadlineStatus.DONE, completed_month__isnull=False)
        | Q(status=DeadlineStatus.OPEN),
        information=False,
        due_month__gte=min(months),
        due_month__lte=max(months),
    ).annotate(
        kind_key=When_(
            When(kind__code__in=FOLDED_KINDS, then=Value(OTHER)),
            default=Substr("kind__code", 1, KEY_LENGTH),
            output_field=CharField(),
        ),
        outcome=When_(
            When(status=DeadlineStatus.DONE, completed_month__lte=F("due_month"), then=Value(MET)),
            default=Value(MISSED),
            output_field=CharField(),
        ),
    )
    rows = (
        qs.values("case__organisation_id", "due_month", "kind_key", "outcome")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("case__organisation_id", "due_month", "kind_key", "outcome", "n")
    )
    atoms: Atoms = defaultdict(dict)
    wanted = {month_key(m) for m in months}
    for org, month, kind, outcome, n in rows:
        if month_key(month) in wanted:
            _add(atoms, [(org, quarter_key(month), "deadlines", kind, outcome, n)])
    return atoms


def exposures(cut_off: date, months: list[date]) -> Atoms:
    """Legal exposures of the cases opened in the months, by article and stage and by wanted
    level at the cut-off; a case counts once per cell. Two queries."""
    qs = LegalExposure.objects.filter(case__opened_month__in=months).annotate(
        article_at=_latest(TrackedAttribute.EXPOSURE_ARTICLE, cut_off, case="case_id", item="pk"),
        stage_at=_latest(TrackedAttribute.EXPOSURE_STAGE, cut_off, case="case_id", item="pk"),
        wanted_at=_latest(TrackedAttribute.EXPOSURE_WANTED, cut_off, case="case_id", item="pk"),
    )
    qs = qs.exclude(article_at="")  # recorded after the cut-off
    fields = ("case__organisation_id", "case__opened_month")
    atoms: Atoms = defaultdict(dict)
    for table, keys in (("exposure", ("article_at", "stage_at")), ("wanted", ("wanted_at",))):
        rows = (
            qs.values(*fields, *keys)
            .annotate(n=Count("case_id", distinct=True))
            .order_by()
            .values_list(*fields, *keys, "n")
        )
        for org, month, *values, n in rows:
            col = values[1] if len(values) > 1 else ""
            # Counted per month of opening: a case has one, so the months add up.
            _add(atoms, [(org, quarter_key(month), table, values[0], col, n)])
    return atoms


def snapshot(cut_off: date, period: str) -> Atoms:
    """The world at the cut-off: verified people by funnel stage; open cases of verified
    people by country and by age; open cases of unverified contacts. Three queries."""
    qs = Case.objects.filter(opened_month__lte=cut_off).annotate(
        status_at=_status(cut_off), country_at=_latest(TrackedAttribute.COUNTRY, cut_off)
    )
    verified = Q(verified_month__isnull=False, verified_month__lte=cut_off)
    atoms: Atoms = defaultdict(dict)
    rows = (
        qs.filter(verified)
        .values("organisation_id", "status_at", "country_at")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("organisation_id", "status_at", "country_at", "n")
    )
    for org, status, country, n in rows:
        _add(atoms, [(org, period, "outcome", stage_of(status, country), "", n)])
        if status not in ENDED_STATUSES:
            _add(atoms, [(org, period, "countries", country, "", n)])
    open_cases = qs.exclude(status_at__in=ENDED_STATUSES)
    ages = (
        open_cases.filter(verified)
        .values("organisation_id", "opened_month")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("organisation_id", "opened_month", "n")
    )
    for org, month, n in ages:
        age = (cut_off.year - month.year) * 12 + cut_off.month - month.month
        bucket = next(key for key, least, _l in reversed(BACKLOG_BUCKETS) if age >= least)
        _add(atoms, [(org, period, "backlog", bucket, "", n)])
    unverified = (
        open_cases.exclude(verified)
        .values("organisation_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("organisation_id", "n")
    )
    _add(atoms, [(org, period, "unverified", UNVERIFIED, "", n) for org, n in unverified])
    return atoms
