"""Key-encryption key epochs: the sealing key changes on a schedule, old ones are retired once
the backups made under them have expired, and a shredded section's page and shred_case say
until when an older copy could still open it. A copy of the wrapped keys taken before the
shredding stands for a backup."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection

import vault
from casework.envelope.epochs import (
    ERASED_NO_DATE,
    ERASED_OVERDUE,
    ERASED_UNTIL,
    erasure_statement,
)
from casework.envelope.store import wrap_aad
from casework.models import CaseKey
from casework.tasks import kek_epoch_task
from config.celery import BEAT_SCHEDULE
from tests.conftest import sign_in
from vault import rotation
from vault.keyring import generate, get_keyring
from vault.locks import only_one

START = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
RETENTION_AND_MARGIN = timedelta(days=7 + 7 * 5 + 1)  # the default backup retention, plus a day
EPOCH = timedelta(days=30)


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


def _tick(at: datetime) -> list[str]:
    with time_machine.travel(at, tick=False):
        return kek_epoch_task()


def test_the_epoch_task_is_on_the_beat_schedule():
    assert "casework.tasks.kek_epoch_task" in {e["task"] for e in BEAT_SCHEDULE.values()}


@pytest.mark.django_db
def test_an_epoch_adds_then_activates_then_retires_the_old_key_when_its_backups_expired(
    ring_file, case_getlost
):
    first = get_keyring().current_id
    added = _tick(START)
    assert added[0].startswith("added:")
    second = added[0].removeprefix("added:")
    assert _tick(START + timedelta(seconds=5)) == [f"activated:{second}", "rewrapped"]
    assert set(CaseKey.objects.values_list("kek_id", flat=True)) == {second}
    assert _tick(START + timedelta(days=10)) == []  # mid-epoch: nothing to do
    due = (START + timedelta(seconds=5)).date() + RETENTION_AND_MARGIN
    assert get_keyring().dates_of(first).retire_on == due
    assert f"retired:{first}" not in _tick(datetime.combine(due, START.timetz()) - timedelta(1))
    assert f"retired:{first}" in _tick(datetime.combine(due, START.timetz()))
    assert first not in vault.key_ids()


def _statement(client, case) -> str:
    html = client.get(case.get_absolute_url()).content.decode()
    start = html.index('id="section-location"')
    return html[start : html.index("</section>", start)]


@pytest.mark.django_db
def test_a_copy_taken_before_shredding_opens_until_the_epoch_retires_and_never_after(
    ring_file, client, case_getlost, caseworker_getlost
):
    _tick(START)
    activated = START + timedelta(seconds=5)
    _tick(activated)
    case = case_getlost
    aad = wrap_aad(case.pk, "location")
    # The copy (a backup, a database dump) taken before shredding.
    with time_machine.travel(activated + timedelta(days=1), tick=False):
        copy = bytes(CaseKey.objects.get(case=case, section="location").wrapped_key)
        out = StringIO()
        call_command("shred_case", case.reference, "--section", "location", "--noinput", stdout=out)
        until = (activated + EPOCH).date() + RETENTION_AND_MARGIN
        assert f"until {until.isoformat()}" in out.getvalue()
        sign_in(client, caseworker_getlost)
        page = _statement(client, case)
        assert "It can no longer be read here." in page
        assert f"until {until.isoformat()}" in page
    assert vault.open(copy, aad=aad)  # the copy still opens with the current keyring

    # The next epoch begins; the one that wrapped the copy ends and, later, is retired.
    next_epoch = activated + EPOCH
    _tick(next_epoch)
    _tick(next_epoch + timedelta(seconds=5))
    assert vault.open(copy, aad=aad)  # its key is still listed: backups may need it
    retired = _tick(datetime.combine(until, START.timetz()))
    assert any(step.startswith("retired:") for step in retired)
    with pytest.raises(vault.DecryptionError):
        vault.open(copy, aad=aad)
    with time_machine.travel(datetime.combine(until, START.timetz()), tick=False):
        sign_in(client, caseworker_getlost)
        page = _statement(client, case)
    assert "nor in any backup or copy made before" in page


@pytest.mark.django_db(transaction=True)
def test_a_second_tick_while_one_runs_does_nothing(ring_file):
    holding, done = threading.Event(), threading.Event()

    def other_worker() -> None:  # its own database session holds the epoch lock
        try:
            with only_one() as held:
                assert held
                holding.set()
                done.wait(10)
        finally:
            connection.close()

    worker = threading.Thread(target=other_worker)
    worker.start()
    try:
        assert holding.wait(10)
        assert kek_epoch_task() == ["busy"]
    finally:
        done.set()
        worker.join(10)
    assert vault.key_ids() == [get_keyring().current_id]


def test_a_keyring_without_dates_says_no_date_is_set_yet(ring_file):
    assert erasure_statement(START) == str(ERASED_NO_DATE)


def test_a_retirement_that_is_overdue_is_said_so_with_its_day(ring_file):
    first = get_keyring().current_id
    with time_machine.travel(START, tick=False):
        second = rotation.add_key(ring_file)
        rotation.make_current(ring_file, second, retire_previous_on=date(2027, 2, 1))
        get_keyring.reload_now()
        shredded = START + timedelta(hours=1)
    planned = START.date() + EPOCH + RETENTION_AND_MARGIN  # the sealing key's epoch end
    assert erasure_statement(shredded, today=planned) == str(ERASED_UNTIL) % {
        "date": planned.isoformat()
    }
    # Both keys are past their day but still listed (rows were left under them).
    late = planned + timedelta(days=1)
    assert first in vault.key_ids()
    assert erasure_statement(shredded, today=late) == str(ERASED_OVERDUE) % {
        "date": planned.isoformat()
    }
