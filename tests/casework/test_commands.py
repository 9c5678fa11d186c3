"""Operator commands: rotate_keys, export_case, shred_case."""

from __future__ import annotations

import json
import os
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.core.management.base import OutputWrapper

import vault
from accounts.models import TOTPDevice
from audit.models import AuditEvent
from casework import envelope, services
from casework.envelope import SectionShredded
from casework.management.commands._progress import Progress
from casework.models import CaseKey, Document, DocumentChunk, DocumentType, Person
from casework.sections import SECTIONS, Section
from tests.casework.test_uploads import jpeg_with_gps_xmp_comment
from vault.aead import key_id_of
from vault.keyring import generate, get_keyring, parse


@pytest.fixture
def keyring_file(tmp_path, settings, monkeypatch):
    """This test's own keyring in a file (WAYPOINT_KEYRING_FILE), never the dev keyring."""
    path = tmp_path / "keyring.json"
    text = generate().to_json()
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)
    monkeypatch.setenv("WAYPOINT_KEYRING_FILE", str(path))
    monkeypatch.delenv("WAYPOINT_KEYRING", raising=False)
    settings.WAYPOINT_KEYRING = text
    get_keyring.cache_clear()
    yield path
    get_keyring.cache_clear()


def _run(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _rotate(batch: str = "500") -> str:
    """All phases but retiring: add, activate at once, re-wrap. Returns the new key's id."""
    _run("rotate_keys", "--add")
    new_id = parse(_file_text()).ids()[-2]
    _run("rotate_keys", "--activate", new_id, "--now")
    _run("rotate_keys", "--rewrap", "--batch-size", batch)
    return new_id


def _file_text() -> str:
    with open(os.environ["WAYPOINT_KEYRING_FILE"], encoding="utf-8") as fh:
        return fh.read()


def _use_only_newest_key(settings, path) -> str:
    """Drops every KEK but the newest from the keyring in use."""
    ring = parse(path.read_text(encoding="utf-8"))
    newest = ring.keks[-1]
    data = json.loads(ring.to_json())
    data["keks"] = [k for k in data["keks"] if k["id"] == newest[0]]
    settings.WAYPOINT_KEYRING = json.dumps(data)
    get_keyring.cache_clear()
    return newest[0]


def test_rotation_rewraps_keys_so_content_opens_without_the_old_key(
    keyring_file, settings, open_case, caseworker_getlost
):
    case = open_case(by=caseworker_getlost, legal_name="Соколов Роман")
    old_id = get_keyring().current_id
    person = Person.objects.get(case=case)
    sealed_before = bytes(person.legal_name)
    _run("rotate_keys", "--add")
    _run("rotate_keys", "--activate", parse(_file_text()).ids()[-2], "--now")
    out, err = _run("rotate_keys", "--rewrap", "--batch-size", "3")
    ring = parse(keyring_file.read_text(encoding="utf-8"))
    assert ring.ids()[0] == old_id and len(ring.ids()) == 2
    assert keyring_file.stat().st_mode & 0o777 == 0o600
    assert f"re-wrapped {len(SECTIONS)} case data keys" in out
    assert "case data keys [" in err  # the progress line
    new_id = _use_only_newest_key(settings, keyring_file)
    assert set(CaseKey.objects.values_list("kek_id", flat=True)) == {new_id}
    person = Person.objects.get(case=case)
    assert bytes(person.legal_name) == sealed_before  # content was not re-encrypted
    assert case.envelope.open(person, "legal_name") == "Соколов Роман"
    events = AuditEvent.objects.filter(action__startswith="keys.").values_list("action", flat=True)
    assert list(events) == ["keys.kek_added", "keys.kek_activated", "keys.rewrapped"]


def test_rotation_reseals_authenticator_seeds(keyring_file, settings, caseworker_getlost):
    device = TOTPDevice.objects.get(user=caseworker_getlost)
    seed = device.bin_key
    _rotate()
    new_id = _use_only_newest_key(settings, keyring_file)
    device.refresh_from_db()
    assert key_id_of(bytes(device.sealed_key)) == new_id
    assert device.bin_key == seed


def test_rotation_resumes_with_only_the_rows_left_under_older_keys(
    keyring_file, settings, open_case, caseworker_getlost
):
    first = open_case(by=caseworker_getlost)
    second = open_case(by=caseworker_getlost)
    _rotate()
    new_id = get_keyring().current_id
    # Simulate an interrupted run: the second case's keys are still under the old key.
    ring = parse(keyring_file.read_text(encoding="utf-8"))
    old_id, old_key = ring.keks[0]
    for row in CaseKey.objects.filter(case=second):
        aad = envelope.store.wrap_aad(second.pk, row.section)
        key = vault.open(bytes(row.wrapped_key), aad=aad)
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # noqa: PLC0415

        from vault.aead import _seal  # noqa: PLC0415 - re-wrap under the old key on purpose

        CaseKey.objects.filter(pk=row.pk).update(
            wrapped_key=_seal(AESGCM(old_key), old_id, key, aad), kek_id=old_id
        )
    untouched = {r.pk: bytes(r.wrapped_key) for r in CaseKey.objects.filter(case=first)}
    out, _ = _run("rotate_keys", "--rewrap")
    assert f"re-wrapped {len(SECTIONS)} case data keys" in out
    assert {r.pk: bytes(r.wrapped_key) for r in CaseKey.objects.filter(case=first)} == untouched
    assert set(CaseKey.objects.values_list("kek_id", flat=True)) == {new_id}


def test_with_the_keyring_in_a_variable_rotation_prints_the_new_keyring_and_changes_nothing(
    settings, monkeypatch, case_getlost
):
    text = generate().to_json()
    monkeypatch.delenv("WAYPOINT_KEYRING_FILE", raising=False)
    monkeypatch.setenv("WAYPOINT_KEYRING", text)
    settings.WAYPOINT_KEYRING = text
    get_keyring.cache_clear()
    try:
        before = {r.pk: bytes(r.wrapped_key) for r in CaseKey.objects.all()}
        out, err = _run("rotate_keys", "--add")
        printed = parse(out)
        assert len(printed.ids()) == 2 and printed.ids()[0] == parse(text).ids()[0]
        assert "rotate_keys --rewrap" in err
        assert {r.pk: bytes(r.wrapped_key) for r in CaseKey.objects.all()} == before
    finally:
        get_keyring.cache_clear()


def _photo(case, by) -> Document:
    return services.document_upload(
        case=case,
        by=by,
        document_type=DocumentType.objects.get(code="photo"),
        data=jpeg_with_gps_xmp_comment(),
        original_name="photo.jpg",
    )


def test_shredding_one_section_leaves_the_others_readable_and_export_names_it(
    case_getlost, caseworker_getlost
):
    services.case_verify(case=case_getlost, by=caseworker_getlost)
    services.location_update(
        case=case_getlost,
        by=caseworker_getlost,
        country=case_getlost.location.country,
        legal_basis="visa_free",
        region="Almaty region",
        stay_expires=None,
        route_notes="via the steppe",
    )
    services.note_add(case=case_getlost, by=caseworker_getlost, text="keep")
    out, _ = _run("shred_case", case_getlost.reference, "--section", "location", "--noinput")
    assert "Shredded: location." in out
    location = type(case_getlost.location).objects.get(case=case_getlost)
    with pytest.raises(SectionShredded):
        case_getlost.envelope.open(location, "region")
    person = Person.objects.get(case=case_getlost)
    assert case_getlost.envelope.open(person, "legal_name") == "Иванов Иван Иванович"
    exported = json.loads(_run("export_case", case_getlost.reference)[0])
    assert exported["location"] == {"shredded": True}
    assert exported["shredded_sections"] == ["location"]
    assert exported["identity"]["legal_name"] == "Иванов Иван Иванович"
    assert exported["notes"][0]["text"] == "keep"
    # The shell and statistics fields stay.
    assert exported["case"]["country"] == "KZ" and exported["case"]["status"] == "intake"
    event = AuditEvent.objects.get(action="case.shredded")
    assert event.data == {"sections": ["location"]} and event.actor_id is None


def test_shredding_a_whole_case_removes_files_and_search_entries(
    case_getlost, caseworker_getlost, _media_root, django_capture_on_commit_callbacks
):
    document = _photo(case_getlost, caseworker_getlost)
    assert DocumentChunk.objects.filter(document=document).exists()
    with django_capture_on_commit_callbacks(execute=True):
        _run("shred_case", case_getlost.reference, "--noinput")
    assert not DocumentChunk.objects.filter(document=document).exists()
    assert CaseKey.objects.filter(case=case_getlost, shredded_at__isnull=True).count() == 0
    assert not Person.objects.get(case=case_getlost).index_entries.exists()
    exported = json.loads(_run("export_case", case_getlost.reference)[0])
    assert all(exported[s] == {"shredded": True} for s in SECTIONS)
    assert exported["pseudonym"] == "Heron"


def test_shredding_asks_for_the_reference_when_interactive(case_getlost, monkeypatch):
    monkeypatch.setattr("builtins.input", lambda prompt: "GL-0000-0000")
    with pytest.raises(CommandError, match="Nothing was shredded"):
        _run("shred_case", case_getlost.reference)
    assert not CaseKey.objects.filter(shredded_at__isnull=False).exists()


def test_export_gives_the_complete_file_and_is_audited(case_getlost, caseworker_getlost):
    services.testimony_add(
        case=case_getlost,
        by=caseworker_getlost,
        language="ru",
        text="Показания",
        consent_dossier=True,
    )
    _photo(case_getlost, caseworker_getlost)
    exported = json.loads(_run("export_case", case_getlost.reference)[0])
    assert exported["reference"] == case_getlost.reference
    assert exported["testimony"][0]["text"] == "Показания"
    assert exported["documents"][0]["content_base64"]
    assert set(SECTIONS) <= set(exported)
    assert AuditEvent.objects.filter(
        action="case.exported", object_id=str(case_getlost.pk)
    ).exists()


def test_export_of_an_unknown_reference_fails_clearly(db):
    with pytest.raises(CommandError, match="No case has this reference"):
        _run("export_case", "GL-2026-9999")


def test_a_shredded_section_refuses_new_content(case_getlost, caseworker_getlost):
    from django.core.exceptions import ValidationError

    services.case_shred(case=case_getlost, by=None, sections=[Section.NOTES])
    with pytest.raises(ValidationError) as refused:
        services.note_add(case=case_getlost, by=caseworker_getlost, text="late")
    assert refused.value.messages == [str(services.ERR_SHREDDED)]


def _read_all(master: int) -> bytes:
    """Everything written to a pty whose other end is closed (Linux then answers EIO)."""
    chunks = []
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


def test_progress_rewrites_one_line_on_a_terminal_through_a_commands_stderr():
    # rotate_keys hands Progress its self.stderr, an OutputWrapper, which ends every write
    # with a newline unless told otherwise. A real terminal (a pty) shows what reaches it.
    master, replica = os.openpty()
    try:
        with open(replica, "w", encoding="utf-8") as terminal:
            progress = Progress("keys", 2, OutputWrapper(terminal), every=0)
            progress.advance(1)
            progress.advance(1)
            progress.finish()
        shown = _read_all(master).decode()
    finally:
        os.close(master)
    half, full = "#" * 15 + "-" * 15, "#" * 30
    # The terminal turns the final "\n" into "\r\n".
    assert shown == f"\rkeys [{half}] 1/2\rkeys [{full}] 2/2\r\n"
