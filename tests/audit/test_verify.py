"""audit_verify and audit_checkpoint: an insider who changes, removes, reorders or cuts off
events is caught, and a partner's signed checkpoint proves the history up to it."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path
from urllib.parse import quote

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

import vault
from audit.models import AuditEvent
from audit.services import CANONICAL_ENCODER, GENESIS, chain_hash, event_hash, record
from audit.verification import (
    ERR_CHECKPOINT_FORMAT,
    ERR_CHECKPOINT_SIGNATURE,
    ERR_EMPTY_LOG,
    PROBLEM_CHANGED,
    PROBLEM_CHECKPOINT,
    PROBLEM_CUT,
    PROBLEM_LINK,
    PROBLEM_MISSING,
    CheckpointError,
    parse_checkpoint,
    verify_chain,
)
from tests.audit.db import TABLE, tamper
from tests.conftest import require_service

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def make_events(count: int) -> list[AuditEvent]:
    return [
        record("case.section.viewed", actor=None, section="identity", count=index)
        for index in range(count)
    ]


def verify(*args: str) -> str:
    out = StringIO()
    call_command("audit_verify", *args, stdout=out)
    return out.getvalue()


def verify_fails(*args: str) -> str:
    with pytest.raises(CommandError) as excinfo:
        verify(*args)
    assert excinfo.value.returncode == 1
    return str(excinfo.value)


def failure_at(seq: int, problem: str) -> str:
    return f"Audit log verification failed at event {seq}: {problem}"


def checkpoint_file(tmp_path: Path) -> Path:
    out = StringIO()
    call_command("audit_checkpoint", stdout=out)
    path = tmp_path / "checkpoint.json"
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def rechain_from(seq: int) -> None:
    """What a careful insider does after changing event ``seq``: recompute every hash from
    there to the head, so that the chain is consistent again."""
    rows = list(
        AuditEvent.objects.filter(seq__gte=seq - 1)
        .order_by("seq")
        .values_list(
            "seq",
            "at",
            "actor_id",
            "organisation_id",
            "action",
            "object_type",
            "object_id",
            "request_id",
            "data",
            "hash",
        )
    )
    prev = GENESIS if seq == 1 else rows[0][-1]
    for row in rows[1:] if seq > 1 else rows:
        number, at, actor, org, action, otype, oid, rid, data, _old = row
        payload = CANONICAL_ENCODER.encode(
            [
                number,
                at.isoformat(timespec="microseconds"),
                str(actor or ""),
                str(org or ""),
                action,
                otype,
                oid,
                rid,
                data,
            ]
        ).encode("ascii")
        digest = chain_hash(prev, payload)
        tamper(
            f"UPDATE {TABLE} SET prev_hash = %s, hash = %s WHERE seq = %s",  # noqa: S608
            [prev, digest, number],
        )
        prev = digest


# --- Intact -----------------------------------------------------------------------------------


def test_an_intact_log_verifies_with_the_exact_summary_line():
    events = make_events(5)

    assert verify() == f"5 events verified, head {events[-1].hash}\n"


def test_an_empty_log_verifies_with_the_genesis_head():
    assert verify() == f"0 events verified, head {GENESIS}\n"


def test_it_verifies_across_many_chunks():
    events = make_events(25)

    result = verify_chain(chunk_size=4)

    assert result.ok
    assert (result.count, result.head_hash) == (25, events[-1].hash)


# --- Tampering ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("action", "auth.logout"),
        ("object_id", "another-object"),
        ("data", '{"section": "legal", "count": 3}'),
        ("at", "2020-01-01T00:00:00+00:00"),
        ("actor_id", "0b6c3a1e-2f6f-4b7a-9d57-0d7f3c1e9a11"),
        ("request_id", "0" * 32),
    ],
)
def test_it_names_the_event_whose_field_was_changed(column, value):
    make_events(6)
    assert tamper(f"UPDATE {TABLE} SET {column} = %s WHERE seq = 4", [value]) == 1  # noqa: S608

    assert verify_fails() == failure_at(4, PROBLEM_CHANGED)


def test_it_names_an_event_given_a_hash_that_is_not_its_own():
    events = make_events(6)
    forged_hash = chain_hash(events[2].prev_hash, b"forged")
    tamper(f"UPDATE {TABLE} SET action = 'auth.logout', hash = %s WHERE seq = 3", [forged_hash])  # noqa: S608

    assert verify_fails() == failure_at(3, PROBLEM_CHANGED)


def test_a_rewritten_and_rechained_history_breaks_the_link_to_the_untouched_rest():
    make_events(6)
    tamper(f"UPDATE {TABLE} SET object_id = 'forged' WHERE seq = 3")  # noqa: S608
    # Give event 3 the right hash for its new content: event 4 still points at the old one.
    tamper(
        f"UPDATE {TABLE} SET hash = %s WHERE seq = 3",  # noqa: S608
        [event_hash(AuditEvent.objects.get(seq=3))],
    )

    assert verify_fails() == failure_at(4, PROBLEM_LINK)


def test_it_names_a_deleted_event():
    make_events(6)
    assert tamper(f"DELETE FROM {TABLE} WHERE seq = 3") == 1  # noqa: S608

    assert verify_fails() == failure_at(3, PROBLEM_MISSING.format(next_seq=3))


def test_it_names_the_first_of_several_deleted_events():
    make_events(8)
    tamper(f"DELETE FROM {TABLE} WHERE seq BETWEEN 2 AND 4")  # noqa: S608

    assert verify_fails() == failure_at(2, PROBLEM_MISSING.format(next_seq=4))


def test_it_names_the_first_event_when_the_very_first_was_deleted():
    make_events(3)
    tamper(f"DELETE FROM {TABLE} WHERE seq = 1")  # noqa: S608

    assert verify_fails() == failure_at(1, PROBLEM_MISSING.format(next_seq=1))


def test_it_names_the_earlier_of_two_swapped_events():
    make_events(7)
    # Swap the places of events 2 and 5 (through a free number: seq is unique).
    tamper(f"UPDATE {TABLE} SET seq = -1 WHERE seq = 2")  # noqa: S608
    tamper(f"UPDATE {TABLE} SET seq = 2 WHERE seq = 5")  # noqa: S608
    tamper(f"UPDATE {TABLE} SET seq = 5 WHERE seq = -1")  # noqa: S608

    assert verify_fails() == failure_at(2, PROBLEM_CHANGED)


def test_it_names_the_earlier_of_two_events_whose_contents_were_swapped():
    make_events(7)
    columns = "at, actor_id, organisation_id, action, object_type, object_id, request_id, data"
    tamper(
        f"UPDATE {TABLE} AS a SET ({columns}, prev_hash, hash) = "  # noqa: S608
        f"(SELECT {columns}, prev_hash, hash FROM {TABLE} b "
        f"WHERE b.seq = CASE a.seq WHEN 3 THEN 6 ELSE 3 END) WHERE a.seq IN (3, 6)"
    )

    assert verify_fails() == failure_at(3, PROBLEM_CHANGED)


# --- Checkpoints --------------------------------------------------------------------------------


def test_a_checkpoint_of_the_head_verifies_and_is_reported(tmp_path):
    events = make_events(4)
    path = checkpoint_file(tmp_path)

    output = verify("--checkpoint", str(path))

    head = AuditEvent.objects.order_by("-seq").first()
    assert head.action == "audit.checkpoint.signed"
    assert head.data == {"head_seq": 4}
    lines = output.splitlines()
    assert lines[0] == f"5 events verified, head {head.hash}"
    assert lines[1].startswith("checkpoint at event 4 (signed ")
    assert json.loads(path.read_text())["checkpoint"]["hash"] == events[-1].hash


def test_events_cut_off_the_end_after_a_checkpoint_are_detected(tmp_path):
    make_events(6)
    path = checkpoint_file(tmp_path)  # covers event 6; the checkpoint event is 7
    tamper(f"DELETE FROM {TABLE} WHERE seq >= 5")  # noqa: S608

    # Without the checkpoint a clean cut at the end cannot be told from a shorter log...
    assert verify() == f"4 events verified, head {AuditEvent.objects.get(seq=4).hash}\n"
    # ...with it, it can.
    assert verify_fails("--checkpoint", str(path)) == failure_at(
        5, PROBLEM_CUT.format(last_seq=4, checkpoint_seq=6)
    )


def test_a_history_rewritten_and_rechained_up_to_the_head_fails_the_checkpoint(tmp_path):
    make_events(6)
    path = checkpoint_file(tmp_path)
    tamper(f"UPDATE {TABLE} SET object_id = 'forged' WHERE seq = 2")  # noqa: S608
    rechain_from(2)

    # A consistent chain again: only the checkpoint knows better.
    assert verify().startswith("7 events verified")
    assert verify_fails("--checkpoint", str(path)) == failure_at(6, PROBLEM_CHECKPOINT)


def test_the_checkpoint_signature_verifies_with_the_vault_key_and_not_after_a_byte_changes():
    events = make_events(3)
    out = StringIO()
    call_command("audit_checkpoint", stdout=out)
    document = json.loads(out.getvalue())
    statement = document["checkpoint"]
    signature = base64.b64decode(document["signature"])

    def message(body: dict) -> bytes:
        return json.dumps(body, sort_keys=True, separators=(",", ":")).encode("ascii")

    assert statement["seq"] == 3
    assert statement["hash"] == events[-1].hash
    vault.verify_key().verify(signature, message(statement))  # raises if it does not verify
    assert parse_checkpoint(out.getvalue()).hash == events[-1].hash

    for index in (0, 31, 63):
        forged = dict(statement)
        flipped = "1" if forged["hash"][index] != "1" else "2"
        forged["hash"] = forged["hash"][:index] + flipped + forged["hash"][index + 1 :]
        with pytest.raises(InvalidSignature):
            vault.verify_key().verify(signature, message(forged))
        with pytest.raises(CheckpointError) as excinfo:
            parse_checkpoint({**document, "checkpoint": forged})
        assert str(excinfo.value) == ERR_CHECKPOINT_SIGNATURE

    forged_seq = {**statement, "seq": 2}
    with pytest.raises(CheckpointError):
        parse_checkpoint({**document, "checkpoint": forged_seq})


def test_the_checkpoint_carries_the_public_key_a_partner_needs():
    make_events(1)
    out = StringIO()
    call_command("audit_checkpoint", stdout=out)
    document = json.loads(out.getvalue())

    carried = serialization.load_pem_public_key(document["public_key"].encode("ascii"))
    own = vault.verify_key()
    raw = serialization.Encoding.Raw, serialization.PublicFormat.Raw
    assert carried.public_bytes(*raw) == own.public_bytes(*raw)
    # A partner can check it with the carried key alone.
    carried.verify(
        base64.b64decode(document["signature"]),
        json.dumps(document["checkpoint"], sort_keys=True, separators=(",", ":")).encode(),
    )


def test_a_checkpoint_signed_with_another_key_is_refused_even_with_that_key_attached(tmp_path):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    events = make_events(2)
    forger = Ed25519PrivateKey.generate()
    statement = {
        "kind": "waypoint.audit.checkpoint",
        "version": 1,
        "seq": 2,
        "hash": events[-1].hash,
        "at": "2026-01-01T00:00:00.000000+00:00",
        "signed_at": "2026-01-01T00:00:00.000000+00:00",
    }
    body = json.dumps(statement, sort_keys=True, separators=(",", ":")).encode()
    document = {
        "checkpoint": statement,
        "signature": base64.b64encode(forger.sign(body)).decode(),
        "public_key": forger.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode(),
    }
    path = tmp_path / "forged.json"
    path.write_text(json.dumps(document))

    assert verify_fails("--checkpoint", str(path)) == ERR_CHECKPOINT_SIGNATURE


@pytest.mark.parametrize(
    "content",
    ["not json", "[]", '{"checkpoint": {}, "signature": ""}', '{"checkpoint": {"seq": 1}}'],
)
def test_a_file_that_is_not_a_checkpoint_is_refused(tmp_path, content):
    make_events(1)
    path = tmp_path / "bad.json"
    path.write_text(content)

    assert verify_fails("--checkpoint", str(path)) == ERR_CHECKPOINT_FORMAT


def test_audit_checkpoint_refuses_an_empty_log():
    with pytest.raises(CommandError) as excinfo:
        call_command("audit_checkpoint", stdout=StringIO())

    assert excinfo.value.returncode == 1
    assert str(excinfo.value) == ERR_EMPTY_LOG


def test_audit_checkpoint_refuses_to_sign_a_broken_chain():
    make_events(4)
    tamper(f"DELETE FROM {TABLE} WHERE seq = 2")  # noqa: S608

    with pytest.raises(CommandError) as excinfo:
        call_command("audit_checkpoint", stdout=StringIO())

    assert excinfo.value.returncode == 1
    assert "Refusing to sign" in str(excinfo.value)
    assert failure_at(2, PROBLEM_MISSING.format(next_seq=2)) in str(excinfo.value)
    assert not AuditEvent.objects.filter(action="audit.checkpoint.signed").exists()


# --- The real command line (PostgreSQL: a second process must see the committed rows) -------


def _database_url() -> str:
    db = connection.settings_dict
    auth = quote(db["USER"] or "")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"])
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _run_command(*args: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "WAYPOINT_KEYRING": settings.WAYPOINT_KEYRING,
        "WAYPOINT_CHECKPOINT_DIR": str(settings.WAYPOINT_CHECKPOINT_DIR),
    }
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
        check=False,
    )


@pytest.mark.django_db(transaction=True)
def test_the_command_line_exits_0_with_the_summary_and_1_naming_the_bad_event():
    require_service("PostgreSQL", connection.vendor == "postgresql", "set DATABASE_URL")
    events = make_events(5)

    intact = _run_command("audit_verify")
    assert (intact.returncode, intact.stdout) == (0, f"5 events verified, head {events[-1].hash}\n")

    tamper(f"UPDATE {TABLE} SET object_type = 'casework.case' WHERE seq = 2")  # noqa: S608
    broken = _run_command("audit_verify")
    assert broken.returncode == 1
    assert broken.stdout == ""
    assert failure_at(2, PROBLEM_CHANGED) in broken.stderr
