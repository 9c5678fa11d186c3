"""Server-side SVG charts. No style attributes (the CSP forbids them): presentation comes from
classes in stats/static/stats/stats.css. Each chart has a <title> and <desc> and is hidden
from screen readers' detail in favour of the table printed right after it."""

from __future__ import annotations

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

WIDTH = 640
LABEL_WIDTH = 220
BAR_HEIGHT = 22
GAP = 6


Point = tuple[str, int | None, str]  # (label, value or None when not shown, text shown)


def bar_chart(*, title: str, points: list[Point]) -> SafeString:
    """Horizontal bars, one per (label, value, text); a value not shown draws no bar, only its
    text ("fewer than 10", "hidden")."""
    top = max([v for _label, v, _t in points if v is not None] or [0]) or 1
    height = len(points) * (BAR_HEIGHT + GAP) + GAP
    span = WIDTH - LABEL_WIDTH - 70
    parts = []
    for n, (label, value, shown) in enumerate(points):
        y = GAP + n * (BAR_HEIGHT + GAP)
        width = 0 if value is None else round(span * value / top)
        parts.append(
            format_html(
                '<text class="chart-label" x="{}" y="{}" text-anchor="end">{}</text>'
                '<rect class="chart-bar" x="{}" y="{}" width="{}" height="{}"></rect>'
                '<text class="chart-value" x="{}" y="{}">{}</text>',
                LABEL_WIDTH - 8,
                y + BAR_HEIGHT - 6,
                _truncate(label),
                LABEL_WIDTH,
                y,
                width,
                BAR_HEIGHT,
                LABEL_WIDTH + width + 6,
                y + BAR_HEIGHT - 6,
                shown,
            )
        )
    return _svg(title, height, mark_safe("".join(parts)))  # noqa: S308 - built by format_html


def line_chart(*, title: str, points: list[Point]) -> SafeString:
    """A line over periods; a period not shown breaks the line and its text is on the axis."""
    height = 220
    plot_top, plot_bottom, left, right = 16, 170, 48, WIDTH - 16
    top = max([v for _label, v, _t in points if v is not None] or [0]) or 1
    step = (right - left) / max(len(points) - 1, 1)
    xs = [left + n * step for n in range(len(points))]

    def y(value: int) -> float:
        return plot_bottom - (plot_bottom - plot_top) * value / top

    lines = format_html_join(
        "",
        '<polyline class="chart-line" points="{}"></polyline>',
        ((" ".join(s),) for s in _segments(xs, points, y)),
    )
    dots = format_html_join(
        "",
        '<circle class="chart-dot" cx="{}" cy="{}" r="3.5"></circle>',
        (
            (f"{x:.1f}", f"{y(v):.1f}")
            for x, (_l, v, _t) in zip(xs, points, strict=True)
            if v is not None
        ),
    )
    labels = format_html_join(
        "",
        '<text class="chart-label" x="{}" y="{}" text-anchor="middle">{}</text>'
        '<text class="chart-value" x="{}" y="{}" text-anchor="middle">{}</text>',
        (
            (
                f"{x:.1f}",
                plot_bottom + 18,
                _truncate(label, 8),
                f"{x:.1f}",
                plot_bottom + 36,
                shown,
            )
            for x, (label, _v, shown) in zip(xs, points, strict=True)
        ),
    )
    axis = format_html(
        '<line class="chart-axis" x1="{}" y1="{}" x2="{}" y2="{}"></line>',
        left,
        plot_bottom,
        right,
        plot_bottom,
    )
    return _svg(title, height, axis + lines + dots + labels)


def _segments(xs: list[float], points: list[Point], y) -> list[list[str]]:
    """The runs of shown months as polyline points; a hidden month ends a run."""
    segments: list[list[str]] = []
    current: list[str] = []
    for x, (_label, value, _t) in zip(xs, points, strict=True):
        if value is None:
            if current:
                segments.append(current)
            current = []
        else:
            current.append(f"{x:.1f},{y(value):.1f}")
    if current:
        segments.append(current)
    return segments


def _truncate(label: str, length: int = 30) -> str:
    label = str(label)
    return label if len(label) <= length else label[: length - 1] + "…"


def _svg(title: str, height: int, body: SafeString) -> SafeString:
    return format_html(
        '<svg class="chart" viewBox="0 0 {} {}" role="img" aria-label="{}">'
        "<title>{}</title><desc>{}</desc>{}</svg>",
        WIDTH,
        height,
        title,
        title,
        _("The same numbers are in the table below the chart."),
        body,
    )
