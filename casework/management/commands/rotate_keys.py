"""``manage.py rotate_keys``: change the key-encryption keys (KEKs) in phases, while every
process keeps running (casework.services.keyring)::

    rotate_keys --add                 # a new KEK that every process can open; it does not seal
    rotate_keys --activate KEY_ID     # it seals from now on (refused until it was added at
                                      # least 2 seconds earlier, unless --now)
    rotate_keys --rewrap              # re-wrap what is not under the sealing KEK (resumable)
    rotate_keys --retire KEY_ID       # remove a KEK; refused while any row is wrapped under it
    rotate_keys --status              # the KEKs, which one seals, rows under each, dates

Without an option it prints these phases and changes nothing. Running processes re-read the
keyring file within a second of a change (or on SIGHUP); on several machines, copy the file to
every machine after --add and before --activate. Retiring a KEK also makes every backup made
while it sealed unreadable: the epoch task (WAYPOINT_KEK_EPOCH_DAYS) retires a KEK only once
the backups made while it sealed have expired.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

import vault
from casework import envelope
from casework.management.commands._progress import Progress
from casework.services import keyring as keyops
from casework.services.keyring import RotationError
from vault import rotation

PHASES = (
    "Key rotation runs in phases, each a separate command (nothing was changed):\n"
    "  1. manage.py rotate_keys --add             a new key every process can open\n"
    "  2. manage.py rotate_keys --activate KEY_ID it seals from now on\n"
    "  3. manage.py rotate_keys --rewrap          re-wrap what is under older keys\n"
    "  4. manage.py rotate_keys --retire OLD_ID   remove the old key (refused while rows use it)\n"
    "  manage.py rotate_keys --status             keys, which one seals, rows under each"
)
ENV_ONLY = (
    "The keyring comes from the WAYPOINT_KEYRING variable, which this command cannot change, "
    "and processes cannot follow a variable while they run. The keyring with a new sealing key "
    "is printed on standard output: install it and restart every process at once, then run "
    "`manage.py rotate_keys --rewrap`, and remove the old key from the variable once "
    "`--status` shows no rows under it. Better: keep the keyring in a file named by "
    "WAYPOINT_KEYRING_FILE, where every phase runs without a restart."
)


def _day(value) -> str:
    return value.strftime("%Y-%m-%d") if value else "-"


class Command(BaseCommand):
    help = (
        "Change the key-encryption keys in phases: --add, --activate, --rewrap, --retire, --status."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        phase = parser.add_mutually_exclusive_group()
        phase.add_argument("--add", action="store_true", help="add a key that does not seal yet")
        phase.add_argument("--activate", metavar="KEY_ID", help="make an added key seal")
        phase.add_argument("--rewrap", action="store_true", help="re-wrap under the sealing key")
        phase.add_argument("--retire", metavar="KEY_ID", help="remove a key nothing uses")
        phase.add_argument("--status", action="store_true", help="show keys and rows per key")
        parser.add_argument("--now", action="store_true", help="--activate without waiting")
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, **options) -> None:
        try:
            self._phase(options)
        except RotationError as exc:
            raise CommandError(str(exc)) from None

    def _phase(self, options) -> None:
        if options["add"]:
            self._add()
        elif options["activate"]:
            retire_on = keyops.kek_activate(key_id=options["activate"], now=options["now"])
            self.stdout.write(
                f"Key {options['activate']} seals from now on. The key it replaces is to be "
                f"retired on {_day(retire_on)}. Next: manage.py rotate_keys --rewrap"
            )
        elif options["rewrap"]:
            self._rewrap(max(1, options["batch_size"]))
        elif options["retire"]:
            left = keyops.kek_retire(key_id=options["retire"])
            self.stdout.write(f"Retired key {options['retire']}; keys left: {', '.join(left)}.")
        elif options["status"]:
            self._status()
        else:
            self.stdout.write(PHASES)

    def _add(self) -> None:
        if rotation.keyring_file() is None:
            self.stdout.write(rotation.keyring_with_new_key())
            self.stderr.write(ENV_ONLY)
            return
        key_id = keyops.kek_add()
        self.stdout.write(
            f"Added key {key_id}; it does not seal yet. On several machines, copy the keyring "
            f"file to each. Next: manage.py rotate_keys --activate {key_id}"
        )

    def _rewrap(self, batch: int) -> None:
        progress = Progress("case data keys", envelope.keys_to_rewrap().count(), self.stderr)
        case_keys, seeds = keyops.keys_rewrap(batch_size=batch, progress=progress.advance)
        progress.finish()
        current = vault.current_key_id()
        by_key, seeds_by_key = keyops.rows_per_key()
        left = sum(n for kid, n in (by_key + seeds_by_key).items() if kid != current)
        self.stdout.write(
            f"Sealing key {current}: re-wrapped {case_keys} case data keys and {seeds} "
            f"authenticator seeds; {left} left under older keys."
        )

    def _status(self) -> None:
        self.stdout.write(
            "key id | seals | added | activated | retire on | retired | case keys | seeds"
        )
        for key in keyops.keyring_status():
            self.stdout.write(
                f"{key.key_id} | {'yes' if key.seals else 'no'} | {_day(key.added_at)} | "
                f"{_day(key.activated_at)} | {_day(key.retire_on)} | {_day(key.retired_at)} | "
                f"{key.case_keys} | {key.seeds}"
            )
