"""The keyring: parsing, failing loudly without revealing keys, derivation, generation."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from io import StringIO

import pytest
from django.core.management import call_command

import vault
from vault import keyring
from vault.checks import check_keyring

KEY_A = base64.b64encode(bytes(range(32))).decode()
KEY_B = base64.b64encode(bytes(range(100, 132))).decode()
ROOT = base64.b64encode(bytes(range(200, 232))).decode()
SEED = base64.b64encode(bytes(range(50, 82))).decode()
SHORT = base64.b64encode(b"0123456789").decode()


def _ring(**changes) -> str:
    data = {
        "version": 1,
        "keks": [{"id": "k-old", "key": KEY_A}, {"id": "k-new", "key": KEY_B}],
        "hmac_root": ROOT,
        "signing_key": SEED,
    }
    data.update(changes)
    return json.dumps(data)


def test_it_parses_a_keyring_and_seals_with_the_last_key():
    ring = keyring.parse(_ring())
    assert ring.ids() == ["k-old", "k-new"]
    assert ring.current_id == "k-new"
    assert ring.current_key == bytes(range(100, 132))
    assert ring.kek("k-old") == bytes(range(32))
    assert ring.kek("k-gone") is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not json " + KEY_A, "the keyring is not valid JSON"),
        (json.dumps([KEY_A]), "the keyring must be a JSON object with version 1"),
        (_ring(version=2), "the keyring must be a JSON object with version 1"),
        (_ring(version=True), "the keyring must be a JSON object with version 1"),
        (_ring(keks=[]), "the keyring lists no key-encryption keys"),
        (_ring(keks=[KEY_A]), "keks[0] must be an object"),
        (
            _ring(keks=[{"id": "k\nforged log line", "key": KEY_A}]),
            "keks[0].id must be 1 to 64 letters, digits or . _ : -",
        ),
        (
            _ring(keks=[{"id": "", "key": KEY_A}]),
            "keks[0].id must be 1 to 64 letters, digits or . _ : -",
        ),
        (
            _ring(keks=[{"id": "k", "key": KEY_A}, {"id": "k", "key": KEY_B}]),
            "key id k appears twice",
        ),
        (_ring(keks=[{"id": "k", "key": KEY_A + "!"}]), "keks[0].key is not valid base64"),
        (_ring(keks=[{"id": "k", "key": SHORT}]), "keks[0].key must decode to 32 bytes"),
        (_ring(keks=[{"id": "k", "key": 42}]), "keks[0].key must be a base64 string"),
        (_ring(hmac_root=None), "hmac_root must be a base64 string"),
        (_ring(signing_key=SHORT), "signing_key must decode to 32 bytes"),
    ],
)
def test_a_malformed_keyring_names_the_problem_without_key_material(text, message):
    with pytest.raises(keyring.KeyringError) as caught:
        keyring.parse(text)
    assert str(caught.value) == message
    for secret in (KEY_A, KEY_B, ROOT, SEED, SHORT):
        assert secret not in str(caught.value)


def test_a_keyring_never_prints_its_keys():
    ring = keyring.parse(_ring())
    for shown in (repr(ring), str(ring), f"{ring!r}"):
        assert shown == "<Keyring k-old, k-new>"
        assert "\\x" not in shown and KEY_A not in shown


def test_it_says_when_no_keyring_is_configured(settings):
    settings.WAYPOINT_KEYRING = ""
    with pytest.raises(keyring.KeyringError, match="no keyring configured"):
        vault.get_keyring()


def test_derived_keys_are_stable_per_purpose_and_survive_rotation(settings):
    settings.WAYPOINT_KEYRING = _ring()
    first = keyring._derive_key("blind-index:org-1")
    assert len(first) == 32
    assert keyring._derive_key("blind-index:org-1") == first
    assert keyring._derive_key("blind-index:org-2") != first
    assert first not in (bytes(range(200, 232)), bytes(range(32)), bytes(range(100, 132)))
    settings.WAYPOINT_KEYRING = _ring(keks=[{"id": "k-only", "key": KEY_A}])
    assert keyring._derive_key("blind-index:org-1") == first


def test_deriving_needs_a_purpose():
    with pytest.raises(ValueError, match="purpose"):
        keyring._derive_key("")


# Blind indexes already stored in databases were computed as
# HMAC-SHA256(HKDF-SHA256(hmac_root, salt "waypoint-vault-derive-v1", info purpose), data)[:16]
# with purpose "blind-index:<org id>:<kind>". These digests were computed that way, with the
# keyring of _ring(); if they change, every stored index stops matching.
ORG = uuid.UUID("6f1c2a9e-3b4d-4e5f-8a7b-0c1d2e3f4a5b")
PINNED = [
    (f"blind-index:{ORG}:name", "иванов иван", "146704ef5d52007edec121f291a1a45b"),
    (f"blind-index:{ORG}:phone", "79123456789", "b067cd0fc77ccc95abca271d5c33e2fa"),
]


@pytest.mark.parametrize(("purpose", "normal", "digest"), PINNED)
def test_blind_indexes_match_the_digests_already_stored(settings, purpose, normal, digest):
    settings.WAYPOINT_KEYRING = _ring()
    assert vault.blind_index(purpose, normal.encode("utf-8")).hex() == digest
    settings.WAYPOINT_KEYRING = _ring(keks=[{"id": "k-only", "key": KEY_A}])
    assert vault.blind_index(purpose, normal.encode("utf-8")).hex() == digest


@pytest.mark.parametrize(
    ("kind", "typed", "digest"),
    [("name", "Иванов  Иван", PINNED[0][2]), ("phone", "8 (912) 345-67-89", PINNED[1][2])],
)
def test_casework_blind_indexes_keep_their_stored_values(settings, kind, typed, digest):
    from casework.envelope.index import blind_index  # noqa: PLC0415 - the caller that stores

    settings.WAYPOINT_KEYRING = _ring()
    assert blind_index(organisation_id=ORG, kind=kind, value=typed).hex() == digest


def test_a_blind_index_is_the_truncated_hmac_under_the_purpose_key(settings):
    settings.WAYPOINT_KEYRING = _ring()
    full = hmac.new(keyring._derive_key("p"), b"data", hashlib.sha256).digest()
    assert vault.blind_index("p", b"data") == full[:16]
    assert vault.blind_index("p", b"data", length=32) == full
    assert vault.blind_index("p", b"data", length=8) == full[:8]
    assert vault.blind_index("q", b"data") != full[:16]


@pytest.mark.parametrize("length", [0, -1, 33])
def test_a_blind_index_has_1_to_32_bytes(settings, length):
    settings.WAYPOINT_KEYRING = _ring()
    with pytest.raises(ValueError, match="length must be 1 to 32 bytes"):
        vault.blind_index("p", b"data", length=length)


def test_a_blind_index_needs_bytes_and_a_purpose(settings):
    settings.WAYPOINT_KEYRING = _ring()
    with pytest.raises(TypeError, match="data must be bytes"):
        vault.blind_index("p", "text")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="purpose"):
        vault.blind_index("", b"data")


def test_the_signing_key_verifies_its_own_signatures(settings):
    settings.WAYPOINT_KEYRING = _ring()
    signature = vault.signing_key().sign(b"head 42")
    vault.verify_key().verify(signature, b"head 42")
    assert keyring.verify_key_pem().startswith("-----BEGIN PUBLIC KEY-----")


def test_generate_keyring_prints_a_new_usable_keyring(settings):
    outputs = []
    for _ in range(2):
        out = StringIO()
        call_command("generate_keyring", stdout=out)
        outputs.append(out.getvalue())
    rings = [keyring.parse(text) for text in outputs]
    assert len(rings[0].keks) == 1
    assert rings[0].current_key != rings[1].current_key
    assert rings[0].hmac_root != rings[1].hmac_root
    assert rings[0].current_id.startswith("k-")
    settings.WAYPOINT_KEYRING = outputs[0]
    assert vault.open(vault.seal(b"ok", aad=b"a"), aad=b"a") == b"ok"


def test_the_keyring_check_passes_with_a_valid_keyring(settings):
    settings.WAYPOINT_KEYRING = _ring()
    assert check_keyring(None) == []


def test_the_keyring_check_reports_a_malformed_keyring(settings):
    settings.WAYPOINT_KEYRING = _ring(keks=[{"id": "k", "key": SHORT}])
    errors = check_keyring(None)
    assert [error.id for error in errors] == ["vault.E001"]
    assert errors[0].msg == "The keyring cannot be used: keks[0].key must decode to 32 bytes."
    assert SHORT not in errors[0].msg
    assert "generate_keyring" in errors[0].hint


def test_the_keyring_check_reports_a_missing_keyring(settings):
    settings.WAYPOINT_KEYRING = ""
    errors = check_keyring(None)
    assert [error.id for error in errors] == ["vault.E001"]
    assert "no keyring configured" in errors[0].msg
