"""Reads of the statistics pages: who sees which scope, and the published (protected) tables.

Scope: a coordinator sees all organisations together; an org admin sees their own
organisation; nobody else sees statistics (403 inside an organisation, 404 without one).
Every table goes through stats.disclosure before it is returned; the true counts never leave
this module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.db.models import Sum
from django.http import Http404
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.http import AuthenticatedHttpRequest
from accounts.models import Organisation, Role
from accounts.selectors import active_membership
from stats import charts, privacy
from stats.breakdowns import BACKLOG_BUCKETS, BREAKDOWNS, OTHER, Breakdown
from stats.disclosure import Protected, Shown, protect
from stats.models import Refresh, SummaryCount

STATS_ROLES = frozenset({Role.COORDINATOR, Role.ORG_ADMIN})
ALL = "all"


class StatsForbidden(Exception):
    """Inside an organisation but without a statistics role (403)."""


@dataclass(frozen=True)
class Scope:
    """What a person may see: ``organisation`` None means all organisations."""

    organisation: Organisation | None

    @property
    def code(self) -> str:
        return ALL if self.organisation is None else str(self.organisation.pk)

    @property
    def label(self) -> str | Promise:
        return (
            _("All partner organisations") if self.organisation is None else self.organisation.name
        )


def scope_for(request: AuthenticatedHttpRequest) -> Scope:
    """Http404 without an active organisation, StatsForbidden for roles without statistics."""
    membership = active_membership(request)
    if membership is None:
        raise Http404
    if membership.role == Role.COORDINATOR:
        return Scope(None)
    if membership.role == Role.ORG_ADMIN:
        return Scope(membership.organisation)
    raise StatsForbidden


def latest_refresh() -> Refresh | None:
    return Refresh.objects.order_by("-finished_at").first()


def years_available(*, scope: Scope, until: date) -> list[int]:
    """Calendar years with published data, newest first. One query. Periods are whole
    calendar years (disjoint), so no two periods can be subtracted to isolate a month."""
    qs = SummaryCount.objects.filter(month__lte=until)
    if scope.organisation is not None:
        qs = qs.filter(organisation=scope.organisation)
    return sorted({d.year for d in qs.dates("month", "year")}, reverse=True)


@dataclass
class TableRow:
    label: str | Promise
    cells: list[str]
    total: str | None = None


@dataclass
class Table:
    breakdown: Breakdown
    row_title: str | Promise
    col_labels: list[str | Promise]
    rows: list[TableRow]
    col_totals: list[str] | None
    total: str | None
    chart: str = ""
    epsilon: float | None = None
    notes: list[str | Promise] = field(default_factory=list)

    @property
    def header(self) -> list[str]:
        """Header of the table and the CSV."""
        head = [str(self.row_title), *(str(c) for c in self.col_labels)]
        if any(row.total is not None for row in self.rows):
            head.append(str(_("Total")))
        return head

    def lines(self) -> list[list[str]]:
        """Every line as text, exactly as on the page (the CSV writes these)."""
        out = [self.header]
        for row in self.rows:
            out.append(
                [str(row.label), *row.cells, *([row.total] if row.total is not None else [])]
            )
        if self.col_totals is not None:
            out.append(
                [
                    str(_("Total")),
                    *self.col_totals,
                    *([self.total] if self.total is not None else []),
                ]
            )
        return out


def _true_counts(
    breakdown: Breakdown, *, scope: Scope, year: int | None, until: date
) -> tuple[
    list[str], list[str], list[list[int]], dict[str, str | Promise], dict[str, str | Promise]
]:
    """Row keys, column keys, the matrix of true counts and the labels. One query (plus the
    country names for a country dimension)."""
    qs = SummaryCount.objects.filter(breakdown=breakdown.code, month__lte=until)
    if scope.organisation is not None:
        qs = qs.filter(organisation=scope.organisation)
    if breakdown.periodic and year is not None:
        qs = qs.filter(month__year=year)
    sums = list(
        qs.values("month", "key", "key2")
        .annotate(n=Sum("count"))
        .order_by()
        .values_list("month", "key", "key2", "n")
    )

    def locate(source: str, month: date, key: str, key2: str) -> str:
        if source == "key":
            return key
        if source == "key2":
            return key2
        if source == "month":
            return month.strftime("%Y-%m")
        if source == "quarter":
            return str((month.month - 1) // 3 + 1)
        if source == "backlog":
            age = (until.year - month.year) * 12 + until.month - month.month
            return next(k for k, least, _l in reversed(BACKLOG_BUCKETS) if age >= least)
        raise ValueError(source)

    def keys_and_labels(dimension, seen: set[str]) -> tuple[list[str], dict[str, str | Promise]]:
        if dimension.source == "month":
            last = min(date(year, 12, 1), until) if year else until
            months = [date(last.year, m, 1) for m in range(1, last.month + 1)]
            return [m.strftime("%Y-%m") for m in months], {
                m.strftime("%Y-%m"): date_format(m, "YEAR_MONTH_FORMAT") for m in months
            }
        labels = dimension.labels()
        if dimension.source == "quarter" and year is not None and year == until.year:
            labels = {q: lab for q, lab in labels.items() if int(q) <= (until.month - 1) // 3 + 1}
        keys = list(labels)
        keys += sorted(k for k in seen if k not in labels)  # an unknown code still counts
        return keys, labels

    row_seen = {locate(breakdown.rows.source, m, k, k2) for m, k, k2, _n in sums}
    row_keys, row_labels = keys_and_labels(breakdown.rows, row_seen)
    if breakdown.cols is not None:
        col_seen = {locate(breakdown.cols.source, m, k, k2) for m, k, k2, _n in sums}
        col_keys, col_labels = keys_and_labels(breakdown.cols, col_seen)
    else:
        col_keys, col_labels = [""], {"": breakdown.unit}
    r_index = {k: i for i, k in enumerate(row_keys)}
    c_index = {k: j for j, k in enumerate(col_keys)}
    matrix = [[0] * len(col_keys) for _ in row_keys]
    for m, k, k2, n in sums:
        i = r_index[locate(breakdown.rows.source, m, k, k2)]
        j = c_index[locate(breakdown.cols.source, m, k, k2)] if breakdown.cols else 0
        matrix[i][j] += n
    return row_keys, col_keys, matrix, row_labels, col_labels


def _fold_small(row_keys: list[str], matrix: list[list[int]], *, k: int):
    """Rows whose total is under k (and "not recorded") become one row, OTHER, at the end;
    rows at or above k keep their place. Nothing is folded if nothing is small."""
    keep = [i for i, key in enumerate(row_keys) if key not in ("", OTHER) and sum(matrix[i]) >= k]
    folded = [i for i in range(len(row_keys)) if i not in keep]
    if not folded:
        return row_keys, matrix
    other = [sum(matrix[i][j] for i in folded) for j in range(len(matrix[0]))]
    return [row_keys[i] for i in keep] + [OTHER], [matrix[i] for i in keep] + [other]


def _text(cell: Shown, k: int) -> str:
    return f"< {k}" if cell.hidden else str(cell.value)


def build_table(
    breakdown: Breakdown, *, scope: Scope, year: int | None, until: date
) -> Table | None:
    """The published table of one breakdown, or None when there is nothing to show."""
    k, base = settings.WAYPOINT_STATS_K, settings.WAYPOINT_STATS_ROUNDING
    row_keys, col_keys, matrix, row_labels, col_labels = _true_counts(
        breakdown, scope=scope, year=year, until=until
    )
    if not row_keys or not any(any(r) for r in matrix):
        return None
    epsilon = None
    if privacy.enabled():
        release = privacy.noisy_matrix(
            breakdown=breakdown,
            scope_code=scope.code,
            year=(year or 0) if breakdown.periodic else 0,
            row_keys=row_keys,
            col_keys=col_keys,
            matrix=matrix,
        )
        if release is None:  # the month's privacy budget is spent
            return None
        row_keys, col_keys, matrix, epsilon = release
    if breakdown.rows.fold_small:
        row_keys, matrix = _fold_small(row_keys, matrix, k=k)
    two_way = breakdown.cols is not None
    protected: Protected = protect(
        matrix,
        k=k,
        base=base,
        row_totals=breakdown.additive and two_way,
        col_totals=breakdown.additive,
    )
    rows = [
        TableRow(
            label=row_labels.get(key, key),
            cells=[_text(c, k) for c in protected.cells[i]],
            total=_text(protected.row_totals[i], k) if protected.row_totals else None,
        )
        for i, key in enumerate(row_keys)
    ]
    table = Table(
        breakdown=breakdown,
        row_title=breakdown.rows.title,
        col_labels=[col_labels.get(key, key) for key in col_keys],
        rows=rows,
        col_totals=[_text(c, k) for c in protected.col_totals] if protected.col_totals else None,
        total=_text(protected.total, k) if protected.total else None,
        epsilon=epsilon,
    )
    if breakdown.chart:
        # The chart shows row totals (or the single column): the same shown numbers.
        if protected.row_totals is not None:
            values = [c.value for c in protected.row_totals]
        elif not two_way:
            values = [row[0].value for row in protected.cells]
        else:
            values = []
        points = [(str(r.label), v) for r, v in zip(rows, values, strict=False)]
        draw = charts.line_chart if breakdown.chart == "line" else charts.bar_chart
        if points:
            table.chart = draw(title=str(breakdown.title), points=points, hidden_label=f"< {k}")
    return table


def caseload_ratio(*, scope: Scope, until: date) -> str | None:
    """Open cases per caseworker holding any, to one decimal, when there are at least k open
    cases; never the number of caseworkers itself (staff are people to protect too). Not
    shown under differential privacy: worked out from the true counts, it would escape the
    noise and the budget."""
    if privacy.enabled():
        return None
    qs = SummaryCount.objects.filter(breakdown="caseload", month__lte=until)
    if scope.organisation is not None:
        qs = qs.filter(organisation=scope.organisation)
    sums = dict(qs.values("key").annotate(n=Sum("count")).order_by().values_list("key", "n"))
    cases, workers = sums.get("cases", 0), sums.get("caseworkers", 0)
    if cases < settings.WAYPOINT_STATS_K or not workers:
        return None
    return f"{cases / workers:.1f}"


def dashboard_tables(*, scope: Scope, year: int | None, until: date) -> list[Table]:
    tables = []
    for breakdown in BREAKDOWNS:
        table = build_table(breakdown, scope=scope, year=year, until=until)
        if table is not None:
            tables.append(table)
    return tables
