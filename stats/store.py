"""Between the database and stats.publication: counting a group's periods, loading the earlier
versions of a period for disclosure control, and storing a new version's tables (with their
CSV) for stats.services. Writes only inside the caller's transaction."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date

from django.conf import settings
from django.utils import translation

from stats import counting, privacy
from stats.breakdowns import BY_CODE, GROUPS, SNAPSHOT
from stats.control import ALL, AtomKey, TableView, Version
from stats.models import GroupVersion, PublishedTable, Release
from stats.periods import label, months_of, parse
from stats.publication import (
    Counts,
    build_noisy_version,
    build_version,
    changed_figures,
    codes,
    hidden_of,
    shape_from,
    sum_counts,
)
from stats.render import block_table, csv_text, labels_of, periods_table

COUNTERS: dict[str, Callable[[date, list[date]], counting.Atoms]] = {
    "opened": counting.opened,
    "crisis": counting.crisis,
    "deadlines": counting.deadlines,
    "exposure": counting.exposures,
}


def count_group(group: str, *, as_of: date, periods: list[str]) -> dict[str, Counts]:
    """True counts of ``periods`` of ``group`` as of ``as_of``: {period: {organisation id:
    atoms}}; periods without any count are left out."""
    if GROUPS[group].period == SNAPSHOT:
        atoms = counting.snapshot(as_of, periods[0])
    else:
        months = sorted({m for key in periods for m in months_of(key)})
        atoms = COUNTERS[group](as_of, months)
    out: dict[str, Counts] = {}
    for (org, period), values in atoms.items():
        if period in periods and values:
            out.setdefault(period, {})[org] = values
    return out


def _load(row: GroupVersion) -> dict[str, Version]:
    """An earlier version as stats.control needs it: keyed by scope in differential-privacy
    mode (each view on its own), else one version under ALL."""
    counts = {owner: {(t, r, c): n for t, r, c, n in rows} for owner, rows in row.counts.items()}
    views: dict[str, dict[str, TableView]] = {}
    for table in row.tables.all():
        shape = shape_from(table.breakdown, table.data, row.universe[table.breakdown])
        views.setdefault(table.scope, {})[table.breakdown] = TableView(
            shape, hidden=hidden_of(table.breakdown, table.data)
        )
    links = GROUPS[row.group].links
    if row.noisy:
        return {
            scope: Version(counts={scope: counts.get(scope, {})}, views={ALL: tables}, links=links)
            for scope, tables in views.items()
        }
    return {ALL: Version(counts=counts, views=views, links=links)}


def earlier_versions(group: str, period: str) -> list[GroupVersion]:
    """Every earlier version a new one must be controlled against: all snapshots, or the
    earlier versions of the same period."""
    rows = GroupVersion.objects.filter(group=group).prefetch_related("tables")
    if GROUPS[group].period != SNAPSHOT:
        rows = rows.filter(period=period)
    return list(rows.order_by("release__number"))


def publish_group(
    release: Release, group: str, period: str, counts: Counts, *, as_of: date
) -> list[PublishedTable]:
    """Controls and stores one new version of ``group`` for ``period``."""
    k, base = release.k, release.base
    olds = [_load(row) for row in earlier_versions(group, period)]
    if privacy.enabled():
        by_scope: dict[str, list[Version]] = {}
        for old in olds:
            for scope, version in old.items():
                by_scope.setdefault(scope, []).append(version)
        versions, universe = build_noisy_version(
            group, counts, olds=by_scope, k=k, base=base, eps=privacy.epsilon()
        )
        stored = {scope: _flat(v.counts[scope]) for scope, v in versions.items()}
        views = {scope: (v.views[ALL], v.counts[scope]) for scope, v in versions.items()}
    else:
        version, universe = build_version(
            group, counts, olds=[old[ALL] for old in olds], k=k, base=base
        )
        stored = {org: _flat(atoms) for org, atoms in counts.items()}
        views = {
            scope: (tables, sum_counts(counts, None if scope == ALL else [scope]))
            for scope, tables in version.views.items()
        }
    row = GroupVersion.objects.create(
        release=release,
        group=group,
        period=period,
        as_of=as_of,
        counts=stored,
        universe=universe,
        noisy=privacy.enabled(),
    )
    before = _previous_tables(group, period)
    return [
        _store(row, scope, view, values, k=k, base=base, before=before.get((scope, code)))
        for scope, (tables, values) in views.items()
        for code, view in tables.items()
    ]


def _previous_tables(group: str, period: str) -> dict[tuple[str, str], dict]:
    """The latest earlier version of each table of a period (for a re-publication's "what
    changed"); none for snapshots, which are new every time."""
    if GROUPS[group].period == SNAPSHOT:
        return {}
    rows = PublishedTable.objects.filter(version__group=group, period=period).order_by(
        "version__release__number"
    )
    return {(t.scope, t.breakdown): t.data for t in rows}


def _flat(atoms: dict[AtomKey, int]) -> list[list]:
    return sorted([t, r, c, n] for (t, r, c), n in atoms.items())


def _store(
    row: GroupVersion,
    scope: str,
    view: TableView,
    values: dict[AtomKey, int],
    *,
    k: int,
    base: int,
    before: dict | None,
) -> PublishedTable:
    breakdown = BY_CODE[view.shape.table]
    data = codes(view, values, k=k, base=base)
    if before is not None:
        data["changed"] = changed_figures(before, data)
    with translation.override(settings.LANGUAGE_CODE):
        labels = labels_of(breakdown)
        if breakdown.layout == "periods":
            table = periods_table(breakdown, [(row.period, data)], k=k, labels=labels)
        else:
            table = block_table(
                breakdown, data, period=row.period, k=k, labels=labels, caption=label(row.period)
            )
        text = csv_text(table.lines())
    return PublishedTable.objects.create(
        version=row,
        scope=scope,
        breakdown=breakdown.code,
        period=row.period,
        year=parse(row.period).year,
        data=data,
        csv=text,
        sha256=hashlib.sha256(text.encode()).hexdigest(),
    )
