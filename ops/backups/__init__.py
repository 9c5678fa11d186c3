"""Encrypted backups and restore drills (README, "Backup and restore").

An archive is one age file (to the recipients in WAYPOINT_BACKUP_RECIPIENTS) holding a tar of:
``manifest.json`` (signed with the vault's Ed25519 key), the database (pg_dump custom format,
or a copy of the SQLite file), any document files still on disk from before documents moved
into the database, and the audit checkpoints. The keyring is never inside: an archive opens
with the age identity, and its cases open only with the keyring that wrote it.
"""

from ops.backups.archive import (
    BackupError,
    backup_dir,
    write_backup,
)
from ops.backups.drill import DrillResult, restore_drill
from ops.backups.nightly import backup_and_notify
from ops.backups.retention import prune_backups, retained

__all__ = [
    "BackupError",
    "DrillResult",
    "backup_and_notify",
    "backup_dir",
    "prune_backups",
    "restore_drill",
    "retained",
    "write_backup",
]
