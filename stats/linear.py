"""Exact linear algebra over the rationals for disclosure control: which sums of unknown counts
follow from the published numbers. Pure Python: no Django.

A *form* is a sparse vector {variable: coefficient}. ``Span`` keeps a basis of the forms whose
values are known (published numbers, and equations that hold whatever the data) in echelon
form; a form's value can be worked out exactly when the form lies in their span.

Cost: adding or testing a form reduces it against at most one basis row per variable; the
tables here have tens to a few hundred variables, so a test takes microseconds to
milliseconds.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from fractions import Fraction

Form = Mapping[Hashable, int | Fraction]


class Span:
    """The span of the forms added so far."""

    def __init__(self, forms: Iterable[Form] = ()) -> None:
        # (pivot variable, row) in insertion order; each row is zero on the pivots of the rows
        # before it and 1 on its own pivot.
        self._rows: list[tuple[Hashable, dict[Hashable, Fraction]]] = []
        for form in forms:
            self.add(form)

    def _reduce(self, form: Form) -> dict[Hashable, Fraction]:
        rest = {var: Fraction(c) for var, c in form.items() if c}
        # Row i is zero on the pivots of rows before it, so reducing in insertion order leaves
        # every pivot zero at the end.
        for pivot, row in self._rows:
            factor = rest.get(pivot)
            if factor:
                for var, c in row.items():
                    value = rest.get(var, Fraction(0)) - factor * c
                    if value:
                        rest[var] = value
                    else:
                        rest.pop(var, None)
        return rest

    def add(self, form: Form) -> bool:
        """Adds a known form; True if it told something new (was not in the span yet)."""
        rest = self._reduce(form)
        if not rest:
            return False
        pivot = min(rest, key=repr)
        lead = rest[pivot]
        self._rows.append((pivot, {var: c / lead for var, c in rest.items()}))
        return True

    def __contains__(self, form: Form) -> bool:
        return not self._reduce(form)

    @property
    def rank(self) -> int:
        return len(self._rows)
