"""One version of a group of tables: from true counts (stats.counting) to the figures each view
publishes, through per-table suppression (stats.disclosure), disclosure control across
tables, views and earlier versions (stats.control) and rounding. No writes (stats.services
stores the result); no database but the labels of countries and deadline kinds.
"""

from __future__ import annotations

from stats import privacy
from stats.breakdowns import GROUPS, NOT_RECORDED, OTHER, Breakdown, tables_of
from stats.control import ALL, TOTAL, AtomKey, FigureId, Knowledge, Shape, TableView, Version
from stats.control import repair as repair_view
from stats.disclosure import protect, round_to
from stats.render import HIDDEN, SMALL, Code

Counts = dict[str, dict[AtomKey, int]]


def universe_rows(breakdown: Breakdown, counts: Counts) -> list[str]:
    """The raw row keys of a table in this version: its fixed categories (in label order), then
    every other key that occurs in the counts. A folding table always has "not recorded", so
    that its OTHER row, and the table, are never empty."""
    present = {row for atoms in counts.values() for (t, row, _c) in atoms if t == breakdown.code}
    if breakdown.rows.fold_small:
        present.add(NOT_RECORDED)
    ordered = [key for key in breakdown.rows.labels() if key != OTHER]
    rows = [key for key in ordered if breakdown.rows.fixed or key in present]
    return rows + sorted(present - set(rows))


def _columns(breakdown: Breakdown) -> tuple[str, ...]:
    return tuple(breakdown.cols.labels()) if breakdown.cols is not None else ("",)


def shape_for(
    breakdown: Breakdown, universe: list[str], values: dict[AtomKey, int], *, k: int
) -> Shape:
    """The view's layout: small rows of a folding dimension (and values not recorded) go into
    one OTHER row at the end, decided on this view's counts."""
    cols = _columns(breakdown)
    if breakdown.rows.fold_small:
        total = {
            row: sum(values.get((breakdown.code, row, c), 0) for c in cols) for row in universe
        }
        keep = [row for row in universe if row not in ("", OTHER) and total[row] >= k]
        folded = frozenset(universe) - set(keep)
        rows = [(row, frozenset([row])) for row in keep] + ([(OTHER, folded)] if folded else [])
    else:
        rows = [(row, frozenset([row])) for row in universe]
    two_way = breakdown.cols is not None
    return Shape(
        table=breakdown.code,
        rows=tuple(rows),
        cols=cols,
        row_totals=breakdown.additive and two_way,
        col_totals=breakdown.additive,
    )


def initial_view(shape: Shape, values: dict[AtomKey, int], *, k: int, base: int) -> TableView:
    """Primary and complementary suppression of the table on its own (stats.disclosure)."""
    matrix = [
        [sum(values.get((shape.table, raw, col), 0) for raw in raws) for col in shape.cols]
        for _row, raws in shape.rows
    ]
    view = TableView(shape)
    if not matrix:
        return view
    protected = protect(
        matrix, k=k, base=base, row_totals=shape.row_totals, col_totals=shape.col_totals
    )
    keys = [row for row, _raws in shape.rows]
    for i, row in enumerate(keys):
        for j, col in enumerate(shape.cols):
            if protected.cells[i][j].hidden:
                view.hidden.add((shape.table, row, col))
        if protected.row_totals and protected.row_totals[i].hidden:
            view.hidden.add((shape.table, row, TOTAL))
    for j, col in enumerate(shape.cols):
        if protected.col_totals and protected.col_totals[j].hidden:
            view.hidden.add((shape.table, TOTAL, col))
    if protected.total is not None and protected.total.hidden:
        view.hidden.add((shape.table, TOTAL, TOTAL))
    return view


def sum_counts(counts: Counts, orgs: list[str] | None = None) -> dict[AtomKey, int]:
    values: dict[AtomKey, int] = {}
    for org, atoms in counts.items():
        if orgs is None or org in orgs:
            for atom, n in atoms.items():
                values[atom] = values.get(atom, 0) + n
    return values


def build_version(
    group: str, counts: Counts, *, olds: list[Version], k: int, base: int
) -> tuple[Version, dict[str, list[str]]]:
    """Decides every view of one version of ``group`` from the true counts per organisation,
    against the earlier versions ``olds`` of the same period (or snapshot). Returns the
    version and the universe of row keys per table."""
    tables = tables_of(group)
    universes = {b.code: universe_rows(b, counts) for b in tables}
    version = Version(counts=counts, views={}, links=GROUPS[group].links)
    orgs = sorted(counts)
    for scope in [ALL, *orgs]:
        values = sum_counts(counts, None if scope == ALL else [scope])
        version.views[scope] = {
            b.code: initial_view(
                shape_for(b, universes[b.code], values, k=k), values, k=k, base=base
            )
            for b in tables
        }
    # The all-organisation view against every earlier version as one person with any one
    # organisation's view could know it; then each organisation's view beside it.
    earlier = [
        Knowledge(old, combo)
        for old in olds
        for combo in [(ALL,), *((ALL, org) for org in old.views if org != ALL)]
    ]
    repair_view(version, scope=ALL, combo=(ALL,), olds=earlier, k=k)
    for org in orgs:
        mine = [Knowledge(old, (ALL, org)) for old in olds]
        repair_view(version, scope=org, combo=(ALL, org), olds=mine, k=k)
    return version, universes


def build_noisy_version(
    group: str, counts: Counts, *, olds: dict[str, list[Version]], k: int, base: int, eps: float
) -> tuple[dict[str, Version], dict[str, list[str]]]:
    """Differential-privacy mode: each view's counts get their own noise (stats.privacy) and
    are protected on their own against the same view's earlier versions; views need not add
    up, so the organisation views are not combined with the all-organisation one."""
    tables = tables_of(group)
    universes = {b.code: universe_rows(b, counts) for b in tables}
    versions: dict[str, Version] = {}
    for scope in [ALL, *sorted(counts)]:
        true = sum_counts(counts, None if scope == ALL else [scope])
        noisy: dict[AtomKey, int] = {}
        for b in tables:
            atoms = [(b.code, row, col) for row in universes[b.code] for col in _columns(b)]
            sensitivity = 1 if b.additive else max(len(atoms), 1)
            drawn = privacy.laplace(
                [true.get(a, 0) for a in atoms], sensitivity=sensitivity, eps=eps
            )
            noisy.update({a: max(0, n) for a, n in zip(atoms, drawn, strict=True) if n > 0})
        version = Version(counts={scope: noisy}, views={}, links=GROUPS[group].links)
        version.views[ALL] = {
            b.code: initial_view(shape_for(b, universes[b.code], noisy, k=k), noisy, k=k, base=base)
            for b in tables
        }
        earlier = [Knowledge(old, (ALL,)) for old in olds.get(scope, [])]
        repair_view(version, scope=ALL, combo=(ALL,), olds=earlier, k=k)
        versions[scope] = version
    return versions, universes


def codes(view: TableView, values: dict[AtomKey, int], *, k: int, base: int) -> dict:
    """The stored form of a published table (stats.render): keys and codes, no true count."""
    shape = view.shape
    atoms_of = dict(shape.figures())

    def code(fid: FigureId) -> Code:
        value = sum(values.get(a, 0) for a in atoms_of[fid])
        if fid in view.hidden:
            return SMALL if value < k else HIDDEN
        return round_to(value, base)

    table = shape.table
    keys = [row for row, _raws in shape.rows]
    data: dict = {
        "rows": keys,
        "cols": list(shape.cols),
        "cells": [[code((table, row, col)) for col in shape.cols] for row in keys],
        "row_totals": [code((table, row, TOTAL)) for row in keys] if shape.row_totals else None,
        "col_totals": [code((table, TOTAL, col)) for col in shape.cols]
        if shape.col_totals
        else None,
        "total": code((table, TOTAL, TOTAL)) if shape.row_totals and shape.col_totals else None,
    }
    return data


def shape_from(table: str, data: dict, universe: list[str]) -> Shape:
    """The shape of a stored table: OTHER adds up every key of the universe not listed."""
    listed = [key for key in data["rows"] if key != OTHER]
    rows = [
        (key, frozenset(set(universe) - set(listed)) if key == OTHER else frozenset([key]))
        for key in data["rows"]
    ]
    return Shape(
        table=table,
        rows=tuple(rows),
        cols=tuple(data["cols"]),
        row_totals=data.get("row_totals") is not None,
        col_totals=data.get("col_totals") is not None,
    )


def hidden_of(table: str, data: dict) -> set[FigureId]:
    """The figures a stored table does not show."""
    out: set[FigureId] = set()
    for i, row in enumerate(data["rows"]):
        for j, col in enumerate(data["cols"]):
            if data["cells"][i][j] in (SMALL, HIDDEN):
                out.add((table, row, col))
        if data.get("row_totals") and data["row_totals"][i] in (SMALL, HIDDEN):
            out.add((table, row, TOTAL))
    for j, col in enumerate(data["cols"]):
        if data.get("col_totals") and data["col_totals"][j] in (SMALL, HIDDEN):
            out.add((table, TOTAL, col))
    if data.get("total") in (SMALL, HIDDEN):
        out.add((table, TOTAL, TOTAL))
    return out


def changed_figures(before: dict, after: dict) -> int:
    """How many figures of a table read differently from its earlier version (a row or column
    that appears or disappears counts each of its figures)."""

    def figures(data: dict) -> dict[tuple[str, str], Code]:
        out = {}
        for i, row in enumerate(data["rows"]):
            for j, col in enumerate(data["cols"]):
                out[(row, col)] = data["cells"][i][j]
            if data.get("row_totals"):
                out[(row, TOTAL)] = data["row_totals"][i]
        for j, col in enumerate(data["cols"]):
            if data.get("col_totals"):
                out[(TOTAL, col)] = data["col_totals"][j]
        if data.get("total") is not None:
            out[(TOTAL, TOTAL)] = data["total"]
        return out

    old, new = figures(before), figures(after)
    return sum(1 for key in old.keys() | new.keys() if old.get(key) != new.get(key))
