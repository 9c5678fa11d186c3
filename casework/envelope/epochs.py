"""Key-encryption key epochs, as they matter to a shredded section: until when a copy of its
wrapped data key made before the shredding (a backup, a database copy) can still be opened.

A copy made at time T holds data keys wrapped under KEKs that sealed at or before T. Once all
KEKs that sealed at or before the shredding are retired from the keyring, no such copy opens.
A KEK is planned to be retired once every backup made while it sealed has expired (the backup
retention after it stopped sealing, vault.kekdates); the sealing KEK stops sealing at the end
of its epoch (WAYPOINT_KEK_EPOCH_DAYS)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

import vault
from vault.keyring import Keyring

# A day's margin after the backup retention: the re-wrap that follows an activation and the
# nightly backup both run within a day.
RETIRE_MARGIN_DAYS = 1


def backup_retention_days() -> int:
    """How long the oldest backup is kept: the daily ones, then the weekly ones."""
    return settings.WAYPOINT_BACKUP_KEEP_DAILY + 7 * settings.WAYPOINT_BACKUP_KEEP_WEEKLY


def retire_date(stopped_sealing: datetime) -> date:
    """When a KEK that stopped sealing at ``stopped_sealing`` is to be retired."""
    days = backup_retention_days() + RETIRE_MARGIN_DAYS
    return stopped_sealing.date() + timedelta(days=days)


def planned_retirement(ring: Keyring, key_id: str) -> date | None:
    """When ``key_id`` is (to be) retired: its recorded date, or for the sealing KEK the end of
    its epoch plus the backup retention. None when the keyring does not know (a KEK from before
    dates were kept)."""
    dates = ring.dates_of(key_id)
    if dates.retire_on is not None:
        return dates.retire_on
    if key_id == ring.current_id and dates.activated_at is not None:
        epoch_end = dates.activated_at + timedelta(days=settings.WAYPOINT_KEK_EPOCH_DAYS)
        return retire_date(epoch_end)
    return None


def _sealed_by(ring: Keyring, key_id: str, moment: datetime) -> bool:
    """Whether ``key_id`` may have sealed at or before ``moment``: it began to seal by then, or
    it comes from before dates were kept (no dates: assume it did). A KEK added but never
    activated has sealed nothing."""
    dates = ring.dates_of(key_id)
    if dates.activated_at is not None:
        return dates.activated_at <= moment
    return dates.added_at is None


@dataclass(frozen=True)
class CopiesHorizon:
    """What is true of copies of a section shredded at a given time."""

    already_unreadable: bool  # every KEK that could open an older copy is retired
    until: date | None  # otherwise: from this day on no older copy opens (None: no date yet)
    key_ids: tuple[str, ...]  # the KEKs still able to open an older copy


def copies_horizon(shredded_at: datetime) -> CopiesHorizon:
    """Until when a backup or database copy made before ``shredded_at`` can still open the
    section (see the module). No query; reads the keyring's dates."""
    ring = vault.get_keyring()
    able = tuple(kid for kid in ring.ids() if _sealed_by(ring, kid, shredded_at))
    if not able:
        return CopiesHorizon(True, None, ())
    planned = [planned_retirement(ring, kid) for kid in able]
    until = None if any(day is None for day in planned) else max(d for d in planned if d)
    return CopiesHorizon(False, until, able)


ERASED_ALREADY = _(
    "This section was erased. It can no longer be read here, nor in any backup or copy made "
    "before: the keys that wrapped it have been retired."
)
ERASED_UNTIL = _(
    "This section was erased. It can no longer be read here. Backups and copies made before "
    "the erasure can still open it until %(date)s: from that day, when the keys that wrapped "
    "it are retired, no backup or copy can."
)
ERASED_OVERDUE = _(
    "This section was erased. It can no longer be read here. Backups and copies made before "
    "the erasure can still open it until the keys that wrapped it are retired, which was due "
    "on %(date)s and has not happened yet."
)
ERASED_NO_DATE = _(
    "This section was erased. It can no longer be read here. Backups and copies made before "
    "the erasure can still open it until the keys that wrapped it are retired; no date is set "
    "for that yet."
)


def erasure_statement(shredded_at: datetime, *, today: date | None = None) -> str:
    """What is true of a section shredded at ``shredded_at``, here and in older copies, in the
    active language. No query."""
    horizon = copies_horizon(shredded_at)
    if horizon.already_unreadable:
        return str(ERASED_ALREADY)
    if horizon.until is None:
        return str(ERASED_NO_DATE)
    today = today or timezone.now().date()
    template = ERASED_OVERDUE if horizon.until < today else ERASED_UNTIL
    return str(template) % {"date": horizon.until.isoformat()}
