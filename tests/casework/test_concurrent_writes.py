"""Concurrent edits of one case on PostgreSQL: every write path takes the case row first and
appends to the audit chain last (audit.services, "Lock order"), so mixed writers never
deadlock, every write lands and the chain verifies."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from audit.models import AuditEvent
from audit.verification import verify_chain
from casework import models as casework_models
from casework import services
from casework.models import Article, Case, Language, LegalExposure, Note, Status
from deadlines.models import Deadline, DeadlineKind, DeadlineSource
from deadlines.services import deadline_create
from tests.conftest import require_service

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
ROUNDS = 4
THREADS = 12
PROCESSES = 2


def _exposure(case: Case, by, index: int) -> None:
    services.exposure_add(
        case=case,
        by=by,
        absence_start=timezone.localdate() - timedelta(days=20 + index),
        details=f"exposure {index}",
        article=Article.A337_5,
        during_mobilisation=True,
        procedural_stage="none",
        wanted_level="none",
        exit_ban=False,
        passport_confiscated=False,
    )


def _identity(case: Case, by, index: int) -> None:
    services.person_update_identity(
        case=case,
        by=by,
        pseudonym="Heron",
        legal_name=f"Иванов Иван {index}",
        aliases=[],
        date_of_birth=None,
        citizenships=["RU"],
        passport_numbers=[],
        relatives_at_risk="",
    )


def _status(case: Case, by, index: int) -> None:
    # The only status writer: alternates, so each change differs from the one before.
    services.case_change_status(
        case=case, by=by, status=Status.TRIAGE if index % 2 == 0 else Status.INTAKE
    )


def _deadline(case: Case, by, index: int) -> None:
    kind, _ = DeadlineKind.objects.get_or_create(
        code="consulate_appointment", defaults={"name": "x"}
    )
    deadline_create(
        case=case, by=by, kind=kind, due_date=timezone.localdate() + timedelta(days=30 + index)
    )


def _statement(case: Case, by, index: int) -> None:
    services.testimony_add(
        case=case,
        by=by,
        language=Language.RUSSIAN,
        text=f"statement {index}",
        consent_dossier=False,
    )


def _note(case: Case, by, index: int) -> None:
    services.note_add(case=case, by=by, text=f"note {index}")


# Twelve writers: one changes the status, the others cycle through the kinds of write.
KINDS = [_statement, _exposure, _note, _identity, _deadline]
WRITERS = [_status] + [KINDS[i % len(KINDS)] for i in range(THREADS - 1)]


def _database_url() -> str:
    db = connection.settings_dict
    auth = quote(db["USER"] or "")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"])
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


# A second process writing notes and statements to the same case, through the same services.
PROCESS_SCRIPT = """
import sys
from casework import services
from casework.models import Case, Language
from accounts.models import User
case = Case.objects.get(reference=sys.argv[1])
by = User.objects.get(pk=sys.argv[2])
for index in range(int(sys.argv[3])):
    services.note_add(case=case, by=by, text=f"process note {index}")
    services.testimony_add(case=case, by=by, language=Language.RUSSIAN, text=f"process {index}",
                           consent_dossier=False)
"""


def _start_process(case: Case, by) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "WAYPOINT_KEYRING": settings.WAYPOINT_KEYRING,
    }
    return subprocess.Popen(
        [sys.executable, "-c", _bootstrap(), case.reference, str(by.pk), str(ROUNDS)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _bootstrap() -> str:
    return (
        "import os, django\n"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings')\n"
        "django.setup()\n" + PROCESS_SCRIPT
    )


def test_twelve_threads_and_two_processes_write_to_one_case_without_a_lost_edit(
    case_getlost, caseworker_getlost
):
    require_service("PostgreSQL", connection.vendor == "postgresql", "set DATABASE_URL")
    case, by = case_getlost, caseworker_getlost
    events_before = AuditEvent.objects.count()
    start = threading.Barrier(len(WRITERS))
    errors: list[BaseException] = []

    def run(write) -> None:
        try:
            mine = Case.objects.get(pk=case.pk)
            start.wait()
            for index in range(ROUNDS):
                write(mine, by, index)
        except BaseException as exc:  # noqa: BLE001 - reported by the test's thread
            errors.append(exc)
        finally:
            connection.close()

    processes = [_start_process(case, by) for _ in range(PROCESSES)]
    threads = [threading.Thread(target=run, args=(write,)) for write in WRITERS]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    outputs = [process.communicate(timeout=300) for process in processes]

    assert not any(thread.is_alive() for thread in threads)
    assert [repr(error) for error in errors] == []
    failures = [(p.returncode, out[1][-2000:]) for p, out in zip(processes, outputs, strict=True)]
    assert failures == [(0, "")] * PROCESSES

    writers_of = {kind: WRITERS.count(kind) * ROUNDS for kind in set(WRITERS)}
    assert Note.objects.filter(case=case).count() == writers_of[_note] + PROCESSES * ROUNDS
    assert casework_models.Testimony.objects.filter(case=case).count() == (
        writers_of[_statement] + PROCESSES * ROUNDS
    )
    # Statements are numbered without a gap or a repeat, whoever wrote them.
    numbers = sorted(
        casework_models.Testimony.objects.filter(case=case).values_list("number", flat=True)
    )
    assert numbers == list(range(1, len(numbers) + 1))
    assert LegalExposure.objects.filter(case=case).count() == writers_of[_exposure]
    assert (
        Deadline.objects.filter(case=case, source=DeadlineSource.MANUAL).count()
        == writers_of[_deadline]
    )
    assert case.status_changes.count() == 1 + ROUNDS
    result = verify_chain()
    assert result.ok, result.failure()
    assert AuditEvent.objects.count() > events_before
