"""The keyring a process uses, and keeping it current while the process runs.

The keyring is parsed from settings.WAYPOINT_KEYRING, then re-read from the keyring file
whenever the file changes (its inode, mtime or size, checked with one ``stat`` at most once per
RELOAD_SECONDS), at the next use after SIGHUP, and once when the process meets a key id it
does not hold (``get_keyring.reload_now``, called by vault.aead). A file that cannot be read or
parsed leaves the keyring in use as it was (a writer replaces the file atomically, so this is
a broken file, not a half-written one)."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vault.errors import KeyringError

if TYPE_CHECKING:
    from vault.keyring import Keyring

RELOAD_SECONDS = 1.0
NO_KEYRING = "no keyring configured: set WAYPOINT_KEYRING or WAYPOINT_KEYRING_FILE"


def keyring_file() -> Path | None:
    """Where the keyring of this deployment is kept, if it is a file: the file named by
    WAYPOINT_KEYRING_FILE, or var/keyring.json outside production. None when the keyring
    comes from the WAYPOINT_KEYRING variable."""
    from django.conf import settings

    path = os.environ.get("WAYPOINT_KEYRING_FILE")
    if path:
        return Path(path)
    if os.environ.get("WAYPOINT_KEYRING"):
        return None
    if not settings.PRODUCTION:
        dev = Path(settings.VAR_DIR) / "keyring.json"
        if dev.exists():
            return dev
    return None


def _stamp(path: Path | None) -> tuple[int, ...] | None:
    if path is None:
        return None
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino, st.st_mtime_ns, st.st_size)


class _Loader:
    """The keyring this process uses: parsed from settings.WAYPOINT_KEYRING, then re-read from
    the keyring file whenever the file changes (its inode, mtime or size; a ``stat`` at most
    once per RELOAD_SECONDS), at once after SIGHUP, or when asked (``reload_now``). A file
    that cannot be read or parsed leaves the keyring in use as it was."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.cache_clear()

    def cache_clear(self) -> None:
        self._ring: Keyring | None = None
        self._text = ""
        self._path: Path | None = None
        self._stamp: tuple[int, ...] | None = None
        self._checked = 0.0
        self.force = False

    def __call__(self) -> Keyring:
        from django.conf import settings

        text = getattr(settings, "WAYPOINT_KEYRING", "")
        ring = self._ring
        if ring is None or text != self._text:
            return self._from_settings(text)
        if self._path is not None and (
            self.force or time.monotonic() - self._checked >= RELOAD_SECONDS
        ):
            self._check_file()
            ring = self._ring or ring
        return ring

    def _from_settings(self, text: str) -> Keyring:
        from vault.keyring import parse

        if not text:
            raise KeyringError(NO_KEYRING)
        ring = parse(text)
        with self._lock:
            self._ring, self._text = ring, text
            self._path = keyring_file()
            self._stamp = _stamp(self._path)
            self._checked = time.monotonic()
        return ring

    def _check_file(self) -> bool:
        from django.conf import settings

        from vault.keyring import parse

        with self._lock:
            self.force = False
            self._checked = time.monotonic()
            stamp = _stamp(self._path)
            if stamp is None or stamp == self._stamp or self._path is None:
                return False
            try:
                text = self._path.read_text(encoding="utf-8").strip()
                ring = parse(text)
            except (OSError, KeyringError):
                return False  # a half-written or broken file: keep what works, retry later
            self._ring, self._text, self._stamp = ring, text, stamp
            settings.WAYPOINT_KEYRING = text
            return True

    def reload_now(self) -> bool:
        """Re-reads the keyring file now if it changed; whether it did. One ``stat``."""
        if self._ring is None:
            self()
            return True
        return self._path is not None and self._check_file()


get_keyring = _Loader()


def install_reload_signal() -> bool:
    """Makes SIGHUP re-read the keyring file (at the next use), where SIGHUP does nothing
    else: the main thread of a process that has not claimed the signal. Whether it did."""
    if threading.current_thread() is not threading.main_thread():
        return False
    if signal.getsignal(signal.SIGHUP) is not signal.SIG_DFL:
        return False

    def _on_hup(signum: int, frame: Any) -> None:
        get_keyring.force = True

    signal.signal(signal.SIGHUP, _on_hup)
    return True
