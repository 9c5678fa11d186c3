"""AES-256-GCM sealing with associated data and length padding.

Sealed format (bytes)::

    0x01 | len(key id) (1 byte) | key id (ASCII) | nonce (12 bytes) | ciphertext + tag

where the key id is the KEK's id for ``seal`` and empty for ``seal_with_key``. The plaintext
is framed as 4-byte length + data + zero padding up to a size bucket, so the ciphertext length
tells little about the content. There is no timestamp anywhere. The key id and version are
part of the associated data, so they cannot be altered either.
"""

from __future__ import annotations

import secrets
import struct

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from vault.keyring import KEY_BYTES, get_keyring

VERSION = 1
NONCE_BYTES = 12
TAG_BYTES = 16
MIN_BUCKET = 64
LARGE_STEP = 4096


class DecryptionError(Exception):
    """Opening failed. Deliberately says nothing about why."""

    def __init__(self) -> None:
        super().__init__("sealed data could not be opened")


def new_data_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


def _padded_size(n: int) -> int:
    if n <= MIN_BUCKET:
        return MIN_BUCKET
    if n <= LARGE_STEP:
        return 1 << (n - 1).bit_length()
    return -(-n // LARGE_STEP) * LARGE_STEP


def _unframe(framed: bytes | bytearray) -> bytes:
    if len(framed) < 4:
        raise DecryptionError
    (length,) = struct.unpack_from(">I", framed)
    # The padding must be all zero bytes (count runs in C and copies nothing).
    if length > len(framed) - 4 or framed.count(0, 4 + length) != len(framed) - 4 - length:
        raise DecryptionError
    return bytes(framed[4 : 4 + length])


def _header(key_id: str) -> bytes:
    kid = key_id.encode("ascii")
    return bytes((VERSION, len(kid))) + kid


def _frame(plaintext: bytes) -> bytearray:
    """4-byte length, the plaintext, zero padding up to the size bucket: one allocation."""
    framed = bytearray(_padded_size(4 + len(plaintext)))
    struct.pack_into(">I", framed, 0, len(plaintext))
    framed[4 : 4 + len(plaintext)] = plaintext
    return framed


def _seal(cipher: AESGCM, key_id: str, plaintext: bytes, aad: bytes) -> bytes:
    if not isinstance(plaintext, bytes | bytearray) or not isinstance(aad, bytes | bytearray):
        raise TypeError("plaintext and aad must be bytes")
    header = _header(key_id)
    nonce = secrets.token_bytes(NONCE_BYTES)
    return header + nonce + cipher.encrypt(nonce, _frame(plaintext), header + aad)


def _split(sealed: bytes) -> tuple[bytes, str, bytes, bytes]:
    if not isinstance(sealed, bytes):
        if not isinstance(sealed, bytearray | memoryview):
            raise DecryptionError
        sealed = bytes(sealed)
    if len(sealed) < 2 or sealed[0] != VERSION:
        raise DecryptionError
    end = 2 + sealed[1]
    if len(sealed) < end + NONCE_BYTES + TAG_BYTES:
        raise DecryptionError
    try:
        key_id = sealed[2:end].decode("ascii")
    except UnicodeDecodeError:
        raise DecryptionError from None
    return sealed[:end], key_id, sealed[end : end + NONCE_BYTES], sealed[end + NONCE_BYTES :]


def _open(cipher: AESGCM, header: bytes, nonce: bytes, body: bytes, aad: bytes) -> bytes:
    try:
        framed = cipher.decrypt(nonce, body, header + aad)
    except InvalidTag:
        raise DecryptionError from None
    return _unframe(framed)


def seal(plaintext: bytes, *, aad: bytes) -> bytes:
    """Seal under the newest key-encryption key. One AES-GCM call."""
    ring = get_keyring()
    return _seal(AESGCM(ring.current_key), ring.current_id, plaintext, aad)


def open(sealed: bytes, *, aad: bytes) -> bytes:  # noqa: A001 - the vault's own verb
    """Open with whichever listed key sealed it; DecryptionError on any mismatch."""
    header, key_id, nonce, body = _split(sealed)
    key = get_keyring().kek(key_id) if key_id else None
    if key is None:
        raise DecryptionError
    return _open(AESGCM(key), header, nonce, body, aad)


def key_id_of(sealed: bytes) -> str:
    """The id of the KEK that sealed ``sealed`` (for rotation). Raises DecryptionError."""
    return _split(sealed)[1]


class DataKey:
    """An unwrapped data key prepared for repeated use within one request or task (the
    AES-GCM key schedule is computed once). Never printed, never pickled."""

    __slots__ = ("_cipher",)

    def __init__(self, key: bytes) -> None:
        if len(key) != KEY_BYTES:
            raise ValueError("data keys are 32 bytes")
        self._cipher = AESGCM(key)

    def __repr__(self) -> str:
        return "DataKey(<hidden>)"

    def __reduce__(self):
        raise TypeError("a data key cannot be pickled")


def _data_cipher(key: bytes | DataKey) -> AESGCM:
    if isinstance(key, DataKey):
        return key._cipher
    if len(key) != KEY_BYTES:
        raise ValueError("data keys are 32 bytes")
    return AESGCM(key)


def seal_with_key(key: bytes | DataKey, plaintext: bytes, *, aad: bytes) -> bytes:
    """Seal under a data key (already unwrapped by the caller through ``open``)."""
    return _seal(_data_cipher(key), "", plaintext, aad)


def open_with_key(key: bytes | DataKey, sealed: bytes, *, aad: bytes) -> bytes:
    header, key_id, nonce, body = _split(sealed)
    if key_id:
        raise DecryptionError
    try:
        cipher = _data_cipher(key)
    except ValueError:
        raise DecryptionError from None
    return _open(cipher, header, nonce, body, aad)
