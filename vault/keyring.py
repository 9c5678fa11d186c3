"""The keyring: key-encryption keys (KEKs) with ids, an HMAC root and a signing key.

Format of ``WAYPOINT_KEYRING`` (or the file named by ``WAYPOINT_KEYRING_FILE``), JSON::

    {"version": 1,
     "keks": [{"id": "k-20261125-1a2b", "key": "<base64 of 32 bytes>"}, ...],   # oldest first
     "hmac_root": "<base64 of 32 bytes>",
     "signing_key": "<base64 of a 32-byte Ed25519 seed>"}

The last KEK seals; every listed KEK opens. A KEK is added just before the sealing one
(``with_kek``), so that it can open everywhere before it seals anywhere, then made the sealing
one (``with_current``) and, once nothing is wrapped under an old KEK, retired (``without_kek``);
vault.rotation does the same on the keyring file. The HMAC root and the signing key do not
rotate with the KEKs: blind indexes and signed checkpoints must stay valid across rotations.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEY_BYTES = 32
MAX_KEY_ID = 64
# Key ids end up in sealed headers, audit data and log lines: letters, digits and . _ : -
# only, so that an id can never carry a line break or markup into them.
KEY_ID_RE = re.compile(rf"[A-Za-z0-9._:-]{{1,{MAX_KEY_ID}}}")


class KeyringError(Exception):
    """The keyring is missing or malformed. The message never contains key material."""


@dataclass(frozen=True)
class Keyring:
    keks: tuple[tuple[str, bytes], ...]
    hmac_root: bytes
    signing_seed: bytes

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

    def with_kek(self, key_id: str, key: bytes) -> Keyring:
        """This keyring with one more KEK, which opens but does not seal yet (it goes just
        before the sealing one). KeyringError for a malformed or already listed id."""
        _check_id(key_id)
        if self.kek(key_id) is not None:
            raise KeyringError(f"key id {key_id} appears twice")
        if len(key) != KEY_BYTES:
            raise KeyringError(f"a key-encryption key must be {KEY_BYTES} bytes")
        keks = (*self.keks[:-1], (key_id, bytes(key)), self.keks[-1])
        return Keyring(keks, self.hmac_root, self.signing_seed)

    def with_current(self, key_id: str) -> Keyring:
        """This keyring with ``key_id`` as the sealing KEK (moved last, the others keep their
        order). KeyringError if it is not listed."""
        _check_id(key_id)
        key = self.kek(key_id)
        if key is None:
            raise KeyringError(f"key id {key_id} is not in the keyring")
        rest = tuple(kek for kek in self.keks if kek[0] != key_id)
        return Keyring((*rest, (key_id, key)), self.hmac_root, self.signing_seed)

    def without_kek(self, key_id: str) -> Keyring:
        """This keyring without ``key_id``. KeyringError if it is not listed or is the sealing
        KEK (make another one current first)."""
        _check_id(key_id)
        if self.kek(key_id) is None:
            raise KeyringError(f"key id {key_id} is not in the keyring")
        if key_id == self.current_id:
            raise KeyringError(f"key id {key_id} seals: make another key current first")
        keks = tuple(kek for kek in self.keks if kek[0] != key_id)
        return Keyring(keks, self.hmac_root, self.signing_seed)

    def with_new_kek(self) -> Keyring:
        """This keyring with a newly generated KEK, which seals."""
        key_id, key = new_kek()
        return self.with_kek(key_id, key).with_current(key_id)

    def to_json(self) -> str:
        return json.dumps(
            {
                "version": 1,
                "keks": [{"id": kid, "key": _b64(key)} for kid, key in self.keks],
                "hmac_root": _b64(self.hmac_root),
                "signing_key": _b64(self.signing_seed),
            },
            indent=2,
        )


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
    return Keyring(
        tuple(parsed),
        _unb64(data.get("hmac_root"), "hmac_root"),
        _unb64(data.get("signing_key"), "signing_key"),
    )


@cache
def get_keyring() -> Keyring:
    """The keyring configured in settings; parsed once per process (cleared by tests)."""
    from django.conf import settings

    text = getattr(settings, "WAYPOINT_KEYRING", "")
    if not text:
        raise KeyringError("no keyring configured: set WAYPOINT_KEYRING or WAYPOINT_KEYRING_FILE")
    return parse(text)


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
