"""Audit checkpoints and the runtime database role, as an operator meets them: the services
connect as a role that may only add audit events, and a signed checkpoint stored outside the
database (WAYPOINT_CHECKPOINT_DIR) proves the chain intact."""

from __future__ import annotations

import stat
import subprocess

from phases import check
from stack import Stack, say


def runtime_role_cannot_rewrite_the_audit_log(stack: Stack) -> None:
    url = (stack.secrets / "database_url").read_text(encoding="utf-8").strip()
    check(f"//{stack.runtime}:" in url, "the services connect as the runtime role")
    for sql in (
        "UPDATE audit_auditevent SET seq = seq WHERE false",
        "DELETE FROM audit_auditevent WHERE false",
    ):
        result = subprocess.run(
            ["psql", url, "-v", "ON_ERROR_STOP=1", "-qtAc", sql],
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        refused = result.returncode != 0 and "permission denied" in result.stderr
        check(refused, f"the runtime role is refused {sql.split()[0]} on the audit log")
    say("ok: the runtime role may not change or delete audit events")


def checkpoint_then_verify(stack: Stack) -> None:
    """`audit_checkpoint --store` then `audit_verify` against it, both as the runtime role
    (the services' database URL), into the run's own checkpoint folder."""
    folder = stack.work / "checkpoints"
    stored = stack.run_manage("audit_checkpoint", "--store").stdout
    files = sorted(folder.iterdir()) if folder.is_dir() else []
    check(len(files) == 1 and str(files[0]) in stored, f"one checkpoint stored: {stored!r}")
    check(stat.S_IMODE(folder.stat().st_mode) == 0o700, "the checkpoint folder is 0700")
    check(stat.S_IMODE(files[0].stat().st_mode) == 0o600, "the checkpoint file is 0600")
    verify = stack.run_manage("audit_verify")
    check("events verified" in verify.stdout, f"audit_verify: {verify.stdout}{verify.stderr}")
    check(not verify.stderr.strip(), f"audit_verify used the stored checkpoint: {verify.stderr}")
    say(f"ok: audit checkpoint stored and verified as the runtime role: {verify.stdout.strip()}")


def audit_phase(stack: Stack) -> None:
    if stack.runtime_role_used:
        runtime_role_cannot_rewrite_the_audit_log(stack)
    else:
        say("SKIPPED: the runtime role's limits — `grant_runtime_role` does not exist here")
    checkpoint_then_verify(stack)
