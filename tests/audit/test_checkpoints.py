"""Checkpoints stored outside the database: the database's owner rewrites an event and
recomputes the chain; the chain alone still verifies, the stored checkpoint does not."""

from __future__ import annotations

import json
import stat
from io import StringIO

import pytest
from celery.schedules import crontab
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError

from audit.checkpoints import ERR_STORED, MSG_NONE_STORED, newest_checkpoint_file
from audit.models import AuditEvent
from audit.tasks import store_checkpoint_task
from audit.verification import ERR_CHECKPOINT_SIGNATURE, PROBLEM_CHECKPOINT
from config.celery import app
from tests.audit.db import TABLE, tamper
from tests.audit.test_verify import failure_at, make_events, rechain_from
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("audit_verify", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def store() -> str:
    out = StringIO()
    call_command("audit_checkpoint", "--store", stdout=out)
    return out.getvalue()


def rewrite_and_rechain(seq: int) -> None:
    tamper(f"UPDATE {TABLE} SET object_id = 'forged' WHERE seq = %s", [seq])  # noqa: S608
    rechain_from(seq)


def test_a_rewritten_and_rechained_history_fails_against_the_stored_checkpoint(checkpoint_dir):
    events = make_events(6)
    assert store().startswith("checkpoint at event 6 stored in ")
    stored = newest_checkpoint_file()
    assert stored is not None and stored.parent == checkpoint_dir

    rewrite_and_rechain(3)

    # The chain alone is consistent again: this is what the owner of the table can do.
    chain_alone, _ = run("--no-checkpoint")
    assert chain_alone.startswith("7 events verified, head ")
    with pytest.raises(CommandError) as excinfo:
        run()
    assert excinfo.value.returncode == 1
    assert str(excinfo.value) == failure_at(6, PROBLEM_CHECKPOINT) + f" (checkpoint {stored})"
    assert AuditEvent.objects.get(seq=6).hash != events[5].hash


def test_an_intact_log_verifies_against_the_newest_stored_checkpoint(checkpoint_dir):
    make_events(3)
    store()
    make_events(2)
    store()
    newest = newest_checkpoint_file()
    files = sorted(checkpoint_dir.iterdir())

    out, err = run()

    assert [path.name for path in files][-1] == newest.name and len(files) == 2
    assert json.loads(newest.read_text())["checkpoint"]["seq"] == 6  # 3 + 1 signed + 2
    lines = out.splitlines()
    assert lines[0].startswith("7 events verified, head ")
    assert lines[1].startswith("checkpoint at event 6 (signed ")
    assert lines[1].endswith(f"matches ({newest})")
    assert err == ""


def test_it_says_clearly_when_no_checkpoint_is_stored(checkpoint_dir):
    make_events(2)

    out, err = run()

    assert out.startswith("2 events verified, head ")
    assert err.strip() == MSG_NONE_STORED.format(directory=checkpoint_dir)


def test_a_stored_checkpoint_that_was_edited_is_refused_naming_the_file():
    make_events(2)
    store()
    path = newest_checkpoint_file()
    document = json.loads(path.read_text())
    document["checkpoint"]["seq"] = 1
    path.write_text(json.dumps(document))

    with pytest.raises(CommandError) as excinfo:
        run()

    assert str(excinfo.value) == ERR_STORED.format(path=path, problem=ERR_CHECKPOINT_SIGNATURE)


def test_stored_files_are_private_and_the_folder_too(checkpoint_dir):
    make_events(1)
    store()

    path = newest_checkpoint_file()

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(checkpoint_dir.stat().st_mode) == 0o700
    assert [p.name for p in checkpoint_dir.iterdir()] == [path.name]  # no temporary left


def test_the_store_refuses_a_chain_broken_since_the_last_checkpoint():
    make_events(4)
    store()
    tamper(f"UPDATE {TABLE} SET object_id = 'forged' WHERE seq = 2")  # noqa: S608

    with pytest.raises(CommandError) as excinfo:
        store()

    assert "Refusing to sign" in str(excinfo.value)
    assert len(list(newest_checkpoint_file().parent.iterdir())) == 1


# --- The nightly task --------------------------------------------------------------------------


def test_the_checkpoint_task_is_scheduled_every_night():
    entry = app.conf.beat_schedule["audit-store-checkpoint-nightly"]

    assert entry["task"] == store_checkpoint_task.name == "audit.tasks.store_checkpoint_task"
    assert entry["task"] in app.tasks
    assert isinstance(entry["schedule"], crontab)
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({2}, {55})


def test_the_task_stores_a_checkpoint_of_the_verified_head(checkpoint_dir):
    events = make_events(3)

    store_checkpoint_task.apply().get()

    path = newest_checkpoint_file()
    assert path is not None and path.parent == checkpoint_dir
    assert json.loads(path.read_text())["checkpoint"]["hash"] == events[-1].hash
    last = AuditEvent.objects.order_by("-seq").first()
    assert (last.action, last.data) == ("audit.checkpoint.signed", {"head_seq": 3})
    assert mail.outbox == []


def test_the_task_on_a_rechained_history_stores_nothing_and_notifies_admins(checkpoint_dir):
    admin = UserFactory(is_superuser=True, is_staff=True)
    make_events(4)
    store_checkpoint_task.apply().get()
    rewrite_and_rechain(2)

    store_checkpoint_task.apply().get()

    assert len(list(checkpoint_dir.iterdir())) == 1
    last = AuditEvent.objects.order_by("-seq").first()
    assert (last.action, last.data) == ("audit.verify.failed", {"first_bad_seq": 4})
    assert [m.to for m in mail.outbox] == [[admin.email]]
    assert "forged" not in mail.outbox[0].body


def test_the_task_on_an_empty_log_stores_nothing_and_stays_quiet(checkpoint_dir):
    UserFactory(is_superuser=True, is_staff=True)

    store_checkpoint_task.apply().get()

    assert not checkpoint_dir.exists()
    assert mail.outbox == []
