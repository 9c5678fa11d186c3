"""Restore drills: an archive opened with the age identity, checked against its signed
manifest, restored into a scratch database, and proven there — the audit chain verifies and a
sample of cases opens with the keyring in use — by a separate process whose DATABASE_URL is
the scratch database (``manage.py restore_drill_check``). The scratch database is dropped at
the end, whatever happened."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyrage
from django.conf import settings

import vault
from ops.backups.archive import BackupError, opened_archive
from ops.backups.database import (
    POSTGRES_PART,
    SQLITE_PART,
    DatabaseToolError,
    database_url,
    drop_scratch,
    restore_scratch,
    vendor,
)

ERR_IDENTITY = "No age identity: pass --identity FILE or set WAYPOINT_BACKUP_IDENTITY."
ERR_IDENTITY_FORMAT = "The age identity is not an AGE-SECRET-KEY-1... line."
ERR_KEYS = "The keyring in use lacks key(s) {ids} that this archive's cases are wrapped under."
ERR_VENDOR = "The archive holds a {archived} database; this installation runs {running}."
ERR_NO_ARCHIVE = "There is no such archive."
ERR_CHECK = "The restored database could not be checked (restore_drill_check failed)."
REPORT_KEYS = {"chain_ok", "first_bad_seq", "events", "head_seq", "sampled", "opened", "failed"}
PASSED = (
    "restore drill passed: {archive} of {created}, {events} audit events verified, "
    "{opened}/{sampled} sampled cases opened with the current keyring"
)
FAILED = "restore drill FAILED: {archive}: {reason}"


@dataclass(frozen=True)
class DrillResult:
    ok: bool
    line: str


def parse_identity(text: str) -> pyrage.x25519.Identity:
    """The identity in ``text``: an age identity file (comments allowed) or the key alone."""
    if not text.strip():
        raise BackupError(ERR_IDENTITY)
    lines = [line.strip() for line in text.splitlines()]
    keys = [line for line in lines if line and not line.startswith("#")]
    try:
        return pyrage.x25519.Identity.from_str(keys[0])
    except (IndexError, pyrage.IdentityError):
        raise BackupError(ERR_IDENTITY_FORMAT) from None


def _check_restored(name: str, sample: int) -> dict[str, Any]:
    """Runs restore_drill_check in a separate process against the scratch database."""
    env = {**os.environ, "DATABASE_URL": database_url(name)}
    done = subprocess.run(  # noqa: S603 - this interpreter, this project's manage.py
        [
            sys.executable,
            str(Path(settings.BASE_DIR) / "manage.py"),
            "restore_drill_check",
            "--sample",
            str(sample),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=3600,
    )
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        raise BackupError(ERR_CHECK)
    try:
        report = json.loads(lines[-1])
    except ValueError:
        raise BackupError(ERR_CHECK) from None
    if not isinstance(report, dict) or not REPORT_KEYS <= set(report):
        raise BackupError(ERR_CHECK)
    return report


def _verdict(archive: Path, manifest: dict[str, Any], report: dict[str, Any]) -> DrillResult:
    def failed(reason: str) -> DrillResult:
        return DrillResult(False, FAILED.format(archive=archive.name, reason=reason))

    if not report["chain_ok"]:
        return failed(f"the audit chain does not verify at event {report['first_bad_seq']}")
    if report["head_seq"] < manifest.get("audit_head_seq", 0):
        return failed("the audit chain ends before the head the manifest names")
    if report["failed"]:
        return failed(
            f"{len(report['failed'])} of {report['sampled']} sampled cases did not open "
            f"(case ids: {', '.join(report['failed'][:5])})"
        )
    return DrillResult(
        True,
        PASSED.format(
            archive=archive.name,
            created=manifest.get("created_at"),
            events=report["events"],
            opened=report["opened"],
            sampled=report["sampled"],
        ),
    )


def restore_drill(
    *, archive: Path, identity: str, sample: int = 20, scratch_prefix: str = ""
) -> DrillResult:
    """Opens, checks, restores and proves ``archive``; never raises for a bad archive."""
    if not archive.is_file():
        return DrillResult(False, FAILED.format(archive=archive.name, reason=ERR_NO_ARCHIVE))
    try:
        key = parse_identity(identity)
        with opened_archive(archive, key) as (manifest, parts):
            missing = sorted(set(manifest["key_ids"]) - set(vault.key_ids()))
            if missing:
                raise BackupError(ERR_KEYS.format(ids=", ".join(missing)))
            if manifest.get("database") != vendor():
                raise BackupError(
                    ERR_VENDOR.format(archived=manifest.get("database"), running=vendor())
                )
            part = parts / (POSTGRES_PART if vendor() == "postgresql" else SQLITE_PART)
            name = restore_scratch(part, prefix=scratch_prefix)
            try:
                report = _check_restored(name, sample)
            finally:
                drop_scratch(name)
    except (BackupError, DatabaseToolError) as problem:
        return DrillResult(False, FAILED.format(archive=archive.name, reason=problem))
    return _verdict(archive, manifest, report)
