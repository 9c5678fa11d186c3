"""Published tables as people read them: labels, honest codes for what is not shown, the lines
of the page and of the CSV (the same lines), and the charts.

A stored table (stats.models.PublishedTable.data) holds keys and codes, never true counts:
{"rows": [row keys], "cols": [column keys], "cells": [[code]], "row_totals": [code] | None,
"col_totals": [code] | None, "total": code | None}, where a code is the rounded count, SMALL
(the count is under k) or HIDDEN (hidden so that another number cannot be worked out).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from stats import charts
from stats.breakdowns import Breakdown
from stats.periods import label as period_label

SMALL, HIDDEN = "<", "h"
Code = int | str

HIDDEN_TEXT = _("hidden")
HIDDEN_NOTE = _(
    "“hidden”: not under the threshold itself, but hidden so that a number under it cannot be "
    "worked out from the totals, from another table, from an earlier release or from an "
    "organisation's own figures."
)


def small_text(k: int) -> str:
    return str(_("fewer than %(k)s") % {"k": k})


def text(code: Code, k: int) -> str:
    if code == SMALL:
        return small_text(k)
    if code == HIDDEN:
        return str(HIDDEN_TEXT)
    return str(code)


@dataclass
class TableRow:
    label: str | Promise
    cells: list[str]
    total: str | None = None


@dataclass
class Table:
    breakdown: Breakdown
    anchor: str
    caption: str
    row_title: str | Promise
    col_labels: list[str | Promise]
    rows: list[TableRow]
    col_totals: list[str] | None
    total: str | None
    csv_url: str = ""
    chart: str = ""
    hidden_note: bool = False

    @property
    def header(self) -> list[str]:
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
            out.append([str(_("Total")), *self.col_totals, *([self.total] if self.total else [])])
        return out


def csv_text(lines: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for line in lines:
        writer.writerow(line)
    return out.getvalue()


@dataclass
class Labels:
    rows: dict[str, str | Promise] = field(default_factory=dict)
    cols: dict[str, str | Promise] = field(default_factory=dict)


def labels_of(breakdown: Breakdown) -> Labels:
    return Labels(
        rows=breakdown.rows.labels(),
        cols=breakdown.cols.labels() if breakdown.cols is not None else {},
    )


def block_table(
    breakdown: Breakdown, data: dict, *, period: str, k: int, labels: Labels, caption: str
) -> Table:
    """One stored block as a table of its own (rows by columns, with its totals)."""
    one_column = data["cols"] == [""]
    col_labels = [breakdown.unit] if one_column else [labels.cols.get(c, c) for c in data["cols"]]
    rows = [
        TableRow(
            label=labels.rows.get(key, key or _("Not recorded")),
            cells=[text(c, k) for c in data["cells"][i]],
            total=text(data["row_totals"][i], k) if data.get("row_totals") else None,
        )
        for i, key in enumerate(data["rows"])
    ]
    table = Table(
        breakdown=breakdown,
        anchor=f"{breakdown.code}-{period}",
        caption=caption,
        row_title=breakdown.rows.title,
        col_labels=list(col_labels),
        rows=rows,
        col_totals=[text(c, k) for c in data["col_totals"]] if data.get("col_totals") else None,
        total=text(data["total"], k) if data.get("total") is not None else None,
    )
    table.hidden_note = HIDDEN in _codes(data)
    return table


def periods_table(
    breakdown: Breakdown, blocks: list[tuple[str, dict]], *, k: int, labels: Labels
) -> Table:
    """Blocks of a "periods" breakdown (one period each, its categories as columns) as one
    table: a line per period, the categories as columns, the period's total at the end. No
    totals over periods: they would change as periods are added."""
    keys: list[str] = []
    for _period, data in blocks:
        keys += [key for key in data["rows"] if key not in keys]
    rows = []
    for period, data in blocks:
        by_key = {key: data["cells"][i][0] for i, key in enumerate(data["rows"])}
        total = data["col_totals"][0] if data.get("col_totals") else None
        rows.append(
            TableRow(
                label=period_label(period),
                cells=[text(by_key.get(key, SMALL), k) for key in keys],
                total=text(total, k) if total is not None else None,
            )
        )
    table = Table(
        breakdown=breakdown,
        anchor=breakdown.code,
        caption=str(breakdown.title),
        row_title=_("Period"),
        col_labels=[labels.rows.get(key, key or _("Not recorded")) for key in keys],
        rows=rows,
        col_totals=None,
        total=None,
    )
    table.hidden_note = any(HIDDEN in _codes(data) for _p, data in blocks)
    return table


def _codes(data: dict) -> list[Code]:
    found = [c for row in data["cells"] for c in row]
    found += list(data.get("row_totals") or []) + list(data.get("col_totals") or [])
    return found + ([data["total"]] if data.get("total") is not None else [])


def add_chart(table: Table) -> None:
    """The chart of a table: row totals, or the single column. The same shown numbers."""
    chart = table.breakdown.chart
    if not chart:
        return
    if table.breakdown.layout == "periods":
        values = [row.total for row in table.rows]
    elif len(table.col_labels) == 1:
        values = [row.cells[0] for row in table.rows]
    else:
        values = [row.total for row in table.rows]
    points = [
        (str(row.label), int(v) if v and v.isdigit() else None, v or "")
        for row, v in zip(table.rows, values, strict=True)
    ]
    if points:
        draw = charts.line_chart if chart == "line" else charts.bar_chart
        table.chart = draw(title=table.caption, points=points)
