"""stats.linear: which sums follow from known sums, checked against a brute-force rank."""

from __future__ import annotations

import itertools
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from stats.linear import Span


def _rank(vectors: list[list[Fraction]]) -> int:
    """Plain dense Gaussian elimination, written apart from stats.linear."""
    rows = [list(v) for v in vectors]
    rank, cols = 0, len(rows[0]) if rows else 0
    for c in range(cols):
        pivot = next((r for r in range(rank, len(rows)) if rows[r][c] != 0), None)
        if pivot is None:
            continue
        rows[rank], rows[pivot] = rows[pivot], rows[rank]
        for r in range(len(rows)):
            if r != rank and rows[r][c] != 0:
                f = rows[r][c] / rows[rank][c]
                rows[r] = [a - f * b for a, b in zip(rows[r], rows[rank], strict=True)]
        rank += 1
    return rank


def test_a_sum_of_known_sums_is_known_and_a_single_unknown_is_not():
    span = Span([{"a": 1, "b": 1}, {"b": 1, "c": 1}])
    assert {"a": 1, "b": 2, "c": 1} in span
    assert {"a": 1, "c": -1} in span
    assert {"a": 1} not in span
    assert span.rank == 2
    assert not span.add({"a": 1, "b": 2, "c": 1})  # nothing new
    assert span.add({"c": 1})
    assert {"a": 1} in span


def test_a_table_with_one_hidden_cell_gives_it_away():
    """The additivity of a table is in the figures themselves: the total is the sum of the
    cells' atoms, so a lone hidden cell is the total minus the others."""
    cells = [{("t", r): 1} for r in "abc"]
    total = {("t", r): 1 for r in "abc"}
    span = Span([cells[0], cells[1], total])
    assert cells[2] in span
    assert cells[2] not in Span([cells[0], total])


@given(
    st.lists(
        st.lists(st.integers(-2, 2), min_size=4, max_size=4),
        min_size=1,
        max_size=6,
    ),
    st.lists(st.integers(-2, 2), min_size=4, max_size=4),
)
def test_membership_agrees_with_the_rank_of_the_matrix(known, target):
    names = "wxyz"
    span = Span([dict(zip(names, row, strict=True)) for row in known])
    matrix = [[Fraction(x) for x in row] for row in known]
    expected = _rank(matrix + [[Fraction(x) for x in target]]) == _rank(matrix)
    assert (dict(zip(names, target, strict=True)) in span) == expected
    assert span.rank == _rank(matrix)


def test_the_order_of_the_known_sums_does_not_matter():
    forms = [{"a": 1, "b": 1}, {"b": 1, "c": 1}, {"c": 1, "d": 1}, {"a": 1, "d": 1}]
    targets = [{"a": 1, "c": 1}, {"a": 1, "b": 1, "c": 1, "d": 1}, {"a": 1, "c": -1}]
    results = {
        tuple(t in Span(list(order)) for t in targets) for order in itertools.permutations(forms)
    }
    # a - c = (a + b) - (b + c): known; a + c is not.
    assert results == {(False, True, True)}
