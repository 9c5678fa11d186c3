"""Every audit action recorded anywhere in the code base has a human label (audit.actions):
the org admin's log never shows a bare code for something Waypoint itself records."""

from __future__ import annotations

import ast
from pathlib import Path

from audit.actions import ACTION_LABELS, GROUP_LABELS, action_label
from deadlines.models import DeadlineStatus

ROOT = Path(__file__).resolve().parents[2]
APPS = (
    "vault",
    "audit",
    "accounts",
    "casework",
    "deadlines",
    "evacuation",
    "stats",
    "intake",
    "ops",
    "api",
    "config",
)

# Calls whose action is computed: each expression (as written) and the codes it can produce.
DYNAMIC = {
    "_success_action(purpose)": {"auth.2fa.succeeded", "auth.reauth.succeeded"},
    "f'deadline.{status}'": {f"deadline.{s}" for s in DeadlineStatus.values},
}


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    return func.attr if isinstance(func, ast.Attribute) else ""


def _codes(arg: ast.expr) -> set[str] | None:
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return {arg.value}
    if isinstance(arg, ast.IfExp):
        body, orelse = _codes(arg.body), _codes(arg.orelse)
        return body | orelse if body is not None and orelse is not None else None
    return DYNAMIC.get(ast.unparse(arg))


def recorded_actions() -> tuple[set[str], list[str]]:
    """Every action passed to record(...) in the apps, and the calls it cannot resolve."""
    found: set[str] = set()
    unresolved: list[str] = []
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.Call) and _name(node.func) == "record" and node.args:
                    codes = _codes(node.args[0])
                    if codes is None:
                        unresolved.append(f"{path.relative_to(ROOT)}:{node.lineno}")
                    else:
                        found |= codes
    return found, unresolved


def test_the_scan_finds_the_actions_it_should():
    found, _ = recorded_actions()
    # A scan that found nothing would pass the test below vacuously.
    assert {"case.viewed", "case.break_glass", "auth.2fa.succeeded", "deadline.done"} <= found
    assert len(found) > 60


def test_every_recorded_action_is_resolved_by_the_scan():
    _, unresolved = recorded_actions()
    assert unresolved == [], "add the computed action to DYNAMIC in this test"


def test_every_action_used_in_the_code_base_has_a_label():
    found, _ = recorded_actions()
    missing = sorted(code for code in found if code not in ACTION_LABELS)
    assert missing == []
    assert all(str(action_label(code)) != code for code in found)


def test_every_labelled_action_sits_in_its_own_group():
    for code in ACTION_LABELS:
        assert code.split(".")[0] in GROUP_LABELS, code
