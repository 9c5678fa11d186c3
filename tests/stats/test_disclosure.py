"""Disclosure control, checked with algebra that does not reuse the module's own solver.

For every hidden value the tests construct a *witness*: a second table that agrees with every
published (unrounded) cell and total, satisfies every row and column sum, and differs in that
hidden value. If such a table exists, nobody can recover the value from what is shown.
"""

from __future__ import annotations

import random
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stats.disclosure import equations, protect, round_to


def _extended(counts, *, row_totals=True, col_totals=True):
    rows, cols = len(counts), len(counts[0])
    values = {(i, j): counts[i][j] for i in range(rows) for j in range(cols)}
    if row_totals:
        values.update({(i, cols): sum(counts[i]) for i in range(rows)})
    if col_totals:
        values.update({(rows, j): sum(r[j] for r in counts) for j in range(cols)})
    if row_totals and col_totals:
        values[(rows, cols)] = sum(map(sum, counts))
    return values


def _all_constraints(rows, cols, *, row_totals=True, col_totals=True):
    """Written out independently of stats.disclosure.equations: every sum that holds."""
    eqs = []
    if row_totals:
        for i in range(rows + (1 if col_totals else 0)):
            eqs.append({**{(i, j): 1 for j in range(cols)}, (i, cols): -1})
    if col_totals:
        for j in range(cols + (1 if row_totals else 0)):
            eqs.append({**{(i, j): 1 for i in range(rows)}, (rows, j): -1})
    return eqs


def _hidden(protected, rows, cols):
    hidden = {(i, j) for i in range(rows) for j in range(cols) if protected.cells[i][j].hidden}
    for i, cell in enumerate(protected.row_totals or []):
        if cell.hidden:
            hidden.add((i, cols))
    for j, cell in enumerate(protected.col_totals or []):
        if cell.hidden:
            hidden.add((rows, j))
    if protected.total is not None and protected.total.hidden:
        hidden.add((rows, cols))
    return hidden


def _witness(target, hidden, eqs):
    """A vector on the hidden variables with value 1 at ``target`` that every equation maps to
    zero, or None when none exists (then the target is determined by what is shown)."""
    others = sorted(hidden - {target})
    # Solve sum_{v in others} a_v y_v = -a_target for each equation (Gauss-Jordan).
    rows = [[Fraction(eq.get(v, 0)) for v in others] + [Fraction(-eq.get(target, 0))] for eq in eqs]
    pivots = []
    r = 0
    for c in range(len(others)):
        p = next((i for i in range(r, len(rows)) if rows[i][c] != 0), None)
        if p is None:
            continue
        rows[r], rows[p] = rows[p], rows[r]
        rows[r] = [x / rows[r][c] for x in rows[r]]
        for i in range(len(rows)):
            if i != r and rows[i][c] != 0:
                f = rows[i][c]
                rows[i] = [a - f * b for a, b in zip(rows[i], rows[r], strict=True)]
        pivots.append(c)
        r += 1
    if any(all(x == 0 for x in row[:-1]) and row[-1] != 0 for row in rows):
        return None  # inconsistent: no alternative exists
    solution = {target: Fraction(1)}
    for v in others:
        solution[v] = Fraction(0)
    for i, c in enumerate(pivots):
        solution[others[c]] = rows[i][-1]
    return solution


def assert_no_hidden_value_recoverable(counts, protected, *, row_totals=True, col_totals=True):
    rows, cols = len(counts), len(counts[0])
    values = _extended(counts, row_totals=row_totals, col_totals=col_totals)
    eqs = _all_constraints(rows, cols, row_totals=row_totals, col_totals=col_totals)
    hidden = _hidden(protected, rows, cols)
    for target in hidden:
        witness = _witness(target, hidden, eqs)
        assert witness is not None, f"hidden cell {target} is determined by the shown numbers"
        alternative = {v: Fraction(values[v]) + witness.get(v, 0) for v in values}
        for eq in eqs:  # the alternative table is a real table with the same sums ...
            assert sum(coef * alternative[v] for v, coef in eq.items()) == 0
        for v in values:  # ... showing exactly the same published numbers ...
            if v not in hidden:
                assert alternative[v] == values[v]
        assert alternative[target] != values[target]  # ... but another hidden value


def assert_nothing_small_shown(counts, protected, k, **flags):
    values = _extended(counts, **flags)
    rows, cols = len(counts), len(counts[0])
    hidden = _hidden(protected, rows, cols)
    for v, value in values.items():
        if value < k:
            assert v in hidden, f"cell {v} of {value} was published"


SYNTHETIC = [
    # Cells of 1..9 next to large ones; one column all small, one row all large.
    [120, 3, 45, 0, 60],
    [80, 55, 7, 30, 41],
    [9, 200, 150, 1, 33],
    [64, 71, 88, 95, 102],
    [2, 4, 6, 8, 5],
]


def test_it_hides_every_cell_and_total_under_k():
    protected = protect(SYNTHETIC, k=10, base=5)
    assert_nothing_small_shown(SYNTHETIC, protected, 10)
    shown = [c.value for row in protected.cells for c in row if not c.hidden]
    assert all(v == 0 or v >= 10 for v in shown)


def test_no_hidden_cell_of_the_synthetic_table_can_be_solved_from_the_totals():
    protected = protect(SYNTHETIC, k=10, base=5)
    assert protected.hidden_count > 7  # primary ones alone are 7 cells and 1 total
    assert_no_hidden_value_recoverable(SYNTHETIC, protected)


def test_a_single_small_cell_gets_complementary_cells_in_its_row_and_column():
    counts = [[50, 50, 50], [50, 3, 50], [50, 50, 50]]
    protected = protect(counts, k=10, base=5)
    hidden = _hidden(protected, 3, 3)
    assert (1, 1) in hidden
    assert sum(1 for v in hidden if v[0] == 1) >= 2
    assert sum(1 for v in hidden if v[1] == 1) >= 2
    assert_no_hidden_value_recoverable(counts, protected)


def test_a_bridge_between_two_suppression_cycles_is_also_protected():
    """Every row and column with a hidden cell has two, yet the cell linking the two blocks
    would be determined: the degree rule is not enough, the algebra catches it."""
    counts = [
        [5, 5, 3, 90, 90],
        [5, 5, 90, 90, 90],
        [90, 90, 90, 4, 4],
        [90, 90, 90, 4, 4],
    ]
    protected = protect(counts, k=10, base=5)
    assert_no_hidden_value_recoverable(counts, protected)


def test_the_solver_rejects_a_pattern_with_a_bridge():
    """The test's own algebra finds the weakness of the naive rule, so it can fail."""
    counts = [[5, 5, 50, 50], [5, 5, 3, 50], [50, 50, 4, 4], [50, 50, 4, 4]]
    eqs = _all_constraints(4, 4)
    hidden = {(0, 0), (0, 1), (1, 0), (1, 1), (1, 2), (2, 2), (2, 3), (3, 2), (3, 3)}
    # each row/column has >= 2 hidden cells, except that (1, 2) joins two cycles
    assert _witness((1, 2), hidden, eqs) is None
    assert _witness((0, 0), hidden, eqs) is not None
    assert counts  # the table the pattern was drawn on


def test_a_small_row_total_is_hidden_and_cannot_be_recovered_from_the_grand_total():
    counts = [[3, 2], [40, 60], [50, 70]]
    protected = protect(counts, k=10, base=5)
    assert protected.row_totals[0].hidden
    assert_no_hidden_value_recoverable(counts, protected)


def test_a_one_dimensional_table_hides_a_second_cell_next_to_a_lone_small_one():
    counts = [[40], [3], [25], [60]]
    protected = protect(counts, k=10, base=5, row_totals=False)
    hidden = _hidden(protected, 4, 1)
    assert (1, 0) in hidden and len(hidden) >= 2
    assert hidden & {(0, 0), (2, 0), (3, 0), (4, 0)} == {(2, 0)}  # the cheapest partner
    assert_no_hidden_value_recoverable(counts, protected, row_totals=False)


def test_a_table_without_totals_needs_only_primary_suppression():
    counts = [[40, 3], [25, 60]]
    protected = protect(counts, k=10, base=5, row_totals=False, col_totals=False)
    assert _hidden(protected, 2, 2) == {(0, 1)}
    assert protected.row_totals is None and protected.total is None


def test_shown_counts_are_rounded_to_the_base():
    protected = protect([[12, 13], [27, 10]], k=10, base=5)
    assert [[c.value for c in row] for row in protected.cells] == [[10, 15], [25, 10]]
    assert protected.total.value == 60  # 62 rounded
    assert [round_to(v, 5) for v in (0, 2, 3, 7, 8, 12, 13)] == [0, 0, 5, 5, 10, 10, 15]


def test_equations_list_every_row_and_column_sum():
    assert len(equations(3, 4, row_totals=True, col_totals=True)) == 3 + 1 + 4 + 1


@given(
    st.integers(min_value=2, max_value=6).flatmap(
        lambda rows: st.integers(min_value=1, max_value=6).flatmap(
            lambda cols: st.lists(
                st.lists(
                    st.one_of(st.integers(0, 12), st.integers(10, 300)),
                    min_size=cols,
                    max_size=cols,
                ),
                min_size=rows,
                max_size=rows,
            )
        )
    )
)
def test_no_random_table_ever_reveals_a_hidden_cell(counts):
    protected = protect(counts, k=10, base=5)
    assert_nothing_small_shown(counts, protected, 10)
    assert_no_hidden_value_recoverable(counts, protected)


def _published(protected):
    flat = [c.value for row in protected.cells for c in row]
    flat += [c.value for c in protected.row_totals or []]
    flat += [c.value for c in protected.col_totals or []]
    return flat + ([protected.total.value] if protected.total else [])


@pytest.mark.parametrize("seed", range(30))
def test_one_persons_change_moves_a_shown_number_by_at_most_one_rounding_step(seed):
    """The exact bound of the default mode: rounding to nearest ``base`` cannot absorb every
    change (a count of 12 -> 13 moves from 10 to 15), so one person moving between cells can
    (a) change a shown number by at most ``base``, never more, and (b) switch cells between
    shown and hidden. It never reveals a cell below k."""
    rng = random.Random(seed)
    counts = [
        [rng.choice([rng.randint(0, 9), rng.randint(10, 200)]) for _ in range(4)] for _ in range(5)
    ]
    before = protect(counts, k=10, base=5)
    moved = [row[:] for row in counts]
    src = rng.choice([(i, j) for i in range(5) for j in range(4) if moved[i][j] > 0] or [(0, 0)])
    dst = (rng.randrange(5), rng.randrange(4))
    if moved[src[0]][src[1]] > 0:
        moved[src[0]][src[1]] -= 1
    moved[dst[0]][dst[1]] += 1
    after = protect(moved, k=10, base=5)
    for a, b in zip(_published(before), _published(after), strict=True):
        if a is not None and b is not None:
            assert abs(a - b) <= 5
    assert_nothing_small_shown(moved, after, 10)
    assert_no_hidden_value_recoverable(moved, after)
