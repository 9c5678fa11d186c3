"""Reads of the statistics pages: who sees which scope, the releases, and their published tables
as people read them. Only published tables are read here (codes and rounded counts); the true
counts behind them (stats.models.GroupVersion) never leave stats.services.

Scope: a coordinator sees all organisations together; an org admin sees their own
organisation; nobody else sees statistics (403 inside an organisation, 404 without one).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.http import AuthenticatedHttpRequest
from accounts.models import Organisation, Role
from accounts.selectors import active_membership
from stats.breakdowns import BREAKDOWNS, BY_CODE, GROUPS, SNAPSHOT
from stats.models import PublishedTable, Release
from stats.periods import label as period_label
from stats.render import (
    HIDDEN,
    SMALL,
    Table,
    add_chart,
    block_table,
    labels_of,
    periods_table,
    text,
)

STATS_ROLES = frozenset({Role.COORDINATOR, Role.ORG_ADMIN})
ALL = "all"
PERIOD_RE = re.compile(r"\d{4}(-(0[1-9]|1[0-2]|Q[1-4]))?")


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


def latest_release() -> Release | None:
    return Release.objects.order_by("-number").first()


def release_numbered(number: int) -> Release:
    """Http404 for a number never published."""
    release = Release.objects.filter(number=number).first()
    if release is None:
        raise Http404
    return release


def tables_in(release: Release, scope: Scope) -> QuerySet[PublishedTable]:
    return release.tables.filter(scope=scope.code).select_related("version")


def years_available(release: Release, scope: Scope) -> list[int]:
    """Calendar years with published periods in the release, newest first. One query."""
    years = tables_in(release, scope).exclude(version__group="now").values_list("year", flat=True)
    return sorted(set(years), reverse=True)


def _is_snapshot(table: PublishedTable) -> bool:
    return GROUPS[table.version.group].period == SNAPSHOT


def release_tables(*, release: Release, scope: Scope, year: int | None) -> list[Table]:
    """The release's tables for a page: the periods of ``year`` and the snapshot, in the
    order of stats.breakdowns. One query."""
    rows = [
        t
        for t in tables_in(release, scope).order_by("breakdown", "period")
        if _is_snapshot(t) or t.year == year
    ]
    out = []
    for breakdown in BREAKDOWNS:
        mine = [t for t in rows if t.breakdown == breakdown.code]
        if not mine:
            continue
        labels = labels_of(breakdown)
        if breakdown.layout == "periods":
            table = periods_table(
                breakdown, [(t.period, t.data) for t in mine], k=release.k, labels=labels
            )
            table.csv_url = table_csv_url(release, breakdown.code, str(year))
            out.append(table)
            continue
        for t in mine:
            caption = _snapshot_caption(release) if _is_snapshot(t) else period_label(t.period)
            table = block_table(
                breakdown, t.data, period=t.period, k=release.k, labels=labels, caption=caption
            )
            if _is_snapshot(t):
                table.anchor = breakdown.code
            table.csv_url = table_csv_url(release, breakdown.code, t.period)
            out.append(table)
    for table in out:
        add_chart(table)
    return out


def _snapshot_caption(release: Release) -> str:
    return str(
        _("At the end of %(month)s") % {"month": period_label(release.cut_off.strftime("%Y-%m"))}
    )


def table_csv_url(release: Release, code: str, period: str) -> str:
    return reverse("stats:table_csv", args=[release.number, code, period])


def table_csv(*, release: Release, scope: Scope, code: str, period: str) -> tuple[str, int]:
    """The CSV of one published table exactly as stored (byte-identical in every release that
    carries it), or of a "periods" table's year (its periods' lines under one header), and
    its number of lines. Http404 for anything not published in the scope."""
    breakdown = BY_CODE.get(code)
    if breakdown is None or not PERIOD_RE.fullmatch(period):
        raise Http404
    tables = tables_in(release, scope).filter(breakdown=code)
    if breakdown.layout == "periods" and len(period) == 4:
        blocks = list(tables.filter(year=int(period)).order_by("period"))
        if not blocks:
            raise Http404
        lines = [blocks[0].csv.split("\r\n", 1)[0]]
        lines += [t.csv.split("\r\n", 1)[1].rstrip("\r\n") for t in blocks]
        return "\r\n".join(lines) + "\r\n", len(blocks)
    table = tables.filter(period=period).first()
    if table is None:
        raise Http404
    return table.csv, table.csv.count("\r\n")


@dataclass
class ReleaseSummary:
    release: Release
    new: list[tuple[str | Promise, list[tuple[str, str]]]] = field(default_factory=list)
    small: int = 0
    hidden: int = 0
    changed: int = 0


def release_summaries(scope: Scope) -> list[ReleaseSummary]:
    """Every release, newest first, with the tables it published for the first time in this
    scope (title, and per period its label and CSV link) and how many figures of those were
    under k, hidden to protect others, or changed by a re-publication. Two queries."""
    releases = list(Release.objects.order_by("-number"))
    new_tables = PublishedTable.objects.filter(scope=scope.code).select_related("version__release")
    by_release: dict[int, list[PublishedTable]] = {}
    for table in new_tables.order_by("breakdown", "period"):
        by_release.setdefault(table.version.release.number, []).append(table)
    out = []
    for release in releases:
        summary = ReleaseSummary(release)
        for breakdown in BREAKDOWNS:
            mine = [t for t in by_release.get(release.number, []) if t.breakdown == breakdown.code]
            if mine:
                links = [
                    (period_label(t.period), table_csv_url(release, t.breakdown, t.period))
                    for t in mine
                ]
                summary.new.append((breakdown.title, links))
            for t in mine:
                codes = _all_codes(t.data)
                summary.small += codes.count(SMALL)
                summary.hidden += codes.count(HIDDEN)
                summary.changed += int(t.data.get("changed", 0))
        out.append(summary)
    return out


def _all_codes(data: dict) -> list:
    found = [c for row in data["cells"] for c in row]
    found += list(data.get("row_totals") or []) + list(data.get("col_totals") or [])
    return found + ([data["total"]] if data.get("total") is not None else [])


def release_long_csv(*, release: Release, scope: Scope) -> list[list[str]]:
    """The whole release in one long table: table, period, row, column, value (as on the
    pages: a count, "fewer than k" or "hidden"). One query."""
    lines = [[str(_("Table")), str(_("Period")), str(_("Row")), str(_("Column")), str(_("Value"))]]
    for table in tables_in(release, scope).order_by("breakdown", "period"):
        breakdown = BY_CODE[table.breakdown]
        labels = labels_of(breakdown)
        data = table.data
        for i, row in enumerate(data["rows"]):
            row_label = str(labels.rows.get(row, row or _("Not recorded")))
            for j, col in enumerate(data["cols"]):
                col_label = str(labels.cols.get(col, col)) if col else str(breakdown.unit)
                lines.append(
                    [breakdown.code, table.period, row_label, col_label,
                     text(data["cells"][i][j], release.k)]
                )  # fmt: skip
            if data.get("row_totals"):
                lines.append(
                    [breakdown.code, table.period, row_label, str(_("Total")),
                     text(data["row_totals"][i], release.k)]
                )  # fmt: skip
        for j, col in enumerate(data["cols"]):
            if data.get("col_totals"):
                col_label = str(labels.cols.get(col, col)) if col else str(breakdown.unit)
                lines.append(
                    [breakdown.code, table.period, str(_("Total")), col_label,
                     text(data["col_totals"][j], release.k)]
                )  # fmt: skip
        if data.get("total") is not None:
            lines.append(
                [breakdown.code, table.period, str(_("Total")), str(_("Total")),
                 text(data["total"], release.k)]
            )  # fmt: skip
    return lines
