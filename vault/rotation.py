"""Changing the keyring: the keyring file, and the keyring this process uses.

Rotating a key-encryption key (KEK) is a sequence of steps, each its own function, so that
several processes can follow it: ``add_key`` (the new KEK opens but does not seal yet),
``make_current`` (it seals from now on), re-wrapping (by the callers that own wrapped keys),
then ``retire`` for a KEK that nothing is wrapped under any more. A process picks up the file's
keyring with ``reload_keyring``.

Every change of the file re-reads it under an exclusive lock (two changes at once cannot lose
a key) and replaces it atomically, mode 0600. Nothing here logs; errors name key ids and
paths, never key bytes.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from django.conf import settings

from vault.files import write_private
from vault.keyring import Keyring, get_keyring, keyring_file, new_kek, parse

__all__ = ["keyring_file"]


def read_keyring_file(path: Path) -> Keyring:
    """The keyring in ``path``. KeyringError if it is malformed, OSError if unreadable."""
    return parse(path.read_text(encoding="utf-8"))


def write_keyring_file(path: Path, ring: Keyring) -> None:
    """Replaces ``path`` with ``ring`` atomically, mode 0600. The text is parsed back first:
    a keyring that could not be read again is never written."""
    text = ring.to_json()
    parse(text)
    write_private(path, text)


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Holds an exclusive lock on the keyring file. Writers replace the file (a new inode),
    so a lock taken on the file that was just replaced is dropped and taken again."""
    while True:
        fd = os.open(path, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            held, now = os.fstat(fd), os.stat(path)
            if (held.st_dev, held.st_ino) == (now.st_dev, now.st_ino):
                yield
                return
        finally:
            os.close(fd)


def _change(path: Path, change: Callable[[Keyring], Keyring]) -> Keyring:
    with _locked(path):
        ring = change(read_keyring_file(path))
        write_keyring_file(path, ring)
    return ring


def add_key(path: Path) -> str:
    """Generates a KEK and adds it to the keyring file, where it opens but does not seal yet
    (see ``make_current``). Returns its id."""
    key_id, key = new_kek()
    _change(path, lambda ring: ring.with_kek(key_id, key))
    return key_id


def make_current(path: Path, key_id: str, *, retire_previous_on: date | None = None) -> None:
    """Makes ``key_id`` the KEK that seals, in the keyring file; the one that sealed until now
    is to be retired on ``retire_previous_on``. KeyringError if ``key_id`` is not listed."""
    _change(path, lambda ring: ring.with_current(key_id, retire_previous_on=retire_previous_on))


def retire(path: Path, key_id: str) -> list[str]:
    """Removes ``key_id`` from the keyring file; returns the ids that remain, the sealing one
    last. KeyringError if it is not listed or seals. Whatever is still wrapped under it, and
    every backup made while it was listed, becomes unreadable: the caller checks first."""
    return _change(path, lambda ring: ring.without_kek(key_id)).ids()


def reload_keyring(path: Path) -> list[str]:
    """Makes this process seal and open with the keyring in ``path`` from now on; returns its
    ids, the sealing one last. A malformed file raises KeyringError and changes nothing."""
    text = path.read_text(encoding="utf-8").strip()
    ring = parse(text)
    settings.WAYPOINT_KEYRING = text
    get_keyring.cache_clear()
    get_keyring()
    return ring.ids()


def keyring_with_new_key() -> str:
    """The keyring in use plus a newly generated KEK that seals, as the JSON text to install
    by hand where no process may rewrite the keyring (the WAYPOINT_KEYRING variable). The text
    holds every key: it is for the operator's standard output, never for a log."""
    return get_keyring().with_new_kek().to_json()
