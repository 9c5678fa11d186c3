"""Rotating the key-encryption keys while another process keeps running: every phase, cases
written between phases, a retire that refuses while any row is under the key, and signing in
with an authenticator code afterwards."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django_otp.oath import TOTP

from accounts.models import TOTPDevice
from casework.envelope.store import wrap_aad
from casework.models import CaseKey
from casework.services import keyring as keyops
from tests.conftest import sign_in
from tests.factories import PASSWORD
from vault.keyring import generate, get_keyring, parse
from vault.locks import hold_sealing_lock

BASE_DIR = Path(__file__).resolve().parents[2]
TOTP_KEY = b"0123456789abcdef0123"

# The other process: opens a case's identity on request, with whatever keyring it holds.
READER = """
import sys
import django
django.setup()
import vault
from casework.envelope import SealedDataError, key_scope
from casework.models import Case, Person
print("READY", flush=True)
for line in sys.stdin:
    command, _, arg = line.strip().partition(" ")
    if command == "ids":
        print("IDS " + ",".join(vault.key_ids()), flush=True)
        continue
    try:
        with key_scope():
            case = Case.objects.get(pk=arg)
            person = Person.objects.get(case=case)
            print("OK " + case.envelope.open(person, "legal_name"), flush=True)
    except SealedDataError:
        print("UNREADABLE", flush=True)
"""


@pytest.fixture
def ring_file(tmp_path, settings, monkeypatch):
    """This test's own keyring in a file (WAYPOINT_KEYRING_FILE)."""
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


class Reader:
    """The other OS process, stopped by its own pid."""

    def __init__(self, keyring: Path) -> None:
        db = connection.settings_dict
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            "WAYPOINT_KEYRING_FILE": str(keyring),
        }
        env.pop("WAYPOINT_KEYRING", None)
        self.proc = subprocess.Popen(  # noqa: S603 - our own interpreter and script
            [sys.executable, "-c", READER],
            cwd=BASE_DIR,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._line() == "READY"

    def _line(self) -> str:
        assert self.proc.stdout is not None
        return self.proc.stdout.readline().strip()

    def ask(self, command: str) -> str:
        assert self.proc.stdin is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        return self._line()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=10)
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe is not None:
                pipe.close()


@pytest.fixture
def reader(ring_file):
    started = Reader(ring_file)
    yield started
    started.stop()


def _settled():
    """A few seconds later (the settle time of a keyring change has passed)."""
    return time_machine.travel(timezone.now() + timedelta(seconds=5), tick=True)


def _run(*args: str) -> str:
    out = StringIO()
    call_command("rotate_keys", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def _ids(path: Path) -> list[str]:
    return parse(path.read_text(encoding="utf-8")).ids()


def _kek_ids(case) -> set[str]:
    return set(CaseKey.objects.filter(case=case).values_list("kek_id", flat=True))


@pytest.mark.django_db(transaction=True)
def test_a_running_process_opens_old_and_new_cases_through_every_phase(
    ring_file, reader, open_case, caseworker_getlost
):
    old_id = get_keyring().current_id
    before = open_case(by=caseworker_getlost, legal_name="Old Case")
    assert reader.ask(f"open {before.pk}") == "OK Old Case"

    assert "does not seal yet" in _run("--add")
    new_id = _ids(ring_file)[-2]
    between = open_case(by=caseworker_getlost, legal_name="Between Add And Activate")
    assert _kek_ids(between) == {old_id}  # the added key does not seal yet
    with pytest.raises(CommandError, match="was added less than 2 seconds ago"):
        _run("--activate", new_id)
    time.sleep(2.1)
    # The other process learnt the new key from the file alone (no unknown id met yet).
    assert set(reader.ask("ids").removeprefix("IDS ").split(",")) == {old_id, new_id}
    _run("--activate", new_id)
    after = open_case(by=caseworker_getlost, legal_name="After Activate")
    assert _kek_ids(after) == {new_id}
    assert reader.ask(f"open {after.pk}") == "OK After Activate"
    assert reader.ask(f"open {between.pk}") == "OK Between Add And Activate"

    time.sleep(2.1)  # no process seals under the old key any more
    with pytest.raises(CommandError, match=f"Key {old_id} still wraps"):
        _run("--retire", old_id)
    assert "0 left under older keys" in _run("--rewrap")
    assert _kek_ids(before) == _kek_ids(between) == {new_id}
    assert "Retired key" in _run("--retire", old_id)
    assert _ids(ring_file) == [new_id]
    time.sleep(1.1)
    assert reader.ask("ids") == f"IDS {new_id}"
    for case, name in ((before, "Old Case"), (between, "Between Add And Activate")):
        assert reader.ask(f"open {case.pk}") == f"OK {name}"
    assert reader.proc.poll() is None  # it kept running throughout


@pytest.mark.django_db
def test_retire_refuses_while_a_row_written_after_the_rewrap_is_under_the_key(
    ring_file, open_case, caseworker_getlost
):
    old_id = get_keyring().current_id
    _run("--add")
    new_id = _ids(ring_file)[-2]
    _run("--activate", new_id, "--now")
    _run("--rewrap")
    # A process that still sealed under the old key writes a seed after the re-wrap.
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # noqa: PLC0415

    from vault.aead import _seal  # noqa: PLC0415 - seal under the old key on purpose

    device = TOTPDevice.objects.get(user=caseworker_getlost)
    old_key = parse(ring_file.read_text(encoding="utf-8")).kek(old_id)
    assert old_key is not None
    device.sealed_key = _seal(AESGCM(old_key), old_id, TOTP_KEY, device._aad())
    device.save(update_fields=["sealed_key"])
    with _settled(), pytest.raises(CommandError) as refused:
        _run("--retire", old_id)
    assert str(refused.value) == keyops.ERR_STILL_USED.format(
        key_id=old_id, rows=1, case_keys=0, seeds=1
    )
    assert old_id in _ids(ring_file)
    assert "re-wrapped 0 case data keys and 1 authenticator seeds" in _run("--rewrap")
    with _settled():
        _run("--retire", old_id)
    assert _ids(ring_file) == [new_id]


@pytest.mark.django_db
def test_status_lists_the_keys_the_sealing_one_and_rows_per_key(
    ring_file, open_case, caseworker_getlost
):
    old_id = get_keyring().current_id
    open_case(by=caseworker_getlost)
    _run("--add")
    new_id = _ids(ring_file)[-2]
    rows = {line.split(" | ")[0]: line for line in _run("--status").splitlines()[1:]}
    assert set(rows) == {old_id, new_id}
    assert rows[old_id].startswith(f"{old_id} | yes |") and rows[old_id].endswith("| 7 | 1")
    assert rows[new_id].startswith(f"{new_id} | no |") and rows[new_id].endswith("| 0 | 0")


def test_plain_rotate_keys_prints_the_phases_and_changes_nothing(ring_file):
    text = ring_file.read_text(encoding="utf-8")
    out = _run()
    assert "rotate_keys --add" in out and "--retire OLD_ID" in out
    assert ring_file.read_text(encoding="utf-8") == text


def _sign_in_with_code(client, user) -> int:
    client.post(reverse("accounts:login"), {"username": user.email, "password": PASSWORD})
    response = client.post(reverse("accounts:verify"), {"code": f"{TOTP(TOTP_KEY).token():06d}"})
    return response.status_code


@pytest.mark.django_db
def test_signing_in_with_an_authenticator_code_works_after_rotation(
    ring_file, client, caseworker_getlost
):
    old_id = get_keyring().current_id
    _run("--add")
    _run("--activate", _ids(ring_file)[-2], "--now")
    _run("--rewrap")
    with _settled():
        _run("--retire", old_id)
    assert _sign_in_with_code(client, caseworker_getlost) == 302
    assert client.session.get("otp_device_id")


@pytest.mark.django_db
def test_a_seed_under_a_key_no_process_holds_is_refused_calmly(
    ring_file, settings, client, caseworker_getlost
):
    # The keyring in use loses the key that sealed the seed (a broken rotation).
    settings.WAYPOINT_KEYRING = generate().to_json()
    get_keyring.cache_clear()
    assert _sign_in_with_code(client, caseworker_getlost) == 200
    assert not client.session.get("otp_device_id")


@pytest.mark.django_db(transaction=True)
def test_retire_waits_for_a_writer_still_sealing_under_the_key_and_counts_its_row(
    ring_file, open_case, caseworker_getlost
):
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # noqa: PLC0415

    from vault.aead import _seal  # noqa: PLC0415 - a writer with a stale keyring

    old_id = get_keyring().current_id
    old_key = get_keyring().kek(old_id)
    assert old_key is not None
    case = open_case(by=caseworker_getlost)
    _run("--add")
    _run("--activate", _ids(ring_file)[-2], "--now")
    _run("--rewrap")
    sealing, release = threading.Event(), threading.Event()

    def stale_writer() -> None:
        try:
            with transaction.atomic():
                hold_sealing_lock()
                sealed = _seal(AESGCM(old_key), old_id, bytes(32), wrap_aad(case.pk, "notes"))
                CaseKey.objects.filter(case=case, section="notes").update(
                    wrapped_key=sealed, kek_id=old_id
                )
                sealing.set()
                release.wait(10)
        finally:
            connection.close()

    writer = threading.Thread(target=stale_writer)
    writer.start()
    assert sealing.wait(10)
    threading.Timer(1.0, release.set).start()
    with _settled(), pytest.raises(CommandError, match=f"Key {old_id} still wraps 1 row"):
        _run("--retire", old_id)
    assert release.is_set()  # the retire waited for the writer's commit, then counted its row
    writer.join(10)
    assert old_id in _ids(ring_file)


@pytest.mark.django_db
def test_a_case_under_a_key_no_process_holds_gets_the_calm_error_page(
    ring_file, settings, client, case_getlost, caseworker_getlost
):
    from casework.web import UNREADABLE  # noqa: PLC0415

    sign_in(client, caseworker_getlost)
    # The keyring file and the keyring in use both lose the key (a broken rotation): the
    # process re-reads the file once, still misses the key, and fails closed.
    text = generate().to_json()
    ring_file.write_text(text, encoding="utf-8")
    settings.WAYPOINT_KEYRING = text
    get_keyring.cache_clear()
    page = client.get(case_getlost.get_absolute_url())
    assert page.status_code == 500
    assert escape(str(UNREADABLE)) in page.content.decode()
