"""Key-encryption key (KEK) rotation in phases, safe while every process keeps running.

1. ``kek_add``: a new KEK goes into the keyring file; it opens but does not seal. Every
   process re-reads the file within vault.keyring.RELOAD_SECONDS (or on SIGHUP, or when it
   meets the new id).
2. ``kek_activate``: the new KEK seals from now on, once it was added at least
   ``SETTLE_SECONDS`` earlier (so that every process can open what it seals); the KEK that
   sealed until now is to be retired once the backups made while it sealed have expired.
3. ``keys_rewrap``: every case data key and authenticator seed not under the sealing KEK is
   re-wrapped under it, in batches (resumable: it only takes what is left).
4. ``kek_retire``: the KEK leaves the keyring, refused while any row is still wrapped under it
   (counted under vault.locks' exclusive lock, which writers that seal hold shared).

``epoch_tick`` runs the phases on a schedule (WAYPOINT_KEK_EPOCH_DAYS). The keyring must be a
file (WAYPOINT_KEYRING_FILE): a keyring in the WAYPOINT_KEYRING variable cannot be changed by
a process.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

import vault
from accounts.models import TOTPDevice
from audit.services import record
from casework.envelope import SealedDataUnreadable, rewrap_batch
from casework.envelope.epochs import planned_retirement, retire_date
from casework.models import CaseKey
from vault import rotation
from vault.keyring import RELOAD_SECONDS, Keyring, KeyringError, get_keyring
from vault.locks import hold_retire_lock, hold_sealing_lock, only_one

# Twice the reload interval: a process that used its keyring a moment before a change has
# re-read the file by then.
SETTLE_SECONDS = 2 * RELOAD_SECONDS

ERR_NO_FILE = (
    "The keyring comes from the WAYPOINT_KEYRING variable, which no process can change. Move it "
    "into a file named by WAYPOINT_KEYRING_FILE (mode 0600) and restart, then rotate."
)
ERR_UNKNOWN = "Key {key_id} is not in the keyring."
ERR_ALREADY_SEALS = "Key {key_id} already seals."
ERR_TOO_SOON = (
    "Key {key_id} was added less than {seconds:g} seconds ago: running processes may not hold it "
    "yet. Wait, copy the keyring file to every other machine, then activate (or pass --now)."
)
ERR_SEALS = "Key {key_id} seals: activate another key first."
ERR_STILL_USED = (
    "Key {key_id} still wraps {rows} row(s) ({case_keys} case data keys, {seeds} authenticator "
    "seeds): run `manage.py rotate_keys --rewrap`, then retire it."
)
ERR_STOPPED_TOO_RECENTLY = (
    "Key {key_id} stopped sealing less than {seconds:g} seconds ago: a process may still seal "
    "under it. Wait, run `rotate_keys --rewrap`, then retire it."
)
ERR_UNWRAP = (
    "A data key could not be unwrapped with the keys in the keyring (see the security log). "
    "Put the missing key back into the keyring and run `rotate_keys --rewrap` again."
)


class RotationError(Exception):
    """A phase was refused; the message says why and what to do. Nothing was changed."""


def _path() -> Path:
    path = rotation.keyring_file()
    if path is None:
        raise RotationError(ERR_NO_FILE)
    return path


def _file_ring(path: Path) -> Keyring:
    return rotation.read_keyring_file(path)


def kek_add() -> str:
    """Phase 1: a new KEK in the keyring file that opens but does not seal. Returns its id."""
    path = _path()
    with transaction.atomic():
        key_id = rotation.add_key(path)
        get_keyring.reload_now()
        record("keys.kek_added", actor=None, key_id=key_id)
    return key_id


def kek_activate(*, key_id: str, now: bool = False) -> date:
    """Phase 2: ``key_id`` seals from now on. Returns the day the KEK that sealed until now is
    to be retired. RotationError if it is not listed, already seals, or was added less than
    SETTLE_SECONDS ago (unless ``now``)."""
    path = _path()
    ring = _file_ring(path)
    if ring.kek(key_id) is None:
        raise RotationError(ERR_UNKNOWN.format(key_id=key_id))
    if key_id == ring.current_id:
        raise RotationError(ERR_ALREADY_SEALS.format(key_id=key_id))
    added = ring.dates_of(key_id).added_at
    if not now and added is not None and timezone.now() - added < timedelta(seconds=SETTLE_SECONDS):
        raise RotationError(ERR_TOO_SOON.format(key_id=key_id, seconds=SETTLE_SECONDS))
    previous = ring.current_id
    retire_on = retire_date(timezone.now())
    with transaction.atomic():
        rotation.make_current(path, key_id, retire_previous_on=retire_on)
        get_keyring.reload_now()
        record("keys.kek_activated", actor=None, key_id=key_id, reason=f"replaces:{previous}"[:64])
    return retire_on


def _reseal_seeds(current: str, batch: int) -> int:
    stale = [pk for pk, kid in _seed_keys() if kid != current]
    for start in range(0, len(stale), batch):
        with transaction.atomic():
            hold_sealing_lock()
            for device in TOTPDevice.objects.select_for_update().filter(
                pk__in=stale[start : start + batch]
            ):
                try:
                    seed = device.bin_key
                except vault.DecryptionError:
                    raise RotationError(ERR_UNWRAP) from None
                device.set_key(seed)
                device.save(update_fields=["sealed_key"])
    return len(stale)


def keys_rewrap(
    *, batch_size: int = 500, progress: Callable[[int], None] | None = None
) -> tuple[int, int]:
    """Phase 3: re-wraps what is not under the sealing KEK, in transactions of ``batch_size``
    rows; resumable. Returns (case data keys, authenticator seeds) re-wrapped. RotationError if
    a key cannot be unwrapped (its KEK is missing from the keyring)."""
    case_keys = 0
    while True:
        try:
            done = rewrap_batch(batch_size=batch_size)
        except SealedDataUnreadable:
            raise RotationError(ERR_UNWRAP) from None
        if not done:
            break
        case_keys += done
        if progress is not None:
            progress(done)
    current = vault.current_key_id()
    seeds = _reseal_seeds(current, batch_size)
    if case_keys or seeds:
        with transaction.atomic():
            record("keys.rewrapped", actor=None, key_id=current, count=case_keys + seeds)
    return case_keys, seeds


def _seed_keys() -> list[tuple[object, str]]:
    """(device id, KEK id) of every sealed authenticator seed. One query."""
    out: list[tuple[object, str]] = []
    for pk, sealed in TOTPDevice.objects.values_list("pk", "sealed_key"):
        try:
            out.append((pk, vault.key_id_of(bytes(sealed))))
        except vault.DecryptionError:
            out.append((pk, ""))
    return out


def rows_per_key() -> tuple[Counter[str], Counter[str]]:
    """(live case data keys, authenticator seeds) per KEK id. Two queries."""
    case_keys: Counter[str] = Counter(
        dict(
            CaseKey.objects.filter(shredded_at__isnull=True)
            .values_list("kek_id")
            .annotate(n=Count("pk"))
            .values_list("kek_id", "n")
        )
    )
    seeds: Counter[str] = Counter(kid for _pk, kid in _seed_keys())
    return case_keys, seeds


def kek_retire(*, key_id: str) -> list[str]:
    """Phase 4: removes ``key_id`` from the keyring file; returns the ids left. Refused while
    any row is wrapped under it, counted under the exclusive KEK lock in the transaction that
    rewrites the file. Every backup made while it sealed cannot be opened any more."""
    path = _path()
    with transaction.atomic():
        hold_retire_lock()
        ring = _file_ring(path)
        if ring.kek(key_id) is None:
            raise RotationError(ERR_UNKNOWN.format(key_id=key_id))
        if key_id == ring.current_id:
            raise RotationError(ERR_SEALS.format(key_id=key_id))
        stopped = ring.dates_of(key_id).sealed_until
        if stopped is not None and timezone.now() - stopped < timedelta(seconds=SETTLE_SECONDS):
            raise RotationError(
                ERR_STOPPED_TOO_RECENTLY.format(key_id=key_id, seconds=SETTLE_SECONDS)
            )
        case_keys, seeds = (counts[key_id] for counts in rows_per_key())
        if case_keys or seeds:
            raise RotationError(
                ERR_STILL_USED.format(
                    key_id=key_id, rows=case_keys + seeds, case_keys=case_keys, seeds=seeds
                )
            )
        try:
            left = rotation.retire(path, key_id)
        except KeyringError as exc:
            raise RotationError(str(exc)) from None
        get_keyring.reload_now()
        record("keys.kek_retired", actor=None, key_id=key_id)
    return left


@dataclass(frozen=True)
class KeyStatus:
    key_id: str
    seals: bool
    added_at: datetime | None
    activated_at: datetime | None
    retire_on: date | None  # recorded, or planned for the sealing KEK
    retired_at: datetime | None
    case_keys: int
    seeds: int


def keyring_status() -> list[KeyStatus]:
    """Every KEK of the keyring file (or of the keyring in use), retired ones first, with the
    rows wrapped under each. Two queries."""
    path = rotation.keyring_file()
    ring = _file_ring(path) if path is not None else get_keyring()
    case_keys, seeds = rows_per_key()
    out = [
        KeyStatus(kid, False, d.added_at, d.activated_at, d.retire_on, d.retired_at, 0, 0)
        for kid, d in ring.retired
    ]
    for kid in ring.ids():
        d = ring.dates_of(kid)
        out.append(
            KeyStatus(
                kid,
                kid == ring.current_id,
                d.added_at,
                d.activated_at,
                planned_retirement(ring, kid),
                None,
                case_keys[kid],
                seeds[kid],
            )
        )
    return out


def epoch_tick(*, batch_size: int = 500) -> list[str]:
    """One scheduled step of the KEK epochs; returns what it did (codes with key ids). Adds a
    KEK when the sealing one's epoch (WAYPOINT_KEK_EPOCH_DAYS) is over, activates one added at
    least SETTLE_SECONDS before, re-wraps, and retires the KEKs whose retirement day has come
    and under which no row is left. Two ticks never overlap (a second one returns
    ``["busy"]``)."""
    with only_one() as held:
        return _epoch_step(batch_size) if held else ["busy"]


def _epoch_step(batch_size: int) -> list[str]:
    path = _path()
    ring = _file_ring(path)
    done: list[str] = []
    pending = [kid for kid in ring.ids()[:-1] if ring.dates_of(kid).activated_at is None]
    pending = [kid for kid in pending if ring.dates_of(kid).added_at is not None]
    activated = ring.dates_of(ring.current_id).activated_at
    epoch = timedelta(days=settings.WAYPOINT_KEK_EPOCH_DAYS)
    if pending:
        try:
            kek_activate(key_id=pending[-1])
            done.append(f"activated:{pending[-1]}")
        except RotationError:
            pass  # added a moment ago: the next tick activates it
    elif activated is None or timezone.now() - activated >= epoch:
        done.append(f"added:{kek_add()}")
    if keys_rewrap(batch_size=batch_size) != (0, 0):
        done.append("rewrapped")
    ring = _file_ring(path)
    today = timezone.now().date()
    for kid in ring.ids()[:-1]:
        due = ring.dates_of(kid).retire_on
        if due is not None and due <= today:
            try:
                kek_retire(key_id=kid)
                done.append(f"retired:{kid}")
            except RotationError:
                pass  # rows left: the next tick's re-wrap takes them
    return done
