"""Sealing with the keyring and with data keys: round trips, and failing closed."""

from __future__ import annotations

import os
import struct
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
import time_machine
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from hypothesis import given
from hypothesis import strategies as st

import vault
from vault import aead
from vault.keyring import Keyring, generate

AAD = b"casework.person.legal_name:42:identity"
PLAINTEXT = "Иван Иванович, art. 337 part 5".encode()

plaintexts = st.binary(max_size=9000)
aads = st.binary(max_size=200)
data_keys = st.binary(min_size=32, max_size=32)


def _parts(sealed: bytes) -> tuple[bytes, bytes, bytes]:
    """(header, nonce, ciphertext + tag) of a sealed blob."""
    end = 2 + sealed[1]
    return sealed[:end], sealed[end : end + aead.NONCE_BYTES], sealed[end + aead.NONCE_BYTES :]


def _flipped(blob: bytes, index: int) -> bytes:
    return blob[:index] + bytes([blob[index] ^ 0x01]) + blob[index + 1 :]


# --- round trips (property tests) ----------------------------------------------------------


@given(plaintext=plaintexts, aad=aads)
def test_it_opens_what_it_sealed(plaintext, aad):
    assert vault.open(vault.seal(plaintext, aad=aad), aad=aad) == plaintext


@given(key=data_keys, plaintext=plaintexts, aad=aads)
def test_it_opens_what_it_sealed_with_a_data_key(key, plaintext, aad):
    assert vault.open_with_key(key, vault.seal_with_key(key, plaintext, aad=aad), aad=aad) == (
        plaintext
    )


@given(plaintext=plaintexts, aad=aads, other=aads)
def test_it_refuses_other_associated_data(plaintext, aad, other):
    if aad == other:
        return
    with pytest.raises(vault.DecryptionError):
        vault.open(vault.seal(plaintext, aad=aad), aad=other)


@given(key=data_keys, plaintext=plaintexts, aad=aads, other=aads)
def test_it_refuses_other_associated_data_with_a_data_key(key, plaintext, aad, other):
    if aad == other:
        return
    with pytest.raises(vault.DecryptionError):
        vault.open_with_key(key, vault.seal_with_key(key, plaintext, aad=aad), aad=other)


@given(key=data_keys, other=data_keys, plaintext=plaintexts)
def test_it_refuses_another_data_key(key, other, plaintext):
    if key == other:
        return
    with pytest.raises(vault.DecryptionError):
        vault.open_with_key(other, vault.seal_with_key(key, plaintext, aad=AAD), aad=AAD)


# --- tampering -----------------------------------------------------------------------------


def test_it_refuses_a_ciphertext_moved_to_another_field():
    sealed = vault.seal(PLAINTEXT, aad=b"casework.person.legal_name:42:identity")
    with pytest.raises(vault.DecryptionError):
        vault.open(sealed, aad=b"casework.person.legal_name:43:identity")


def test_it_refuses_every_flipped_byte_of_a_keyring_sealed_blob():
    sealed = vault.seal(PLAINTEXT, aad=AAD)
    for index in range(len(sealed)):
        with pytest.raises(vault.DecryptionError):
            vault.open(_flipped(sealed, index), aad=AAD)


def test_it_refuses_every_flipped_byte_of_a_data_key_sealed_blob():
    key = vault.new_data_key()
    sealed = vault.seal_with_key(key, PLAINTEXT, aad=AAD)
    for index in range(len(sealed)):
        with pytest.raises(vault.DecryptionError):
            vault.open_with_key(key, _flipped(sealed, index), aad=AAD)


def test_it_refuses_every_truncation():
    key = vault.new_data_key()
    sealed = vault.seal(PLAINTEXT, aad=AAD)
    with_key = vault.seal_with_key(key, PLAINTEXT, aad=AAD)
    for length in range(len(sealed)):
        with pytest.raises(vault.DecryptionError):
            vault.open(sealed[:length], aad=AAD)
    for length in range(len(with_key)):
        with pytest.raises(vault.DecryptionError):
            vault.open_with_key(key, with_key[:length], aad=AAD)


def test_it_refuses_appended_bytes():
    sealed = vault.seal(PLAINTEXT, aad=AAD)
    with pytest.raises(vault.DecryptionError):
        vault.open(sealed + b"\x00", aad=AAD)


def test_it_refuses_things_that_are_not_bytes():
    with pytest.raises(vault.DecryptionError):
        vault.open("not a ciphertext", aad=AAD)
    with pytest.raises(vault.DecryptionError):
        vault.open(None, aad=AAD)


def test_it_keeps_keyring_and_data_key_ciphertexts_apart():
    key = vault.new_data_key()
    with pytest.raises(vault.DecryptionError):
        vault.open(vault.seal_with_key(key, PLAINTEXT, aad=AAD), aad=AAD)
    with pytest.raises(vault.DecryptionError):
        vault.open_with_key(key, vault.seal(PLAINTEXT, aad=AAD), aad=AAD)


def test_it_refuses_a_ciphertext_whose_key_left_the_keyring(settings):
    sealed = vault.seal(PLAINTEXT, aad=AAD)
    settings.WAYPOINT_KEYRING = generate().to_json()
    with pytest.raises(vault.DecryptionError):
        vault.open(sealed, aad=AAD)


def test_it_refuses_a_key_with_the_same_id_but_other_bytes(settings):
    ring = vault.get_keyring()
    sealed = vault.seal(PLAINTEXT, aad=AAD)
    impostor = generate()
    forged = Keyring(((ring.current_id, impostor.current_key),), ring.hmac_root, ring.signing_seed)
    settings.WAYPOINT_KEYRING = forged.to_json()
    with pytest.raises(vault.DecryptionError):
        vault.open(sealed, aad=AAD)


def test_it_opens_old_ciphertexts_after_rotation_and_seals_with_the_newest_key(settings):
    ring = vault.get_keyring()
    old = vault.seal(PLAINTEXT, aad=AAD)
    rotated = ring.with_new_kek()
    settings.WAYPOINT_KEYRING = rotated.to_json()
    assert vault.open(old, aad=AAD) == PLAINTEXT
    new = vault.seal(PLAINTEXT, aad=AAD)
    assert aead.key_id_of(old) == ring.current_id
    assert aead.key_id_of(new) == rotated.current_id != ring.current_id


def test_the_decryption_error_says_nothing_about_why():
    sealed = vault.seal(PLAINTEXT, aad=AAD)
    messages = set()
    for bad in (sealed[:5], _flipped(sealed, len(sealed) - 1), b"\x02" + sealed[1:]):
        with pytest.raises(vault.DecryptionError) as caught:
            vault.open(bad, aad=AAD)
        messages.add(str(caught.value))
    assert messages == {"sealed data could not be opened"}


def test_it_rejects_data_keys_of_the_wrong_size():
    with pytest.raises(ValueError, match="32 bytes"):
        vault.seal_with_key(b"short", PLAINTEXT, aad=AAD)
    sealed = vault.seal_with_key(vault.new_data_key(), PLAINTEXT, aad=AAD)
    with pytest.raises(vault.DecryptionError):
        vault.open_with_key(b"short", sealed, aad=AAD)


def test_it_refuses_text_instead_of_bytes():
    with pytest.raises(TypeError):
        vault.seal("Иван", aad=AAD)
    with pytest.raises(TypeError):
        vault.seal(PLAINTEXT, aad="casework")


# --- nonces ----------------------------------------------------------------------------------


def test_nonces_are_never_repeated_across_refills_of_the_pool():
    key = vault.DataKey(vault.new_data_key())
    nonces = [_parts(key.seal(b"x", AAD))[1] for _ in range(3 * aead.NONCE_BATCH + 5)]
    nonces += [_parts(vault.seal(b"x", aad=AAD))[1] for _ in range(5)]
    assert {len(nonce) for nonce in nonces} == {aead.NONCE_BYTES}
    assert len(set(nonces)) == len(nonces)


def test_threads_drawing_nonces_at_once_never_share_one():
    def draw(_: int) -> list[bytes]:
        return [aead._nonce() for _ in range(2 * aead.NONCE_BATCH)]

    with ThreadPoolExecutor(max_workers=8) as pool:
        drawn = [nonce for batch in pool.map(draw, range(8)) for nonce in batch]
    assert len(set(drawn)) == len(drawn) == 16 * aead.NONCE_BATCH


def test_a_forked_child_never_takes_a_nonce_from_the_parents_pool():
    """Celery's workers are forked: a child that inherited the parent's unused nonces would
    seal with the same nonces as the parent, under the same keys."""
    aead._nonces.clear()
    aead._nonce()  # the parent now holds NONCE_BATCH - 1 unused nonces
    assert len(aead._nonces) == aead.NONCE_BATCH - 1
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report its first nonces, then leave without any cleanup
        try:
            os.write(write, b"".join(aead._nonce() for _ in range(10)))
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        reported = pipe.read()
    os.waitpid(pid, 0)
    child = {reported[i : i + aead.NONCE_BYTES] for i in range(0, len(reported), aead.NONCE_BYTES)}
    parent = {aead._nonce() for _ in range(aead.NONCE_BATCH)}
    assert len(child) == 10
    assert not child & parent


# --- what a ciphertext reveals -------------------------------------------------------------


def test_padding_hides_lengths_within_a_bucket():
    # Framed size = 4 + len: up to 60 bytes of plaintext share the smallest bucket (64).
    assert len({len(vault.seal(b"x" * n, aad=AAD)) for n in range(61)}) == 1
    assert len({len(vault.seal(b"x" * n, aad=AAD)) for n in range(61, 125)}) == 1
    assert len({len(vault.seal(b"x" * n, aad=AAD)) for n in range(2045, 4093)}) == 1
    # Above 4096 framed bytes, eight buckets per doubling: 8193..9216 framed share one.
    assert len({len(vault.seal(b"x" * n, aad=AAD)) for n in range(8189, 9213)}) == 1
    assert len(vault.seal(b"x" * 60, aad=AAD)) < len(vault.seal(b"x" * 61, aad=AAD))


def test_padding_buckets_are_powers_of_two_then_sixteenths_of_the_next_power():
    sizes = (1, 64, 65, 129, 4096, 4097, 4609, 8192, 8193, 16385, 65537)
    assert [aead._padded_size(n) for n in sizes] == [
        64,
        64,
        128,
        256,
        4096,
        4608,
        5120,
        8192,
        9216,
        18432,
        73728,
    ]


@given(n=st.integers(min_value=4097, max_value=1 << 24))
def test_large_padding_costs_at_most_an_eighth(n):
    padded = aead._padded_size(n)
    assert n <= padded <= n + n // 8


def test_a_blob_padded_under_the_earlier_bucket_rule_still_opens():
    # Before: steps of 4096 above 4096 (8196 framed bytes went to 12288).
    key = vault.new_data_key()
    plaintext = b"x" * 8192
    framed = struct.pack(">I", len(plaintext)) + plaintext + bytes(12288 - 4 - len(plaintext))
    nonce = b"\x07" * aead.NONCE_BYTES
    header = bytes((aead.VERSION, 0))
    sealed = header + nonce + AESGCM(key).encrypt(nonce, framed, header + AAD)
    assert vault.open_with_key(key, sealed, aad=AAD) == plaintext
    assert vault.open_with_key(vault.DataKey(key), memoryview(sealed), aad=AAD) == plaintext


def test_a_ciphertext_is_the_same_function_of_its_inputs_at_any_time():
    """No timestamp: the blob is header | nonce | AES-GCM(key, nonce, framed plaintext), and
    re-encrypting with the same nonce reproduces it exactly, whatever the clock says."""
    ring = vault.get_keyring()
    blobs = []
    for moment in (datetime(2024, 1, 1, tzinfo=UTC), datetime(2031, 7, 15, 12, 30, tzinfo=UTC)):
        with time_machine.travel(moment, tick=False):
            blobs.append(vault.seal(PLAINTEXT, aad=AAD))
    (header_a, nonce_a, body_a), (header_b, nonce_b, body_b) = map(_parts, blobs)
    assert header_a == header_b
    assert len(blobs[0]) == len(blobs[1])
    assert nonce_a != nonce_b
    for header, nonce, body in ((header_a, nonce_a, body_a), (header_b, nonce_b, body_b)):
        expected = AESGCM(ring.current_key).encrypt(nonce, aead._frame(PLAINTEXT), header + AAD)
        assert body == expected


def test_the_header_names_only_the_format_version_and_the_key_id():
    ring = vault.get_keyring()
    header, _nonce, _body = _parts(vault.seal(PLAINTEXT, aad=AAD))
    assert header == bytes((aead.VERSION, len(ring.current_id))) + ring.current_id.encode()
    header, _nonce, _body = _parts(vault.seal_with_key(vault.new_data_key(), PLAINTEXT, aad=AAD))
    assert header == bytes((aead.VERSION, 0))


def test_the_frame_records_the_true_length_under_the_padding():
    framed = aead._frame(b"abc")
    assert struct.unpack(">I", framed[:4]) == (3,)
    assert len(framed) == 64
    assert aead._unframe(framed) == b"abc"
    with pytest.raises(vault.DecryptionError):
        aead._unframe(framed[:-1] + b"\x01")


def test_a_prepared_data_key_seals_and_opens_like_its_raw_bytes():
    raw = vault.new_data_key()
    prepared = vault.DataKey(raw)
    assert vault.open_with_key(raw, vault.seal_with_key(prepared, PLAINTEXT, aad=AAD), aad=AAD) == (
        PLAINTEXT
    )
    assert vault.open_with_key(prepared, vault.seal_with_key(raw, PLAINTEXT, aad=AAD), aad=AAD) == (
        PLAINTEXT
    )
    with pytest.raises(vault.DecryptionError):
        vault.open_with_key(
            vault.DataKey(vault.new_data_key()),
            vault.seal_with_key(prepared, PLAINTEXT, aad=AAD),
            aad=AAD,
        )


def test_a_prepared_data_key_never_shows_or_pickles_its_bytes():
    import pickle

    raw = vault.new_data_key()
    prepared = vault.DataKey(raw)
    assert raw.hex() not in repr(prepared) and "hidden" in repr(prepared)
    with pytest.raises(TypeError):
        pickle.dumps(prepared)
    with pytest.raises(ValueError):
        vault.DataKey(raw[:16])


# --- the bound hot path (DataKey.seal_bound / open_bound) ------------------------------------


def _reference_frame(plaintext: bytes) -> bytes:
    """The frame as the module docstring defines it, computed the slow way."""
    size = len(plaintext)
    return struct.pack(">I", size) + plaintext + bytes(aead._padded_size(4 + size) - 4 - size)


def test_the_frame_tables_give_the_frame_the_rule_defines():
    for size in (*range(0, 200), 4091, 4092, 4093, 8190):
        plaintext = bytes([0x5A]) * size
        assert aead._frame(plaintext) == _reference_frame(plaintext), size
        assert aead._unframe(_reference_frame(plaintext)) == plaintext


@given(key=data_keys, plaintext=plaintexts, aad=aads)
def test_bound_associated_data_seals_and_opens_like_the_plain_calls(key, plaintext, aad):
    prepared = vault.DataKey(key)
    bound = vault.bind_aad(aad)
    assert bound == aead.DATA_HEADER + aad
    sealed = prepared.seal_bound(plaintext, bound)
    # Same format: the plain calls open it, and open_bound opens what they seal.
    assert vault.open_with_key(key, sealed, aad=aad) == plaintext
    assert prepared.open_bound(vault.seal_with_key(key, plaintext, aad=aad), bound) == plaintext
    header, nonce, body = _parts(sealed)
    assert header == aead.DATA_HEADER
    assert body == AESGCM(key).encrypt(nonce, _reference_frame(plaintext), bound)


def test_open_bound_refuses_other_associated_data_padding_and_headers():
    key = vault.new_data_key()
    prepared = vault.DataKey(key)
    sealed = prepared.seal_bound(PLAINTEXT, vault.bind_aad(AAD))
    with pytest.raises(vault.DecryptionError):
        prepared.open_bound(sealed, vault.bind_aad(AAD + b"x"))
    with pytest.raises(vault.DecryptionError):
        prepared.open_bound(sealed, AAD)  # not bound: the header is missing
    # A frame whose padding is not all zero bytes, sealed correctly otherwise.
    framed = aead._frame(PLAINTEXT)
    nonce = b"\x01" * aead.NONCE_BYTES
    assert len(framed) - 4 - len(PLAINTEXT) > 10
    for bad in (framed[:-1] + b"\x01", framed[:-10] + b"\x01" + framed[-9:]):
        blob = aead.DATA_HEADER + nonce + AESGCM(key).encrypt(nonce, bad, vault.bind_aad(AAD))
        with pytest.raises(vault.DecryptionError):
            prepared.open_bound(blob, vault.bind_aad(AAD))
    with pytest.raises(vault.DecryptionError):
        prepared.open_bound(vault.seal(PLAINTEXT, aad=AAD), vault.bind_aad(AAD))
    with pytest.raises(TypeError):
        vault.bind_aad("text")
