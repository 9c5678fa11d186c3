"""A running process follows its keyring file: when the file changes, on SIGHUP, and once when
it meets a key id it does not hold; a broken file leaves the keyring in use as it was."""

from __future__ import annotations

import os
import signal

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

import vault
from vault import rotation
from vault.aead import _seal
from vault.keyring import generate, get_keyring, parse


@pytest.fixture
def ring_file(tmp_path, settings, monkeypatch):
    path = tmp_path / "keyring.json"
    text = generate().to_json()
    path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("WAYPOINT_KEYRING_FILE", str(path))
    monkeypatch.delenv("WAYPOINT_KEYRING", raising=False)
    settings.WAYPOINT_KEYRING = text
    get_keyring.cache_clear()
    yield path
    get_keyring.cache_clear()


def test_a_key_id_it_does_not_hold_makes_the_process_reread_the_file_once(ring_file):
    assert len(vault.key_ids()) == 1
    new_id = rotation.add_key(ring_file)  # by another process: this one was not told
    key = parse(ring_file.read_text(encoding="utf-8")).kek(new_id)
    assert key is not None
    sealed = _seal(AESGCM(key), new_id, b"route", b"aad")
    assert vault.open(sealed, aad=b"aad") == b"route"
    assert new_id in vault.key_ids()


def test_an_unknown_key_id_still_fails_closed_after_the_reread(ring_file):
    sealed = _seal(AESGCM(bytes(32)), "k-nowhere", b"route", b"aad")
    with pytest.raises(vault.DecryptionError):
        vault.open(sealed, aad=b"aad")


def test_sighup_makes_the_next_use_reread_the_file(ring_file):
    vault.key_ids()
    new_id = rotation.add_key(ring_file)
    os.kill(os.getpid(), signal.SIGHUP)
    assert get_keyring.force
    assert new_id in vault.key_ids()
    assert not get_keyring.force


def test_a_broken_file_leaves_the_keyring_in_use(ring_file):
    before = vault.key_ids()
    ring_file.write_text("{not json", encoding="utf-8")
    assert get_keyring.reload_now() is False
    assert vault.key_ids() == before


def test_dates_survive_the_file_and_retired_keys_are_listed_without_key_bytes(ring_file):
    old_id = vault.current_key_id()
    new_id = rotation.add_key(ring_file)
    rotation.make_current(ring_file, new_id, retire_previous_on=None)
    rotation.retire(ring_file, old_id)
    text = ring_file.read_text(encoding="utf-8")
    ring = parse(text)
    assert [kid for kid, _ in ring.retired] == [old_id]
    assert ring.retired[0][1].retired_at is not None
    assert ring.dates_of(new_id).activated_at is not None
    assert text.count('"key"') == 1
