"""AES-256-GCM sealing with associated data and length padding.

Sealed format (bytes)::

    0x01 | len(key id) (1 byte) | key id (ASCII) | nonce (12 bytes) | ciphertext + tag

where the key id is the KEK's id for ``seal`` and empty for ``seal_with_key``. The plaintext
is framed as 4-byte length + data + zero padding up to a size bucket, so the ciphertext length
tells little about the content. There is no timestamp anywhere. The key id and version are
part of the associated data, so they cannot be altered either.

Size buckets (of the framed size n = 4 + plaintext length):

* n <= 64: 64 bytes;
* 64 < n <= 4096: the next power of two (128, 256, ..., 4096), so short fields such as names
  and phone numbers reveal almost nothing;
* n > 4096: the next multiple of 1/16 of the next power of two (4608, 5120, ..., 8192, then
  9216, 10240, ..., 16384, then steps of 2048, ...): eight buckets per doubling, so the
  length is known to within 12.5% and padding costs at most 12.5%.

Opening reads the stored length and checks that the rest is zero bytes, whatever the bucket,
so blobs sealed under an earlier bucket rule (steps of 4096 above 4096) still open.
"""

from __future__ import annotations

import os
import secrets
import struct
from collections import deque
from collections.abc import Callable
from typing import Any, NoReturn

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from vault.keyring import KEY_BYTES, get_keyring

VERSION = 1
NONCE_BYTES = 12
TAG_BYTES = 16
MIN_BUCKET = 64
LARGE_FROM = 4096  # above this, buckets are 1/16 of the next power of two apart
DATA_HEADER = bytes((VERSION, 0))  # data-key blobs carry no key id
DATA_OVERHEAD = len(DATA_HEADER) + NONCE_BYTES + TAG_BYTES
_DATA_NONCE = slice(len(DATA_HEADER), len(DATA_HEADER) + NONCE_BYTES)
_DATA_BODY = slice(len(DATA_HEADER) + NONCE_BYTES, None)
_LENGTH = struct.Struct(">I")


class DecryptionError(Exception):
    """Opening failed. Deliberately says nothing about why."""

    def __init__(self) -> None:
        super().__init__("sealed data could not be opened")


def new_data_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


def _padded_size(n: int) -> int:
    if n <= MIN_BUCKET:
        return MIN_BUCKET
    power = 1 << (n - 1).bit_length()
    if n <= LARGE_FROM:
        return power
    step = power >> 4
    return -(-n // step) * step


# Short values (names, dates, phone numbers: the most common fields) fill the smallest
# bucket: their length prefix and padding come from these tables instead of being computed.
_SHORT = MIN_BUCKET - 4
_SHORT_HEAD = tuple(_LENGTH.pack(size) for size in range(_SHORT + 1))
# _ZEROS[n] is n zero bytes, for the padding of the two smallest buckets.
_ZEROS = tuple(bytes(n) for n in range(2 * MIN_BUCKET + 1))


def _unframe(framed: bytes) -> bytes:
    if len(framed) < 4:
        raise DecryptionError
    (length,) = _LENGTH.unpack_from(framed)
    padding = len(framed) - 4 - length
    # The padding must be all zero bytes (compared with a zeroed block, in C).
    if padding < 0 or not framed.endswith(
        _ZEROS[padding] if padding <= 2 * MIN_BUCKET else bytes(padding)
    ):
        raise DecryptionError
    return framed[4 : 4 + length]


def _header(key_id: str) -> bytes:
    kid = key_id.encode("ascii")
    return bytes((VERSION, len(kid))) + kid


def _frame(plaintext: bytes) -> bytes:
    """4-byte length, the plaintext, zero padding up to the size bucket."""
    size = len(plaintext)
    if size <= _SHORT:
        return b"".join((_SHORT_HEAD[size], plaintext, _ZEROS[_SHORT - size]))
    padding = _padded_size(4 + size) - 4 - size
    return b"".join((_LENGTH.pack(size), plaintext, bytes(padding)))


# Nonces: random, from the operating system's generator, drawn NONCE_BATCH at a time (one
# system call instead of one per seal). A nonce is never secret, only never reused: the pool is
# a deque (each popleft hands a nonce to exactly one caller, whatever the threads) and a forked
# child empties it, so parent and child never share one.
NONCE_BATCH = 256
_nonces: deque[bytes] = deque()


def _refill_nonces() -> bytes:
    batch = os.urandom(NONCE_BYTES * NONCE_BATCH)
    _nonces.extend(batch[i : i + NONCE_BYTES] for i in range(NONCE_BYTES, len(batch), NONCE_BYTES))
    return batch[:NONCE_BYTES]


def _nonce() -> bytes:
    try:
        return _nonces.popleft()
    except IndexError:
        return _refill_nonces()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_nonces.clear)


def _check_bytes(plaintext: Any, aad: Any) -> None:
    if not isinstance(plaintext, (bytes, bytearray)) or not isinstance(aad, (bytes, bytearray)):
        raise TypeError("plaintext and aad must be bytes")


def _as_bytes(sealed: Any) -> bytes:
    if isinstance(sealed, bytes):
        return sealed
    if isinstance(sealed, (bytearray, memoryview)):
        return bytes(sealed)
    raise DecryptionError


def _split(sealed: bytes) -> tuple[bytes, str, bytes, bytes]:
    sealed = _as_bytes(sealed)
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


def _open(
    decrypt: Callable[..., bytes], header: bytes, nonce: bytes, body: bytes, aad: bytes
) -> bytes:
    try:
        framed = decrypt(nonce, body, header + aad)
    except InvalidTag:
        raise DecryptionError from None
    return _unframe(framed)


def _seal(cipher: AESGCM, key_id: str, plaintext: bytes, aad: bytes) -> bytes:
    _check_bytes(plaintext, aad)
    header = _header(key_id)
    nonce = _nonce()
    return b"".join((header, nonce, cipher.encrypt(nonce, _frame(plaintext), header + aad)))


def seal(plaintext: bytes, *, aad: bytes) -> bytes:
    """Seal under the newest key-encryption key. One AES-GCM call."""
    ring = get_keyring()
    return _seal(AESGCM(ring.current_key), ring.current_id, plaintext, aad)


def open(sealed: bytes, *, aad: bytes) -> bytes:  # noqa: A001 - the vault's own verb
    """Open with whichever listed key sealed it; DecryptionError on any mismatch. A key id
    this process does not hold makes it re-read its keyring file once (one ``stat``)."""
    header, key_id, nonce, body = _split(sealed)
    if not key_id:
        raise DecryptionError
    key = get_keyring().kek(key_id)
    if key is None and get_keyring.reload_now():
        # Another process may have added the key a moment ago: re-read the keyring once.
        key = get_keyring().kek(key_id)
    if key is None:
        raise DecryptionError
    return _open(AESGCM(key).decrypt, header, nonce, body, aad)


def key_id_of(sealed: bytes) -> str:
    """The id of the KEK that sealed ``sealed`` (for rotation). Raises DecryptionError."""
    return _split(sealed)[1]


class DataKey:
    """An unwrapped data key prepared for repeated use within one request or task (the
    AES-GCM key schedule is computed once). Never printed, never pickled.

    ``seal`` and ``open`` are the hot path of every sealed field: one AES-GCM call each and
    as few Python calls and copies as the format allows."""

    __slots__ = ("_decrypt", "_encrypt")

    def __init__(self, key: bytes) -> None:
        if len(key) != KEY_BYTES:
            raise ValueError("data keys are 32 bytes")
        cipher = AESGCM(key)
        self._encrypt = cipher.encrypt
        self._decrypt = cipher.decrypt

    def __repr__(self) -> str:
        return "DataKey(<hidden>)"

    def __reduce__(self) -> NoReturn:
        raise TypeError("a data key cannot be pickled")

    def seal(self, plaintext: bytes, aad: bytes) -> bytes:
        if type(plaintext) is not bytes or type(aad) is not bytes:
            _check_bytes(plaintext, aad)
        return self.seal_bound(plaintext, DATA_HEADER + aad)

    def open(self, sealed: bytes, aad: bytes) -> bytes:  # noqa: A003 - the vault's own verb
        """DecryptionError on any mismatch (a keyring blob, whose header names a key id, is
        refused too)."""
        return self.open_bound(sealed, DATA_HEADER + aad)

    # The hot path: the associated data comes bound already (``bind_aad``), so a caller that
    # seals or opens many values of one row and field builds it once. Same format as above.

    def seal_bound(self, plaintext: bytes, bound_aad: bytes) -> bytes:
        """seal() with ``bound_aad = bind_aad(aad)``; ``plaintext`` must be bytes."""
        size = len(plaintext)
        if size <= _SHORT:
            framed = b"".join((_SHORT_HEAD[size], plaintext, _ZEROS[_SHORT - size]))
        else:
            framed = _frame(plaintext)
        try:
            nonce = _nonces.popleft()
        except IndexError:
            nonce = _refill_nonces()
        return b"".join((DATA_HEADER, nonce, self._encrypt(nonce, framed, bound_aad)))

    def open_bound(self, sealed: bytes, bound_aad: bytes) -> bytes:
        """open() with ``bound_aad = bind_aad(aad)``."""
        if type(sealed) is not bytes:
            sealed = _as_bytes(sealed)
        if len(sealed) < DATA_OVERHEAD or sealed[:2] != DATA_HEADER:
            raise DecryptionError
        try:
            framed = self._decrypt(sealed[_DATA_NONCE], sealed[_DATA_BODY], bound_aad)
        except InvalidTag:
            raise DecryptionError from None
        # _unframe, inline (this runs for every sealed field read).
        if len(framed) < 4:
            raise DecryptionError
        (length,) = _LENGTH.unpack_from(framed)
        padding = len(framed) - 4 - length
        if padding < 0 or not framed.endswith(
            _ZEROS[padding] if padding <= 2 * MIN_BUCKET else bytes(padding)
        ):
            raise DecryptionError
        return framed[4 : 4 + length]


def bind_aad(aad: bytes) -> bytes:
    """The associated data as a data key's AES-GCM call takes it (the blob's header, then
    ``aad``), for DataKey.seal_bound and open_bound."""
    if type(aad) is not bytes:
        _check_bytes(b"", aad)
        aad = bytes(aad)
    return DATA_HEADER + aad


def seal_with_key(key: bytes | DataKey, plaintext: bytes, *, aad: bytes) -> bytes:
    """Seal under a data key (already unwrapped by the caller through ``open``). One AES-GCM
    call."""
    return (key if isinstance(key, DataKey) else DataKey(key)).seal(plaintext, aad)


def open_with_key(key: bytes | DataKey, sealed: bytes, *, aad: bytes) -> bytes:
    """Open a blob sealed by ``seal_with_key``; DecryptionError on any mismatch. One AES-GCM
    call."""
    if not isinstance(key, DataKey):
        try:
            key = DataKey(key)
        except (TypeError, ValueError):
            raise DecryptionError from None
    return key.open(sealed, aad)
