"""Changing the keyring: adding, promoting and retiring KEKs, in memory and in the file."""

from __future__ import annotations

import base64
import logging
import stat
import threading

import pytest

import vault
from vault import rotation
from vault.aead import key_id_of
from vault.keyring import Keyring, KeyringError, generate, get_keyring, parse

NEW_KEY = bytes(range(1, 33))


@pytest.fixture
def ring() -> Keyring:
    """A keyring of three KEKs, k-c sealing."""
    base = generate()
    keys = (("k-a", bytes(32)), ("k-b", bytes([1]) * 32), ("k-c", bytes([2]) * 32))
    return Keyring(keys, base.hmac_root, base.signing_seed)


@pytest.fixture
def ring_file(tmp_path, ring, settings):
    """``ring`` in a file, and in use by this process."""
    path = tmp_path / "keyring.json"
    path.write_text(ring.to_json(), encoding="utf-8")
    path.chmod(0o600)
    settings.WAYPOINT_KEYRING = ring.to_json()
    return path


def _secrets(ring: Keyring) -> list[str]:
    raw = [key for _, key in ring.keks] + [ring.hmac_root, ring.signing_seed]
    return [base64.b64encode(key).decode() for key in raw]


def test_an_added_kek_opens_but_does_not_seal_yet(ring):
    added = ring.with_kek("k-new", NEW_KEY)
    assert added.ids() == ["k-a", "k-b", "k-new", "k-c"]
    assert added.current_id == "k-c"
    assert added.kek("k-new") == NEW_KEY
    assert ring.ids() == ["k-a", "k-b", "k-c"]  # keyrings are values


@pytest.mark.parametrize(
    ("key_id", "key", "message"),
    [
        ("k-b", NEW_KEY, "key id k-b appears twice"),
        ("k\nforged", NEW_KEY, "a key id must be 1 to 64 letters, digits or . _ : -"),
        ("", NEW_KEY, "a key id must be 1 to 64 letters, digits or . _ : -"),
        ("k-new", NEW_KEY[:16], "a key-encryption key must be 32 bytes"),
    ],
)
def test_adding_a_kek_refuses_a_bad_id_or_key(ring, key_id, key, message):
    with pytest.raises(KeyringError) as caught:
        ring.with_kek(key_id, key)
    assert str(caught.value) == message


def test_making_a_kek_current_moves_it_last_and_keeps_the_others_in_order(ring):
    assert ring.with_current("k-a").ids() == ["k-b", "k-c", "k-a"]
    assert ring.with_current("k-a").current_key == bytes(32)
    assert ring.with_current("k-c") == ring


def test_retiring_a_kek_keeps_the_others(ring):
    assert ring.without_kek("k-b").ids() == ["k-a", "k-c"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda r: r.with_current("k-gone"), "key id k-gone is not in the keyring"),
        (lambda r: r.without_kek("k-gone"), "key id k-gone is not in the keyring"),
        (lambda r: r.without_kek("k-c"), "key id k-c seals: make another key current first"),
        (
            lambda r: r.without_kek("k\nforged"),
            "a key id must be 1 to 64 letters, digits or . _ : -",
        ),
    ],
)
def test_promoting_or_retiring_an_unknown_or_sealing_kek_fails_without_key_material(
    ring, change, message
):
    with pytest.raises(KeyringError) as caught:
        change(ring)
    assert str(caught.value) == message
    assert not any(secret in message for secret in _secrets(ring))


def test_a_new_kek_is_generated_and_seals(ring):
    rotated = ring.with_new_kek()
    assert rotated.ids()[:3] == ["k-a", "k-b", "k-c"]
    assert rotated.current_id.startswith("k-") and rotated.current_id not in ring.ids()
    assert rotated.current_key not in {key for _, key in ring.keks}


def test_the_keyring_file_is_written_whole_and_private(tmp_path, ring):
    path = tmp_path / "keys" / "keyring.json"
    rotation.write_keyring_file(path, ring)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert rotation.read_keyring_file(path) == ring
    assert [p.name for p in path.parent.iterdir()] == ["keyring.json"]


def test_a_keyring_that_could_not_be_read_back_is_never_written(ring_file, ring):
    before = ring_file.read_text(encoding="utf-8")
    with pytest.raises(KeyringError, match="no key-encryption keys"):
        rotation.write_keyring_file(ring_file, Keyring((), ring.hmac_root, ring.signing_seed))
    assert ring_file.read_text(encoding="utf-8") == before


def test_add_key_adds_a_kek_to_the_file_that_does_not_seal_yet(ring_file, ring):
    new_id = rotation.add_key(ring_file)
    on_disk = rotation.read_keyring_file(ring_file)
    assert on_disk.ids() == ["k-a", "k-b", new_id, "k-c"]
    assert on_disk.hmac_root == ring.hmac_root and on_disk.signing_seed == ring.signing_seed
    assert stat.S_IMODE(ring_file.stat().st_mode) == 0o600
    assert vault.current_key_id() == "k-c"  # the file changed, not this process


def test_make_current_and_retire_change_the_file(ring_file):
    new_id = rotation.add_key(ring_file)
    rotation.make_current(ring_file, new_id)
    assert rotation.read_keyring_file(ring_file).ids() == ["k-a", "k-b", "k-c", new_id]
    assert rotation.retire(ring_file, "k-a") == ["k-b", "k-c", new_id]
    assert rotation.read_keyring_file(ring_file).ids() == ["k-b", "k-c", new_id]


def test_a_refused_change_leaves_the_file_as_it_was(ring_file):
    before = ring_file.read_text(encoding="utf-8")
    with pytest.raises(KeyringError, match="k-c seals"):
        rotation.retire(ring_file, "k-c")
    with pytest.raises(KeyringError, match="not in the keyring"):
        rotation.make_current(ring_file, "k-gone")
    assert ring_file.read_text(encoding="utf-8") == before


def test_changes_made_at_the_same_time_lose_no_key(ring_file):
    added: list[str] = []
    threads = [
        threading.Thread(target=lambda: added.append(rotation.add_key(ring_file))) for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ids = rotation.read_keyring_file(ring_file).ids()
    assert len(added) == 8 and set(added) <= set(ids) and len(ids) == 11
    assert [p.name for p in ring_file.parent.iterdir()] == ["keyring.json"]


def test_reloading_makes_this_process_seal_with_the_file(ring_file):
    new_id = rotation.add_key(ring_file)
    rotation.make_current(ring_file, new_id)
    sealed_before = vault.seal(b"old", aad=b"a")
    assert rotation.reload_keyring(ring_file) == ["k-a", "k-b", "k-c", new_id]
    assert vault.key_ids() == ["k-a", "k-b", "k-c", new_id]
    assert vault.current_key_id() == new_id
    assert key_id_of(vault.seal(b"new", aad=b"a")) == new_id
    assert vault.open(sealed_before, aad=b"a") == b"old"


def test_reloading_a_malformed_file_changes_nothing(ring_file, ring):
    ring_file.write_text('{"version": 1, "keks": []}', encoding="utf-8")
    with pytest.raises(KeyringError, match="no key-encryption keys"):
        rotation.reload_keyring(ring_file)
    assert get_keyring() == ring


def test_a_new_keyring_for_the_variable_is_printed_not_used(ring_file, ring):
    printed = parse(rotation.keyring_with_new_key())
    assert printed.ids()[:3] == ring.ids() and len(printed.ids()) == 4
    assert printed.current_id not in ring.ids()
    assert get_keyring() == ring
    assert rotation.read_keyring_file(ring_file) == ring


def test_rotation_logs_nothing_about_keys(ring_file, ring, caplog):
    caplog.set_level(logging.DEBUG)
    new_id = rotation.add_key(ring_file)
    rotation.make_current(ring_file, new_id)
    rotation.reload_keyring(ring_file)
    rotation.retire(ring_file, "k-a")
    logged = caplog.text
    assert not any(secret in logged for secret in _secrets(get_keyring()) + _secrets(ring))


def test_the_keyring_file_is_the_one_named_by_the_environment(tmp_path, monkeypatch, settings):
    monkeypatch.setenv("WAYPOINT_KEYRING_FILE", str(tmp_path / "ring.json"))
    monkeypatch.delenv("WAYPOINT_KEYRING", raising=False)
    assert rotation.keyring_file() == tmp_path / "ring.json"


def test_a_keyring_in_the_variable_has_no_file_to_rewrite(tmp_path, monkeypatch, settings):
    monkeypatch.delenv("WAYPOINT_KEYRING_FILE", raising=False)
    monkeypatch.setenv("WAYPOINT_KEYRING", generate().to_json())
    settings.VAR_DIR = tmp_path
    (tmp_path / "keyring.json").write_text("{}", encoding="utf-8")
    assert rotation.keyring_file() is None


@pytest.mark.parametrize(("production", "expected"), [(False, "keyring.json"), (True, None)])
def test_the_dev_keyring_file_is_used_outside_production_only(
    tmp_path, monkeypatch, settings, production, expected
):
    monkeypatch.delenv("WAYPOINT_KEYRING_FILE", raising=False)
    monkeypatch.delenv("WAYPOINT_KEYRING", raising=False)
    settings.VAR_DIR = tmp_path
    settings.PRODUCTION = production
    (tmp_path / "keyring.json").write_text("{}", encoding="utf-8")
    assert rotation.keyring_file() == (tmp_path / expected if expected else None)


def test_without_a_dev_keyring_file_there_is_none_to_rewrite(tmp_path, monkeypatch, settings):
    monkeypatch.delenv("WAYPOINT_KEYRING_FILE", raising=False)
    monkeypatch.delenv("WAYPOINT_KEYRING", raising=False)
    settings.VAR_DIR = tmp_path
    settings.PRODUCTION = False
    assert rotation.keyring_file() is None
