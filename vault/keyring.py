"""The keyring: key-encryption keys (KEKs) with ids, an HMAC root and a signing key.

Format of ``WAYPOINT_KEYRING`` (or the file named by ``WAYPOINT_KEYRING_FILE``), JSON::

    {"version": 1,
     "keks": [{"id": "k-20261125-1a2b", "key": "<base64 of 32 bytes>",      # oldest first
               "added_at": "...", "activated_at": "...", "sealed_until": "...",
               "retire_on": "2027-03-01"}, ...],                            # dates optional
     "retired": [{"id": "k-20261001-9f8e", "retired_at": "...", ...}],      # optional, no keys
     "hmac_root": "<base64 of 32 bytes>",
     "signing_key": "<base64 of a 32-byte Ed25519 seed>"}

The dates (vault.kekdates) say when each KEK was added, sealed and is to be retired, and when
a retired one was; they are no secret.

The last KEK seals; every listed KEK opens. A KEK is added just before the sealing one
(``with_kek``), so that it can open everywhere before it seals anywhere, then made the sealing
one (``with_current``) and, once nothing is wrapped under an old KEK, retired (``without_kek``);
vault.rotation does the same on the keyring file. The HMAC root and the signing key do not
rotate with the KEKs: blind indexes and signed checkpoints must stay valid across rotations.

A process re-reads its keyring file when the file changes (checked at most once per
RELOAD_SECONDS, a ``stat`` call), at once on SIGHUP, and once when it meets a key id it does
not hold (``get_keyring.reload_now``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from vault.errors import KeyringError
from vault.kekdates import KekDates, dates_from_json
from vault.loading import RELOAD_SECONDS, get_keyring, install_reload_signal, keyring_file

KEY_BYTES = 32
MAX_KEY_ID = 64
# Key ids end up in sealed headers, audit data and log lines: letters, digits and . _ : -
# only, so that an id can never carry a line break or markup into them.
KEY_ID_RE = re.compile(rf"[A-Za-z0-9._:-]{{1,{MAX_KEY_ID}}}")
__all__ = [
    "RELOAD_SECONDS",
    "KekDates",
    "Keyring",
    "KeyringError",
    "get_keyring",
    "install_reload_signal",
    "keyring_file",
]


@dataclass(frozen=True)
class Keyring:
    keks: tuple[tuple[str, bytes], ...]
    hmac_root: bytes
    signing_seed: bytes
    dates: Mapping[str, KekDates] = field(default_factory=dict)
    retired: tuple[tuple[str, KekDates], ...] = ()

    def __repr__(self) -> str:
        # The dataclass repr would print every key: a keyring that reaches a debug page, an
        # error report or a log line must show only its ids.
        return f"<Keyring {', '.join(self.ids())}>"

    @property
    def current_id(self) -> str:
        return self.keks[-1][0]

    @property
    def current_key(self) -> bytes:
        return self.keks[-1][1]

    def kek(self, key_id: str) -> bytes | None:
        for kid, key in self.keks:
            if kid == key_id:
                return key
        return None

    def ids(self) -> list[str]:
        return [kid for kid, _ in self.keks]

    def dates_of(self, key_id: str) -> KekDates:
        return self.dates.get(key_id) or KekDates()

    def _but(self, keks: tuple[tuple[str, bytes], ...], **dates: KekDates) -> Keyring:
        kept = {
            kid: d for kid, d in {**self.dates, **dates}.items() if any(kid == k for k, _ in keks)
        }
        return Keyring(keks, self.hmac_root, self.signing_seed, kept, self.retired)

    def with_kek(self, key_id: str, key: bytes, *, now: datetime | None = None) -> Keyring:
        """This keyring with one more KEK, which opens but does not seal yet (it goes just
        before the sealing one). KeyringError for a malformed or already listed id."""
        _check_id(key_id)
        if self.kek(key_id) is not None:
            raise KeyringError(f"key id {key_id} appears twice")
        if len(key) != KEY_BYTES:
            raise KeyringError(f"a key-encryption key must be {KEY_BYTES} bytes")
        keks = (*self.keks[:-1], (key_id, bytes(key)), self.keks[-1])
        return self._but(keks, **{key_id: KekDates(added_at=now or datetime.now(UTC))})

    def with_current(
        self, key_id: str, *, now: datetime | None = None, retire_previous_on: date | None = None
    ) -> Keyring:
        """This keyring with ``key_id`` as the sealing KEK (moved last, the others keep their
        order). The KEK that sealed until now keeps when it stopped and, if given, when it is
        to be retired. KeyringError if ``key_id`` is not listed."""
        _check_id(key_id)
        key = self.kek(key_id)
        if key is None:
            raise KeyringError(f"key id {key_id} is not in the keyring")
        if key_id == self.current_id:
            return self
        now = now or datetime.now(UTC)
        previous = self.current_id
        rest = tuple(kek for kek in self.keks if kek[0] != key_id)
        return self._but(
            (*rest, (key_id, key)),
            **{
                previous: self.dates_of(previous).with_(
                    sealed_until=now, retire_on=retire_previous_on
                ),
                key_id: self.dates_of(key_id).with_(activated_at=now, sealed_until=None),
            },
        )

    def without_kek(self, key_id: str, *, now: datetime | None = None) -> Keyring:
        """This keyring without ``key_id``, which is listed as retired (its dates, no key).
        KeyringError if it is not listed or is the sealing KEK (make another one current
        first)."""
        _check_id(key_id)
        if self.kek(key_id) is None:
            raise KeyringError(f"key id {key_id} is not in the keyring")
        if key_id == self.current_id:
            raise KeyringError(f"key id {key_id} seals: make another key current first")
        keks = tuple(kek for kek in self.keks if kek[0] != key_id)
        gone = self.dates_of(key_id).with_(retired_at=now or datetime.now(UTC))
        ring = self._but(keks)
        return Keyring(
            ring.keks,
            ring.hmac_root,
            ring.signing_seed,
            ring.dates,
            (*self.retired, (key_id, gone)),
        )

    def with_new_kek(self) -> Keyring:
        """This keyring with a newly generated KEK, which seals."""
        key_id, key = new_kek()
        return self.with_kek(key_id, key).with_current(key_id)

    def to_json(self) -> str:
        data: dict[str, Any] = {
            "version": 1,
            "keks": [
                {"id": kid, "key": _b64(key), **self.dates_of(kid).to_json()}
                for kid, key in self.keks
            ],
            "hmac_root": _b64(self.hmac_root),
            "signing_key": _b64(self.signing_seed),
        }
        if self.retired:
            data["retired"] = [{"id": kid, **d.to_json()} for kid, d in self.retired]
        return json.dumps(data, indent=2)


def _check_id(key_id: str) -> None:
    # Ids go into error messages: one that could carry a line break is refused unnamed.
    if not isinstance(key_id, str) or not KEY_ID_RE.fullmatch(key_id):
        raise KeyringError(f"a key id must be 1 to {MAX_KEY_ID} letters, digits or . _ : -")


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _unb64(value: object, what: str) -> bytes:
    if not isinstance(value, str):
        raise KeyringError(f"{what} must be a base64 string")
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise KeyringError(f"{what} is not valid base64") from None
    if len(raw) != KEY_BYTES:
        raise KeyringError(f"{what} must decode to {KEY_BYTES} bytes")
    return raw


def new_kek() -> tuple[str, bytes]:
    stamp = datetime.now(UTC).strftime("%Y%m%d")
    return f"k-{stamp}-{secrets.token_hex(4)}", secrets.token_bytes(KEY_BYTES)


def generate() -> Keyring:
    return Keyring((new_kek(),), secrets.token_bytes(KEY_BYTES), secrets.token_bytes(KEY_BYTES))


def parse(text: str) -> Keyring:
    try:
        data = json.loads(text)
    except ValueError:
        raise KeyringError("the keyring is not valid JSON") from None
    version = data.get("version") if isinstance(data, dict) else None
    # `type(...) is int`: JSON `true` would otherwise compare equal to 1.
    if type(version) is not int or version != 1:
        raise KeyringError("the keyring must be a JSON object with version 1")
    keks = data.get("keks")
    if not isinstance(keks, list) or not keks:
        raise KeyringError("the keyring lists no key-encryption keys")
    parsed: list[tuple[str, bytes]] = []
    dates: dict[str, KekDates] = {}
    for index, entry in enumerate(keks):
        if not isinstance(entry, dict):
            raise KeyringError(f"keks[{index}] must be an object")
        kid = entry.get("id")
        if not isinstance(kid, str) or not KEY_ID_RE.fullmatch(kid):
            raise KeyringError(
                f"keks[{index}].id must be 1 to {MAX_KEY_ID} letters, digits or . _ : -"
            )
        if any(kid == seen for seen, _ in parsed):
            raise KeyringError(f"key id {kid} appears twice")
        parsed.append((kid, _unb64(entry.get("key"), f"keks[{index}].key")))
        found = dates_from_json(entry, f"keks[{index}]")
        if found != KekDates():
            dates[kid] = found
    return Keyring(
        tuple(parsed),
        _unb64(data.get("hmac_root"), "hmac_root"),
        _unb64(data.get("signing_key"), "signing_key"),
        dates,
        _parse_retired(data.get("retired", [])),
    )


def _parse_retired(entries: Any) -> tuple[tuple[str, KekDates], ...]:
    if not isinstance(entries, list):
        raise KeyringError("retired must be a list")
    out = []
    for index, entry in enumerate(entries):
        kid = entry.get("id") if isinstance(entry, dict) else None
        if not isinstance(kid, str) or not KEY_ID_RE.fullmatch(kid):
            raise KeyringError(f"retired[{index}].id must be a key id")
        out.append((kid, dates_from_json(entry, f"retired[{index}]")))
    return tuple(out)


def _derive_key(purpose: str) -> bytes:
    """A 32-byte sub-key for ``purpose`` (e.g. ``"blind-index:<org id>"``), stable across KEK
    rotations. Costs one HKDF (microseconds). Private: the sub-key never leaves the vault;
    callers get digests from ``blind_index``."""
    if not purpose:
        raise ValueError("a purpose is required")
    return HKDF(
        algorithm=hashes.SHA256(),
        length=KEY_BYTES,
        salt=b"waypoint-vault-derive-v1",
        info=purpose.encode("utf-8"),
    ).derive(get_keyring().hmac_root)


def blind_index(purpose: str, data: bytes, *, length: int = 16) -> bytes:
    """The first ``length`` bytes (1 to 32) of HMAC-SHA256 over ``data`` under the sub-key
    derived for ``purpose``: equal data gives equal digests for one purpose and unrelated ones
    across purposes, and the key never leaves the vault. Stable across KEK rotations (only the
    HMAC root counts). Costs one HKDF and one HMAC (microseconds)."""
    if not isinstance(data, (bytes, bytearray)):
        raise TypeError("data must be bytes")
    if not 1 <= length <= hashlib.sha256().digest_size:
        raise ValueError("length must be 1 to 32 bytes")
    return hmac.new(_derive_key(purpose), data, hashlib.sha256).digest()[:length]


def signing_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(get_keyring().signing_seed)


def verify_key() -> Ed25519PublicKey:
    return signing_key().public_key()


def verify_key_pem() -> str:
    return (
        verify_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )


def key_ids() -> list[str]:
    """The ids of the keyring in use, the sealing one last."""
    return get_keyring().ids()


def current_key_id() -> str:
    """The id of the KEK that seals in this process."""
    return get_keyring().current_id
