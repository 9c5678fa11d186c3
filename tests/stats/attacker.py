"""An attacker that solves the linear system of everything one person can see, written apart
from stats.control (its own variables, its own elimination) so that it can catch the
publisher out.

What the attacker sees: every table of every release in the all-organisation view, and, for
a person who is also an organisation's admin, that organisation's own tables. It knows how
the tables are defined: a folded "other" row adds up every key the table does not list; the
requests and service-mix tables of a month count the same cases (equal totals), as do crisis
types and crisis countries of a quarter, and countries and backlog of a snapshot; a period
published once is the same numbers in every release; a new version (a snapshot, a
re-publication) is a new set of unknowns. It is given the true value of every figure it can
see (stronger than reading rounded numbers), and it wins when it can work out exactly:

* a hidden figure (whatever its value);
* a count between 1 and k - 1 of a set of people: any figure's cells or a single category,
  for all organisations, the own organisation or the rest;
* a difference between 1 and k - 1 of the same such count in two versions, where it solves
  the later one and either solves the earlier one too or the earlier one was under k (then
  knowing of one change, a move or a correction, would tell it the earlier count).

The truth it is judged against is the server's own record of the counts behind each
version (stats.models.GroupVersion), which other tests check against the case tables.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from fractions import Fraction

from stats.models import GroupVersion, PublishedTable

OTHER = "other"
UNLISTED = "*"  # every key that no table of this period ever listed
LINKS = {
    "opened": [("requests", "service")],
    "crisis": [("crisis_quarter", "crisis_country")],
    "now": [("countries", "backlog")],
}
SMALL, HIDDEN = "<", "h"


def _rref(rows: list[dict]) -> list[tuple[object, dict]]:
    """Fully reduced row echelon form of sparse rows: every pivot appears in one row only."""
    basis: list[tuple[object, dict]] = []
    for original in rows:
        row = {v: Fraction(c) for v, c in original.items() if c}
        for pivot, prow in basis:
            if pivot in row:
                f = row[pivot]
                for v, c in prow.items():
                    row[v] = row.get(v, 0) - f * c
                    if row[v] == 0:
                        del row[v]
        if not row:
            continue
        pivot = max(row, key=str)
        lead = row[pivot]
        row = {v: c / lead for v, c in row.items()}
        for i, (p, prow) in enumerate(basis):
            if pivot in prow:
                f = prow[pivot]
                new = dict(prow)
                for v, c in row.items():
                    new[v] = new.get(v, 0) - f * c
                    if new[v] == 0:
                        del new[v]
                basis[i] = (p, new)
        basis.append((pivot, row))
    return basis


def _solvable(basis: list[tuple[object, dict]], target: dict) -> bool:
    row = {v: Fraction(c) for v, c in target.items() if c}
    for pivot, prow in basis:
        if pivot in row:
            f = row[pivot]
            for v, c in prow.items():
                row[v] = row.get(v, 0) - f * c
                if row[v] == 0:
                    del row[v]
    return not row


@dataclass
class Seen:
    version: int
    scope: str
    table: str
    data: dict


class Attacker:
    """The attacker with the views of ``scopes``: ["all"], or ["all", organisation id]."""

    def __init__(self, *, k: int, own: str | None = None) -> None:
        self.k = k
        self.own = own
        self.scopes = ["all"] + ([own] if own else [])
        self.whose = ("all", "own", "rest") if own else ("all",)
        self.findings: list[str] = []

    def _part(self, org: str) -> str:
        if self.own is None:
            return "all"
        return "own" if org == self.own else "rest"

    def _parts(self, whose: str) -> tuple[str, ...]:
        if whose == "all":
            return ("own", "rest") if self.own else ("all",)
        return (whose,)

    def run(self) -> list[str]:
        seen = PublishedTable.objects.filter(scope__in=self.scopes, releases__isnull=False)
        identities: dict[tuple[str, str], list[Seen]] = defaultdict(list)
        for t in seen.select_related("version").distinct():
            key = (t.version.group, "now" if t.version.group == "now" else t.period)
            identities[key].append(Seen(t.version_id, t.scope, t.breakdown, t.data))
        for (group, period), tables in sorted(identities.items()):
            self._attack(group, period, tables)
        return self.findings

    def _attack(self, group: str, period: str, tables: list[Seen]) -> None:
        listed: dict[str, set[str]] = defaultdict(set)
        for t in tables:
            listed[t.table].update(r for r in t.data["rows"] if r != OTHER)
        versions = sorted({t.version for t in tables})
        truth = {v: self._truth(v, listed) for v in versions}
        known = {}
        keysets: set[tuple[str, frozenset]] = set()
        for v in versions:
            mine = [t for t in tables if t.version == v]
            rows, hidden = [], []
            for t in mine:
                for figure, keys, shown in self._figures(t, listed[t.table]):
                    keysets.add((t.table, keys))
                    form = self._form(t.scope, t.table, keys)
                    if shown:
                        rows.append(form)
                    else:
                        hidden.append((form, f"{t.scope}:{t.table}:{figure}"))
            for first, second in LINKS.get(group, []):
                cols = {t.table: t.data["cols"] for t in mine}
                if first in cols and second in cols:
                    for part in self._parts("all"):
                        form = {}
                        for key in [*listed[first], UNLISTED]:
                            for col in cols[first]:
                                form[(part, first, key, col)] = 1
                        for key in [*listed[second], UNLISTED]:
                            for col in cols[second]:
                                form[(part, second, key, col)] = -1
                        rows.append(form)
            basis = _rref(rows)
            for form, name in hidden:
                if _solvable(basis, form):
                    self.findings.append(f"{group} {period} v{v}: hidden figure {name} solved")
            known[v] = basis
        for table in listed:
            cols = {c for t in tables if t.table == table for c in t.data["cols"]}
            for key in [*listed[table], UNLISTED]:
                for col in cols:
                    keysets.add((table, frozenset([(key, col)])))
        self._check(group, period, versions, known, truth, keysets)

    def _check(self, group, period, versions, known, truth, keysets) -> None:
        for table, keys in sorted(keysets, key=str):
            for whose in self.whose:
                form = {(p, table, key, col): 1 for p in self._parts(whose) for key, col in keys}
                values = {v: sum(truth[v].get(var, 0) for var in form) for v in versions}
                solved = {v for v in versions if _solvable(known[v], form)}
                for v in sorted(solved):
                    if 0 < values[v] < self.k:
                        self.findings.append(
                            f"{group} {period} v{v}: {whose} {table} {sorted(keys)} = {values[v]}"
                        )
                # A later number set beside an earlier one that was solved too, or under k:
                # someone who knows of one change reads the difference, or the earlier count.
                for i, a in enumerate(versions):
                    for b in versions[i + 1 :]:
                        moved = values[b] - values[a]
                        earlier_readable = a in solved or values[a] < self.k
                        if b in solved and earlier_readable and 0 < abs(moved) < self.k:
                            self.findings.append(
                                f"{group} {period} v{a}->v{b}: {whose} {table} "
                                f"{sorted(keys)} moved {moved}"
                            )

    def _form(self, scope: str, table: str, keys: frozenset) -> dict:
        parts = self._parts("all") if scope == "all" else ("own",)
        return {(p, table, key, col): 1 for p in parts for key, col in keys}

    def _figures(self, t: Seen, listed: set[str]):
        """(name, {(key, column)}, shown) of every figure of a published table."""
        data = t.data
        row_keys = []
        for row in data["rows"]:
            if row == OTHER:
                mine = {r for r in data["rows"] if r != OTHER}
                row_keys.append(frozenset([*(listed - mine), UNLISTED]))
            else:
                row_keys.append(frozenset([row]))
        cols = data["cols"]

        def shown(code) -> bool:
            return code not in (SMALL, HIDDEN)

        for i, keys in enumerate(row_keys):
            for j, col in enumerate(cols):
                yield (
                    f"{data['rows'][i]}/{col}",
                    frozenset((k, col) for k in keys),
                    shown(data["cells"][i][j]),
                )
            if data.get("row_totals"):
                cells = frozenset((k, c) for k in keys for c in cols)
                yield f"{data['rows'][i]}/total", cells, shown(data["row_totals"][i])
        everything = frozenset((k, c) for keys in row_keys for k in keys for c in cols)
        if data.get("col_totals"):
            for j, col in enumerate(cols):
                cells = frozenset((k, col) for keys in row_keys for k in keys)
                yield f"total/{col}", cells, shown(data["col_totals"][j])
        if data.get("total") is not None:
            yield "total/total", everything, shown(data["total"])

    def _truth(self, version: int, listed: dict[str, set[str]]) -> dict:
        row = GroupVersion.objects.get(pk=version)
        values: dict = defaultdict(int)
        for org, atoms in row.counts.items():
            for table, key, col, n in atoms:
                known = key if key in listed.get(table, set()) else UNLISTED
                values[(self._part(org), table, known, col)] += n
        return values


def attack_everyone(*, k: int, organisations: list[str]) -> list[str]:
    """The findings of a coordinator alone and of a coordinator who is also the admin of each
    organisation in turn."""
    findings = Attacker(k=k).run()
    for org in organisations:
        findings += Attacker(k=k, own=str(org)).run()
    return findings
