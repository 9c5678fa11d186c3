"""``manage.py rotate_keys``: add a new key-encryption key and re-wrap every data key.

* Keyring from a file (WAYPOINT_KEYRING_FILE, or var/keyring.json in dev): a new KEK is
  appended to the file (atomically, mode 0600), then every live case data key and every TOTP
  seed is re-wrapped under it. Content is never re-encrypted.
* Keyring from the WAYPOINT_KEYRING variable: the command cannot change the variable; it
  prints the new keyring on standard output and stops. Install it, restart, then run
  ``rotate_keys --rewrap``.
* ``--rewrap`` (also the way to resume an interrupted run): re-wrap, under the newest key,
  only what is not under it yet, in batches.

Retire an old KEK from the keyring only once nothing is wrapped under it (this command
reports what remains) and once the backups made while it was current have expired: an old
backup's wrapped keys open with it.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

import vault
from accounts.models import TOTPDevice
from audit.services import record
from casework import envelope
from casework.management.commands._progress import Progress
from vault import rotation

ENV_ONLY = (
    "The keyring comes from the WAYPOINT_KEYRING variable, which this command cannot change. "
    "The new keyring is printed on standard output: install it as WAYPOINT_KEYRING (or in a "
    "file named by WAYPOINT_KEYRING_FILE), restart, then run `manage.py rotate_keys --rewrap`."
)
UNWRAP_FAILED = (
    "A data key could not be unwrapped with the keys in the keyring (see the security log). "
    "Put the missing key back into the keyring and run `rotate_keys --rewrap` again."
)


class Command(BaseCommand):
    help = (
        "Add a new key-encryption key and re-wrap every case data key and TOTP seed under it "
        "(content is not re-encrypted). --rewrap resumes or finishes without adding a key."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--rewrap",
            action="store_true",
            help="do not add a key: re-wrap what is not under the newest key yet (resume)",
        )
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, **options) -> None:
        batch = max(1, options["batch_size"])
        if not options["rewrap"]:
            new_id = self._add_key()
            if new_id is None:
                return
            record("keys.kek_added", actor=None, key_id=new_id)
        current = vault.current_key_id()
        case_keys = self._rewrap_case_keys(batch)
        seeds = self._reseal_totp_seeds(current, batch)
        remaining = envelope.keys_to_rewrap().count()
        record("keys.rewrapped", actor=None, key_id=current, count=case_keys + seeds)
        self.stdout.write(
            f"Newest key {current}: re-wrapped {case_keys} case data keys and {seeds} "
            f"authenticator seeds; {remaining} left under older keys."
        )

    def _add_key(self) -> str | None:
        path = rotation.keyring_file()
        if path is None:
            self.stdout.write(rotation.keyring_with_new_key())
            self.stderr.write(ENV_ONLY)
            return None
        # Added and made current in one go: processes already running learn the new key only
        # when they restart, and cannot open what is re-wrapped under it until then.
        new_id = rotation.add_key(path)
        rotation.make_current(path, new_id)
        rotation.reload_keyring(path)
        self.stderr.write(f"Added key {new_id} to {path}.")
        return new_id

    def _rewrap_case_keys(self, batch: int) -> int:
        progress = Progress("case data keys", envelope.keys_to_rewrap().count(), self.stderr)
        total = 0
        while True:
            try:
                done = envelope.rewrap_batch(batch_size=batch)
            except envelope.SealedDataUnreadable:
                raise CommandError(UNWRAP_FAILED) from None
            if not done:
                break
            total += done
            progress.advance(done)
        progress.finish()
        return total

    def _reseal_totp_seeds(self, current: str, batch: int) -> int:
        """TOTP seeds are sealed directly by the vault (accounts.TOTPDevice): re-seal those
        not under the newest key."""
        stale = [
            pk
            for pk, sealed in TOTPDevice.objects.values_list("pk", "sealed_key")
            if sealed and _kek_of(bytes(sealed)) != current
        ]
        progress = Progress("authenticator seeds", len(stale), self.stderr)
        for start in range(0, len(stale), batch):
            with transaction.atomic():
                for device in TOTPDevice.objects.select_for_update().filter(
                    pk__in=stale[start : start + batch]
                ):
                    try:
                        seed = device.bin_key
                    except vault.DecryptionError:
                        raise CommandError(UNWRAP_FAILED) from None
                    device.set_key(seed)
                    device.save(update_fields=["sealed_key"])
            progress.advance(len(stale[start : start + batch]))
        progress.finish()
        return len(stale)


def _kek_of(sealed: bytes) -> str:
    try:
        return vault.key_id_of(sealed)
    except vault.DecryptionError:
        return ""
