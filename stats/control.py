"""Disclosure control across tables, releases and views. Pure Python: no Django, no database.

stats.disclosure protects one table on its own. A viewer sees more than one table: every
table of every release, and a coordinator who is also an organisation's admin sees that
organisation's own tables beside the all-organisation ones. This module decides what else to
hide so that the union of all that stays safe, with exact linear algebra (stats.linear).

Terms:

* **atom**: the true count of one organisation in one finest cell, (table, raw row, column);
* **figure**: one published number, a cell or a total: the sum of a set of atoms (a folded
  "other countries" row is the sum of every country not listed);
* **view**: what a scope sees: "all" (all organisations added up) or one organisation's own;
* **group**: the tables that count the same people in one period (requests and service mix
  of one month count the cases opened that month, so their totals are equal) — a *version*
  of a group is one computation of it: a period is computed once and then frozen; a snapshot
  is computed for every release; a re-publication makes a new version of a period.

The attacker knows every published figure of every version of a group, for the views of one
person: the all-organisation view, and one organisation's own (its "own" atoms; every other
organisation's are the "rest"). Shown values count as exact (rounding is not relied on). A
version is published only when, for that knowledge:

(a) no hidden figure can be worked out;
(b) no sum of atoms that the attacker can work out — of a figure's atoms or a single atom, for
    all organisations, the own organisation or the rest — lies between 1 and k - 1;
(c) no such sum worked out in a version differs by 1 to k - 1 from its true value in an
    earlier version (two snapshots, or a period and its re-publication) where it could be
    worked out too, or where it was under k: one person's change, a move or a correction,
    neither shows as the difference of two published numbers, nor turns a count under k
    into a shown number for someone who knows of the change.

Versions of a group share no unknowns (each describes the world at its own cut-off), so what
can be worked out of one version comes from that version's figures alone; (c) pairs them up.
Different groups share no unknowns either: the groups are chosen so that no equation links
them (see stats.breakdowns).

Deciding: the all-organisation view first (checked against every earlier version as seen
with any one organisation's view, the strongest knowledge a single person has), then each
organisation's view with the all-organisation view fixed. A violation is repaired by hiding
one more shown figure of the view being decided — the cheapest one whose hiding removes it,
or else the cheapest sharing atoms with it — and checking again; hiding only ever grows, and
with everything of that view hidden the earlier, safe state is back, so it ends.

Not covered (stated in README): several organisations' admins pooling their views; sums of
several categories that are not themselves published (a net flow into "Kazakhstan or
Turkey" as a whole); bounds (a hidden value is known to lie in [0, k - 1], or at least k when
it reads "hidden"); someone who knows of a change and sees a shown number fall under k
learns what they could work out themselves (that it went down by that change).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field

from stats.linear import Span

ALL = "all"
TOTAL = "*"
OWN, REST = "own", "rest"

AtomKey = tuple[str, str, str]  # (table, raw row key, column key)
FigureId = tuple[str, str, str]  # (table, display row key or TOTAL, column key or TOTAL)
Target = tuple[frozenset[AtomKey], str]  # (atoms, whose: ALL, OWN or REST)


@dataclass(frozen=True)
class Shape:
    """One table as one view lays it out: display rows (each the set of raw row keys it adds
    up; folding puts several into one), columns ("" for a single column) and totals."""

    table: str
    rows: tuple[tuple[str, frozenset[str]], ...]
    cols: tuple[str, ...]
    row_totals: bool
    col_totals: bool

    def figures(self) -> list[tuple[FigureId, frozenset[AtomKey]]]:
        """Every figure with its atoms: cells, row totals, column totals, the grand total."""
        out = []
        by_row: dict[str, frozenset[AtomKey]] = {}
        for row, raws in self.rows:
            cells = []
            for col in self.cols:
                atoms = frozenset((self.table, raw, col) for raw in raws)
                out.append(((self.table, row, col), atoms))
                cells.append(atoms)
            by_row[row] = frozenset().union(*cells)
        if self.row_totals:
            out += [((self.table, row, TOTAL), atoms) for row, atoms in by_row.items()]
        if self.col_totals:
            for col in self.cols:
                atoms = frozenset(
                    (self.table, raw, col) for _row, raws in self.rows for raw in raws
                )
                out.append(((self.table, TOTAL, col), atoms))
            if self.row_totals:
                out.append(((self.table, TOTAL, TOTAL), frozenset().union(*by_row.values())))
        return out


@dataclass
class TableView:
    """A table as published in one view: its shape and the figures hidden (``small``: those
    hidden because they are under k, the rest hidden to protect others)."""

    shape: Shape
    hidden: set[FigureId] = field(default_factory=set)
    small: set[FigureId] = field(default_factory=set)


@dataclass
class Version:
    """One version of a group: true counts per organisation (atoms), and per scope the tables
    as published. ``links`` pairs tables whose totals count the same people."""

    counts: dict[str, dict[AtomKey, int]]
    views: dict[str, dict[str, TableView]]
    links: tuple[tuple[str, str], ...] = ()


class Knowledge:
    """What one person knows of one version: the span of the shown figures of the views in
    ``combo`` and of the equations linking tables, over the atoms split into parts."""

    def __init__(self, version: Version, combo: Sequence[str]) -> None:
        self.version = version
        self.combo = tuple(scope for scope in combo if scope in version.views)
        own = combo[1] if len(combo) > 1 else None
        self.parts = (OWN, REST) if own is not None else (ALL,)
        self.part_of: Callable[[str], str] = (
            (lambda org: OWN if org == own else REST) if own is not None else (lambda org: ALL)
        )
        self.values: dict[tuple[str, AtomKey], int] = {}
        for org, atoms in version.counts.items():
            part = self.part_of(org)
            for atom, n in atoms.items():
                self.values[(part, atom)] = self.values.get((part, atom), 0) + n
        self.span = Span()
        for scope in self.combo:
            for view in version.views[scope].values():
                for fid, figure in view.shape.figures():
                    if fid not in view.hidden:
                        self.span.add(self.scope_form(scope, figure))
        for first, second in version.links:
            for part in self.parts:
                form: dict[Hashable, int] = dict.fromkeys(
                    ((part, a) for a in universe(version, first)), 1
                )
                for atom in universe(version, second):
                    form[(part, atom)] = form.get((part, atom), 0) - 1
                self.span.add(form)

    def scope_form(self, scope: str, atoms: Iterable[AtomKey]) -> dict:
        parts = self.parts if scope == ALL else (self.part_of(scope),)
        return {(part, atom): 1 for part in parts for atom in atoms}

    def target_form(self, target: Target) -> dict | None:
        atoms, whose = target
        parts = self.parts if whose == ALL else (whose,)
        if not set(parts) <= set(self.parts):
            return None
        return {(part, atom): 1 for part in parts for atom in atoms}

    def known(self, target: Target) -> int | None:
        """The target's true value if this person can work it out, else None."""
        form = self.target_form(target)
        if form is None or form not in self.span:
            return None
        return sum(self.values.get(var, 0) for var in form)

    def value(self, target: Target) -> int | None:
        """The target's true value, known or not (None for parts this knowledge lacks)."""
        form = self.target_form(target)
        return None if form is None else sum(self.values.get(var, 0) for var in form)

    def targets(self) -> set[Target]:
        """Every sum the checks look at: each figure's atoms and each single atom, for all
        organisations, the own one and the rest."""
        keysets: set[frozenset[AtomKey]] = set()
        for scope in self.combo:
            for view in self.version.views[scope].values():
                keysets.update(atoms for _fid, atoms in view.shape.figures())
        for table in {t for scope in self.combo for t in self.version.views[scope]}:
            keysets.update(frozenset([atom]) for atom in universe(self.version, table))
        whose = (ALL, OWN, REST) if self.parts == (OWN, REST) else (ALL,)
        return {(keys, w) for keys in keysets if keys for w in whose}


def universe(version: Version, table: str) -> frozenset[AtomKey]:
    """Every atom of a table in this version: the union over its views' shapes."""
    found: set[AtomKey] = set()
    for views in version.views.values():
        view = views.get(table)
        if view is not None:
            found.update(atom for _fid, atoms in view.shape.figures() for atom in atoms)
    return frozenset(found)


@dataclass(frozen=True)
class Violation:
    kind: str  # "hidden", "small" or "pair"
    scope: str
    target: Target


def find_violation(new: Knowledge, olds: Sequence[Knowledge], *, k: int) -> Violation | None:
    """The first violation of (a), (b) or (c) in a fixed order, or None."""
    for scope in new.combo:
        for view in new.version.views[scope].values():
            for fid, atoms in sorted(view.shape.figures()):
                # A figure of no atoms is zero by definition: nothing to hide.
                if atoms and fid in view.hidden and new.scope_form(scope, atoms) in new.span:
                    return Violation("hidden", scope, (atoms, ALL if scope == ALL else OWN))
    targets = sorted(new.targets(), key=_order)
    for target in targets:
        value = new.known(target)
        if value is not None and 0 < value < k:
            return Violation("small", "", target)
    for old in olds:
        for target in sorted(new.targets() | old.targets(), key=_order):
            now = new.known(target)
            if now is not None and _breach(now, old, target, k):
                return Violation("pair", "", target)
    return None


def _breach(now: int, old: Knowledge, target: Target, k: int) -> bool:
    """Whether a value worked out now differs by 1 to k - 1 from the earlier version's, where
    that one could be worked out as well or was under k."""
    before = old.value(target)
    if before is None or not 0 < abs(now - before) < k:
        return False
    return before < k or old.known(target) is not None


def _order(target: Target) -> tuple:
    atoms, whose = target
    return (len(atoms), sorted(atoms), whose)


def _still(violation: Violation, new: Knowledge, olds: Sequence[Knowledge], k: int) -> bool:
    """Whether this one violation still holds."""
    if violation.kind == "hidden":
        atoms, _whose = violation.target
        return new.scope_form(violation.scope, atoms) in new.span
    value = new.known(violation.target)
    if value is None:
        return False
    if violation.kind == "small":
        return 0 < value < k
    return any(_breach(value, old, violation.target, k) for old in olds)


def repair(
    version: Version,
    *,
    scope: str,
    combo: Sequence[str],
    olds: Sequence[Knowledge],
    k: int,
) -> int:
    """Hides figures of ``scope``'s view in ``version`` until the knowledge of ``combo`` has
    no violation against ``olds``. Returns how many figures it hid."""
    hidden = 0
    while True:
        knowledge = Knowledge(version, combo)
        violation = find_violation(knowledge, olds, k=k)
        if violation is None:
            return hidden
        candidate = _choose(version, scope=scope, combo=combo, olds=olds, k=k, violation=violation)
        if candidate is None:
            raise AssertionError(f"disclosure control cannot repair {violation}")
        table, fid = candidate
        version.views[scope][table].hidden.add(fid)
        hidden += 1


def _choose(
    version: Version,
    *,
    scope: str,
    combo: Sequence[str],
    olds: Sequence[Knowledge],
    k: int,
    violation: Violation,
) -> tuple[str, FigureId] | None:
    values: dict[AtomKey, int] = {}
    for org, atoms in version.counts.items():
        if scope == ALL or org == scope:
            for atom, n in atoms.items():
                values[atom] = values.get(atom, 0) + n
    shown = sorted(
        (sum(values.get(a, 0) for a in atoms), fid, table, atoms)
        for table, view in version.views[scope].items()
        for fid, atoms in view.shape.figures()
        if fid not in view.hidden
    )
    for _value, fid, table, _atoms in shown:
        view = version.views[scope][table]
        view.hidden.add(fid)
        try:
            if not _still(violation, Knowledge(version, combo), olds, k):
                return table, fid
        finally:
            view.hidden.discard(fid)
    target_atoms = violation.target[0]
    for _value, fid, table, figure in shown:
        if figure & target_atoms:
            return table, fid
    return (shown[0][2], shown[0][1]) if shown else None
