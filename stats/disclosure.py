"""Statistical disclosure control for published tables. Pure Python: no Django, no database.

A table is a matrix of true counts (people, or incidents where a breakdown says so) with
optional row and column totals. ``protect`` returns what may be published:

1. **Primary suppression**: every cell, total or grand total with a count under k is hidden
   (shown as "< k"), zeros included: a visible 0 next to a hidden cell would tell that the
   hidden cell holds at least one person ("someone from this group is in that country").
2. **Complementary suppression**: more cells are hidden until no hidden value can be
   recovered from the shown cells and totals. The test is exact linear algebra, not a
   rule of thumb: the table's additivity equations (each row sums to its total, each column
   to its total, the totals to the grand total) restricted to the hidden values are brought
   to reduced row echelon form over the rationals; a hidden value is *determined* exactly when
   some row of that form is the unit vector of that value. For a two-way table that is the
   same as the hidden cell being a bridge in the graph of hidden cells (rows and columns as
   nodes), so every bridge gets the cheapest path of further cells closing a cycle through
   it: shifting +1/-1 around a cycle keeps every shown number true. The algebra then checks
   the result.
3. **Rounding**: every shown count is rounded to the nearest multiple of ``base`` (5 by
   default), independently, so shown cells need not add up to shown totals exactly.

What it does not promise (stated on the page): a hidden value is known to lie in [0, k-1]
and a cycle's other members bound it, so an interval (never an exact value) can be derived;
a table that is not additive (a case counted in several rows) has no totals at all, so no
equation links its cells and primary suppression suffices.

Cost: one Gaussian elimination per candidate; a 15 x 30 table takes milliseconds.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

Variable = tuple[int, int]  # (row, column) in the table extended by its totals


@dataclass(frozen=True)
class Shown:
    """A published value: ``value`` is the rounded count, or None when it is hidden."""

    value: int | None

    @property
    def hidden(self) -> bool:
        return self.value is None


@dataclass(frozen=True)
class Protected:
    """The publishable table. ``cells[i][j]``; ``row_totals[i]``, ``col_totals[j]`` and
    ``total`` are None when the table has no such totals."""

    cells: list[list[Shown]]
    row_totals: list[Shown] | None
    col_totals: list[Shown] | None
    total: Shown | None
    k: int
    base: int

    @property
    def hidden_count(self) -> int:
        count = sum(cell.hidden for row in self.cells for cell in row)
        count += sum(cell.hidden for cell in self.row_totals or [])
        count += sum(cell.hidden for cell in self.col_totals or [])
        return count + int(bool(self.total and self.total.hidden))


def round_to(value: int, base: int) -> int:
    """Nearest multiple of ``base``; halves go up (12.5 -> 15). ``base`` 1 leaves it."""
    if base <= 1:
        return value
    return ((2 * value + base) // (2 * base)) * base


def _extended(
    counts: Sequence[Sequence[int]], *, row_totals: bool, col_totals: bool
) -> dict[Variable, int]:
    """The table with its totals as one dict: totals sit in column C and row R."""
    rows, cols = len(counts), len(counts[0]) if counts else 0
    values: dict[Variable, int] = {}
    for i in range(rows):
        for j in range(cols):
            values[(i, j)] = int(counts[i][j])
    if row_totals:
        for i in range(rows):
            values[(i, cols)] = sum(int(c) for c in counts[i])
    if col_totals:
        for j in range(cols):
            values[(rows, j)] = sum(int(counts[i][j]) for i in range(rows))
    if row_totals and col_totals:
        values[(rows, cols)] = sum(int(c) for row in counts for c in row)
    return values


def equations(
    rows: int, cols: int, *, row_totals: bool, col_totals: bool
) -> list[dict[Variable, int]]:
    """The additivity equations of the extended table, each as {variable: coefficient} = 0."""
    result: list[dict[Variable, int]] = []
    if row_totals:
        for i in range(rows):
            eq = {(i, j): 1 for j in range(cols)}
            eq[(i, cols)] = -1
            result.append(eq)
        if col_totals:  # the column of row totals sums to the grand total
            eq = {(i, cols): 1 for i in range(rows)}
            eq[(rows, cols)] = -1
            result.append(eq)
    if col_totals:
        for j in range(cols):
            eq = {(i, j): 1 for i in range(rows)}
            eq[(rows, j)] = -1
            result.append(eq)
        if row_totals:
            eq = {(rows, j): 1 for j in range(cols)}
            eq[(rows, cols)] = -1
            result.append(eq)
    return result


def determined(hidden: set[Variable], eqs: Sequence[dict[Variable, int]]) -> set[Variable]:
    """The hidden variables whose value follows from the equations and the shown values.

    Shown values are constants, so only the coefficients of hidden variables matter: a hidden
    variable is determined iff its unit vector lies in the row space of that coefficient
    matrix, i.e. iff a row of the reduced row echelon form equals the unit vector.
    """
    order = sorted(hidden)
    index = {var: n for n, var in enumerate(order)}
    matrix = []
    for eq in eqs:
        row = [Fraction(0)] * len(order)
        for var, coef in eq.items():
            if var in index:
                row[index[var]] = Fraction(coef)
        if any(row):
            matrix.append(row)
    pivots: list[int] = []
    r = 0
    for c in range(len(order)):
        pivot = next((i for i in range(r, len(matrix)) if matrix[i][c] != 0), None)
        if pivot is None:
            continue
        matrix[r], matrix[pivot] = matrix[pivot], matrix[r]
        lead = matrix[r][c]
        matrix[r] = [x / lead for x in matrix[r]]
        for i in range(len(matrix)):
            if i != r and matrix[i][c] != 0:
                factor = matrix[i][c]
                matrix[i] = [a - factor * b for a, b in zip(matrix[i], matrix[r], strict=True)]
        pivots.append(c)
        r += 1
    found = set()
    for i, c in enumerate(pivots):
        if sum(1 for x in matrix[i] if x != 0) == 1:
            found.add(order[c])
    return found


def _connected(hidden: set[Variable], a: tuple[str, int], b: tuple[str, int]) -> bool:
    """Whether line ``a`` reaches line ``b`` through hidden cells (cells join a row line to a
    column line)."""
    seen, todo = {a}, [a]
    while todo:
        kind, n = todo.pop()
        for i, j in hidden:
            if (kind == "r" and i == n) or (kind == "c" and j == n):
                other = ("c", j) if kind == "r" else ("r", i)
                if other not in seen:
                    if other == b:
                        return True
                    seen.add(other)
                    todo.append(other)
    return False


def _cheapest_cycle(
    values: dict[Variable, int], hidden: set[Variable], bridge: Variable
) -> list[Variable]:
    """The shown cells of the cheapest path from the bridge's row line to its column line
    (Dijkstra; a hidden cell costs nothing, a shown one its count plus one), so that adding
    them puts the bridge on a cycle."""
    start, goal = ("r", bridge[0]), ("c", bridge[1])
    best: dict[tuple[str, int], int] = {start: 0}
    back: dict[tuple[str, int], tuple[tuple[str, int], Variable]] = {}
    heap: list[tuple[int, tuple[str, int]]] = [(0, start)]
    while heap:
        cost, node = heapq.heappop(heap)
        if node == goal:
            break
        if cost > best.get(node, cost):
            continue
        kind, n = node
        for var, value in values.items():
            if var == bridge or (kind == "r" and var[0] != n) or (kind == "c" and var[1] != n):
                continue
            other = ("c", var[1]) if kind == "r" else ("r", var[0])
            step = 0 if var in hidden else value + 1
            if cost + step < best.get(other, cost + step + 1):
                best[other] = cost + step
                back[other] = (node, var)
                heapq.heappush(heap, (cost + step, other))
    path, node = [], goal
    while node != start:
        node, var = back[node]
        if var not in hidden:
            path.append(var)
    return path


def suppress(
    values: dict[Variable, int], eqs: Sequence[dict[Variable, int]], *, k: int, two_way: bool
) -> set[Variable]:
    """Primary then complementary suppression; returns the hidden variables.

    ``two_way``: a table with row and column totals. Its equations are the lines of the
    extended table, so the hidden cells form a bipartite graph of row and column lines, and a
    hidden cell is determined exactly when it is a bridge of that graph (on no cycle). Each
    bridge gets the cheapest path closing a cycle through it; bridges only ever decrease.
    Otherwise (one column with its total): a lone hidden value gets the cheapest partner.
    The result is checked with ``determined`` (exact algebra) before it is returned.
    """
    hidden = {var for var, value in values.items() if value < k}
    if two_way:
        while True:
            bridge = next(
                (
                    var
                    for var in sorted(hidden)
                    if not _connected(hidden - {var}, ("r", var[0]), ("c", var[1]))
                ),
                None,
            )
            if bridge is None:
                break
            hidden.update(_cheapest_cycle(values, hidden, bridge))
    else:
        for eq in eqs:
            if sum(var in hidden for var in eq) == 1:
                partner = min(
                    (var for var in eq if var not in hidden), key=lambda v: (values[v], v)
                )
                hidden.add(partner)
    if determined(hidden, eqs):  # never expected: a bug must not publish a recoverable cell
        raise AssertionError("complementary suppression left a determined cell")
    return hidden


def protect(
    counts: Sequence[Sequence[int]],
    *,
    k: int,
    base: int,
    row_totals: bool = True,
    col_totals: bool = True,
) -> Protected:
    """Suppresses and rounds ``counts`` (a non-empty rectangular matrix of true counts).

    A one-dimensional table is an n x 1 matrix with ``row_totals=False``: its column total is
    the grand total. A table whose rows overlap (a case in several rows) must pass both flags
    False: no totals are published for it.
    """
    if row_totals and not col_totals:
        raise ValueError("a table with row totals needs column totals too")
    rows = len(counts)
    cols = len(counts[0]) if rows else 0
    values = _extended(counts, row_totals=row_totals, col_totals=col_totals)
    eqs = equations(rows, cols, row_totals=row_totals, col_totals=col_totals)
    hidden = suppress(values, eqs, k=k, two_way=row_totals and col_totals)

    def shown(var: Variable) -> Shown:
        return Shown(None if var in hidden else round_to(values[var], base))

    return Protected(
        cells=[[shown((i, j)) for j in range(cols)] for i in range(rows)],
        row_totals=[shown((i, cols)) for i in range(rows)] if row_totals else None,
        col_totals=[shown((rows, j)) for j in range(cols)] if col_totals else None,
        total=shown((rows, cols)) if row_totals and col_totals else None,
        k=k,
        base=base,
    )
