"""axe-core for the browser tests: injects the vendored axe.min.js (tests/e2e/vendor/README.md)
through the DevTools protocol, so the page's Content-Security-Policy is the one users get, and
returns what breaks WCAG 2.0, 2.1 and 2.2 at levels A and AA."""

from __future__ import annotations

from pathlib import Path

AXE_PATH = Path(__file__).parent / "vendor" / "axe.min.js"
AXE_SOURCE = AXE_PATH.read_text(encoding="utf-8")
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
FAILING_IMPACTS = {"serious", "critical"}


def axe_violations(page) -> list[dict]:
    """axe-core's serious and critical violations of the WCAG A/AA rules on ``page`` as it is
    now (one axe run, a few hundred milliseconds)."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE_SOURCE)
    result = page.evaluate(
        "options => axe.run(document, options)",
        {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]},
    )
    return [v for v in result["violations"] if v["impact"] in FAILING_IMPACTS]


def describe(violation: dict) -> str:
    """One line: the rule, its impact, and where (the first few elements with the reason)."""
    where = []
    for node in violation["nodes"][:3]:
        reason = (node.get("failureSummary") or "").strip().splitlines()[-1:]
        where.append(f"{node['target'][0]} {' '.join(reason).strip()}")
    return (
        f"{violation['id']} ({violation['impact']}, {len(violation['nodes'])} elements): "
        + "; ".join(where)
    )
