"""Backups on PostgreSQL: an archive written by `backup` passes `restore_drill`; a changed or
forged archive fails it; the keyring is not inside; retention keeps the right archives; a
failed nightly backup reaches the platform admins without personal data."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import tarfile
import time
from datetime import UTC, datetime, timedelta
from io import BytesIO, StringIO
from pathlib import Path

import psycopg
import pyrage
import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

import vault
from audit.models import AuditEvent
from casework import services
from casework.models import Document, DocumentType
from config.celery import BEAT_SCHEDULE
from ops.backups import retained
from ops.backups.archive import MANIFEST
from ops.backups.nightly import NOTICE_SUBJECT, run_backup
from ops.tasks import backup_task
from tests.audit.db import TABLE, tamper
from tests.casework.test_uploads import jpeg_with_gps_xmp_comment
from tests.conftest import require_service
from tests.factories import UserFactory

SCRATCH_PREFIX = "wp_e"


@pytest.fixture
def age_identity(settings, tmp_path) -> Path:
    """A fresh age key pair: the public key is the backup recipient; returns the identity
    file (as age-keygen writes it)."""
    identity = pyrage.x25519.Identity.generate()
    public = str(identity.to_public())
    settings.WAYPOINT_BACKUP_RECIPIENTS = [public]
    path = tmp_path / "backup-identity.txt"
    path.write_text(f"# public key: {public}\n{identity}\n", encoding="utf-8")
    return path


@pytest.fixture
def backup_dirs(settings, tmp_path) -> Path:
    settings.WAYPOINT_BACKUP_DIR = tmp_path / "backups"
    settings.WAYPOINT_CHECKPOINT_DIR = tmp_path / "checkpoints"
    settings.WAYPOINT_CHECKPOINT_DIR.mkdir()
    (settings.WAYPOINT_CHECKPOINT_DIR / "head-1.json").write_text('{"seq": 1}', encoding="utf-8")
    return settings.WAYPOINT_BACKUP_DIR


@pytest.fixture
def postgres(db):
    require_service("PostgreSQL", connection.vendor == "postgresql", "set DATABASE_URL")


def _scratch_databases() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s", [f"{SCRATCH_PREFIX}_drill_%"]
        )
        return [row[0] for row in cursor.fetchall()]


def _drill(archive: Path, identity: Path) -> str:
    out = StringIO()
    call_command(
        "restore_drill",
        str(archive),
        "--identity",
        str(identity),
        "--scratch-prefix",
        SCRATCH_PREFIX,
        stdout=out,
    )
    return out.getvalue()


def _backup() -> Path:
    out = StringIO()
    call_command("backup", stdout=out)
    assert out.getvalue().startswith("Backup written: ")
    (archive,) = Path(settings.WAYPOINT_BACKUP_DIR).glob("waypoint-*.backup.age")
    return archive


def _members(archive: Path, identity: Path, tmp_path: Path) -> dict[str, bytes]:
    key = pyrage.x25519.Identity.from_str(identity.read_text().splitlines()[-1])
    plain = pyrage.decrypt(archive.read_bytes(), [key])
    tar_path = tmp_path / "plain.tar"
    tar_path.write_bytes(plain)
    with tarfile.open(tar_path) as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers()}  # type: ignore[union-attr]


def _reencrypt(archive: Path, members: dict[str, bytes], tmp_path: Path) -> None:
    """What anyone holding the public key can do: write a new archive to the recipient."""
    tar_path = tmp_path / "forged.tar"
    with tarfile.open(tar_path, "w") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, fileobj=BytesIO(data))
    recipient = pyrage.x25519.Recipient.from_str(settings.WAYPOINT_BACKUP_RECIPIENTS[0])
    archive.write_bytes(pyrage.encrypt(tar_path.read_bytes(), [recipient]))


@pytest.fixture
def committed_case(transactional_db, postgres, case_getlost, caseworker_getlost):
    """A case with a stored document, committed (pg_dump sees only committed rows)."""
    services.document_upload(
        case=case_getlost,
        by=caseworker_getlost,
        document_type=DocumentType.objects.get(code="photo"),
        data=jpeg_with_gps_xmp_comment(),
        original_name="photo.jpg",
    )
    return case_getlost


def test_a_backup_passes_the_restore_drill(committed_case, age_identity, backup_dirs):
    stale = backup_dirs / ".work-killed"  # left by a backup that was killed mid-way
    stale.mkdir(parents=True)
    (stale / "database.dump").write_bytes(b"unencrypted")
    os.utime(stale, (time.time() - 7 * 3600, time.time() - 7 * 3600))
    archive = _backup()
    assert archive.stat().st_mode & 0o777 == 0o600
    assert list(backup_dirs.iterdir()) == [archive]  # no working files left behind
    line = _drill(archive, age_identity)
    assert line.startswith(f"restore drill passed: {archive.name} of ")
    assert "1/1 sampled cases opened with the current keyring" in line
    assert line.count("\n") == 1
    assert _scratch_databases() == []
    assert AuditEvent.objects.filter(action="backup.written").count() == 1
    assert AuditEvent.objects.filter(action="backup.drill.passed").count() == 1


def test_the_manifest_names_parts_hashes_and_key_ids(
    committed_case, age_identity, backup_dirs, tmp_path, _media_root
):
    # A document file left on disk by an older installation goes into the archive too.
    old = Document.objects.get(case=committed_case)
    _media_root.mkdir(parents=True, exist_ok=True)
    (_media_root / old.storage_name).write_bytes(b"WPF1 sealed chunks")
    members = _members(_backup(), age_identity, tmp_path)
    assert set(members) == {
        MANIFEST,
        "database.dump",
        "checkpoints/head-1.json",
        f"documents/{old.storage_name}",
    }
    assert members[f"documents/{old.storage_name}"] == b"WPF1 sealed chunks"
    manifest = json.loads(members[MANIFEST])["manifest"]
    assert manifest["key_ids"] == [vault.current_key_id()]
    assert manifest["database"] == "postgresql"
    for name, facts in manifest["parts"].items():
        assert facts["sha256"] == hashlib.sha256(members[name]).hexdigest()


def test_a_backup_of_a_tampered_audit_log_fails_the_drill(
    committed_case, age_identity, backup_dirs
):
    """Someone changed an event before the backup: the drill's chain verification finds it."""
    first = AuditEvent.objects.order_by("seq").values_list("seq", flat=True).first()
    assert tamper(f"UPDATE {TABLE} SET action = 'case.viewed' WHERE seq = %s", [first]) == 1
    archive = _backup()
    with pytest.raises(CommandError) as failed:
        _drill(archive, age_identity)
    assert f"the audit chain does not verify at event {first}" in str(failed.value)
    assert _scratch_databases() == []


def test_a_changed_archive_fails_the_drill(committed_case, age_identity, backup_dirs):
    archive = _backup()
    raw = bytearray(archive.read_bytes())
    raw[len(raw) // 2] ^= 0x01
    archive.write_bytes(bytes(raw))
    with pytest.raises(CommandError) as failed:
        _drill(archive, age_identity)
    assert str(failed.value).startswith(f"restore drill FAILED: {archive.name}: ")
    assert "does not open" in str(failed.value)
    assert AuditEvent.objects.filter(action="backup.drill.failed").count() == 1
    assert _scratch_databases() == []


def test_a_forged_archive_fails_the_drill(committed_case, age_identity, backup_dirs, tmp_path):
    """The recipient's key is public: a part swapped and re-encrypted is caught by the
    manifest, and a manifest rewritten to match is caught by its signature."""
    archive = _backup()
    members = _members(archive, age_identity, tmp_path)
    members["checkpoints/head-1.json"] = b'{"seq": 999}'
    _reencrypt(archive, members, tmp_path)
    with pytest.raises(CommandError) as swapped:
        _drill(archive, age_identity)
    assert "checkpoints/head-1.json does not match the manifest" in str(swapped.value)

    document = json.loads(members[MANIFEST])
    facts = document["manifest"]["parts"]["checkpoints/head-1.json"]
    facts["sha256"] = hashlib.sha256(b'{"seq": 999}').hexdigest()
    members[MANIFEST] = json.dumps(document).encode()
    _reencrypt(archive, members, tmp_path)
    with pytest.raises(CommandError) as rewritten:
        _drill(archive, age_identity)
    assert "not signed by this keyring's key" in str(rewritten.value)
    assert _scratch_databases() == []


def test_the_wrong_identity_fails_the_drill(committed_case, age_identity, backup_dirs, tmp_path):
    archive = _backup()
    other = tmp_path / "other.txt"
    other.write_text(str(pyrage.x25519.Identity.generate()), encoding="utf-8")
    with pytest.raises(CommandError) as failed:
        _drill(archive, other)
    assert "does not open with this identity" in str(failed.value)


def test_the_keyring_is_not_in_the_archive(committed_case, age_identity, backup_dirs, tmp_path):
    members = _members(_backup(), age_identity, tmp_path)
    dump = tmp_path / "database.dump"
    dump.write_bytes(members["database.dump"])
    # The dump's data, as SQL text (the custom format compresses it).
    sql = subprocess.run(  # noqa: S603
        ["pg_restore", "-f", "-", str(dump)],
        capture_output=True,
        check=True,  # noqa: S607
    ).stdout
    assert b"casework_documentchunk" in sql and b"Heron" in sql  # the dump is real
    ring = json.loads(settings.WAYPOINT_KEYRING)
    secrets = [value for value in _strings(ring) if len(value) >= 40]
    assert secrets  # the keyring's key material, as it is written in the keyring
    blob = b"\n".join([sql, *members.values()])
    for value in secrets:
        assert value.encode() not in blob
        assert base64.b64decode(value + "==") not in blob
    assert not any("keyring" in name for name in members)


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def test_retention_keeps_the_newest_per_day_and_per_week(
    postgres, settings, age_identity, backup_dirs
):
    settings.WAYPOINT_BACKUP_KEEP_DAILY = 3
    settings.WAYPOINT_BACKUP_KEEP_WEEKLY = 2
    start = datetime(2026, 11, 2, 2, 10, tzinfo=UTC)  # a Monday
    for day in range(12):  # 2 to 13 November
        with time_machine.travel(start + timedelta(days=day), tick=False):
            run_backup()
    kept = sorted(p.name for p in backup_dirs.iterdir())
    assert kept == [
        "waypoint-20261108T021000Z.backup.age",  # newest of the week before
        "waypoint-20261111T021000Z.backup.age",
        "waypoint-20261112T021000Z.backup.age",
        "waypoint-20261113T021000Z.backup.age",
    ]


def test_retention_counts_days_that_have_a_backup():
    times = [datetime(2026, 11, d, h, tzinfo=UTC) for d in (1, 2, 9) for h in (1, 23)]
    assert retained(times, keep_daily=2, keep_weekly=0) == {
        datetime(2026, 11, 9, 23, tzinfo=UTC),
        datetime(2026, 11, 2, 23, tzinfo=UTC),
    }
    # Only three weeks have a backup: ISO weeks 46 (Monday 9th), 45 (Monday 2nd), 44 (Sunday 1st).
    assert retained(times, keep_daily=0, keep_weekly=5) == {
        datetime(2026, 11, 9, 23, tzinfo=UTC),
        datetime(2026, 11, 2, 23, tzinfo=UTC),
        datetime(2026, 11, 1, 23, tzinfo=UTC),
    }


def test_a_failed_nightly_backup_notifies_platform_admins(postgres, settings, backup_dirs):
    settings.WAYPOINT_BACKUP_RECIPIENTS = []
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    UserFactory(email="ops@example.org", is_superuser=True)
    UserFactory(email="member@example.org")
    backup_task()
    assert [m.to for m in mail.outbox] == [["ops@example.org"]]
    assert mail.outbox[0].subject == NOTICE_SUBJECT
    assert "manage.py backup" in mail.outbox[0].body
    assert not backup_dirs.exists() or list(backup_dirs.iterdir()) == []
    event = AuditEvent.objects.get(action="backup.failed")
    assert event.data == {"reason": "BackupError"}


def test_beat_runs_the_backup_every_night():
    entry = BEAT_SCHEDULE["ops-backup-nightly"]
    assert entry["task"] == backup_task.name
    assert entry["schedule"].hour == {2} and entry["schedule"].minute == {10}


def test_no_scratch_database_is_left_by_a_failed_restore(postgres):
    from ops.backups.database import drop_scratch

    # drop_scratch never touches a database that is not a drill's.
    drop_scratch(connection.settings_dict["NAME"])
    with psycopg.connect(
        dbname=connection.settings_dict["NAME"],
        host=connection.settings_dict["HOST"] or None,
        user=connection.settings_dict["USER"] or None,
    ) as still_there:
        assert still_there.execute("SELECT 1").fetchone() == (1,)


def test_a_recipient_that_is_not_an_age_key_fails_the_system_check(settings):
    from ops.checks import check_backup_recipients

    settings.WAYPOINT_BACKUP_RECIPIENTS = [str(pyrage.x25519.Identity.generate().to_public())]
    assert check_backup_recipients(None) == []
    settings.WAYPOINT_BACKUP_RECIPIENTS.append("ssh-ed25519 AAAA")
    assert [m.id for m in check_backup_recipients(None)] == ["ops.E001"]


def test_a_missing_archive_fails_the_drill_with_its_own_message(postgres, tmp_path, age_identity):
    with pytest.raises(CommandError) as failed:
        _drill(tmp_path / "waypoint-nothing.backup.age", age_identity)
    assert str(failed.value) == (
        "restore drill FAILED: waypoint-nothing.backup.age: There is no such archive."
    )
