"""ops/demo.py: the order of the demo steps, the deadlines on the cases it creates, and the
statistics releases the demo coordinator sees."""

from __future__ import annotations

import pytest
from django.utils import timezone

from deadlines.models import Deadline, DeadlineSource
from ops import demo
from tests.deadlines.conftest import due_of

pytestmark = pytest.mark.django_db


def _due_today() -> int:
    today = timezone.now().date()
    return sum(due_of(d) == today for d in Deadline.objects.filter(source=DeadlineSource.MANUAL))


def test_it_reports_each_step_and_gives_new_cases_deadlines_once(tmp_path):
    said: list[str] = []
    demo.seed(credentials=tmp_path / "demo.json", cases=6, say=said.append)
    assert [line.split(":")[0] for line in said] == [
        "Demo data",
        "Demo cases",
        "Demo dossier",
        "Demo statistics releases",
        "Demo intakes",
        "Demo contact page",
    ]
    assert said[1] == "Demo cases: 18 new, up to 6 per organisation."
    assert said[2] == "Demo dossier: In review."
    assert said[3] == "Demo statistics releases: 1, 2."
    assert said[4] == "Demo intakes: 2 new in Get Lost's triage queue."
    # Cases 1 and 6 of each of the three partner organisations.
    assert _due_today() == 6
    demo.seed(credentials=tmp_path / "demo.json", cases=6, say=said.append)
    assert said[7] == "Demo cases: 0 new, up to 6 per organisation."
    assert said[9] == "Demo statistics releases: none new."
    assert said[10] == "Demo intakes: 0 new in Get Lost's triage queue."
    assert said[5] == said[11]  # the same phrase, the contact intakes seeded once
    assert _due_today() == 6


def test_the_demo_coordinator_sees_two_releases(tmp_path, client):
    from accounts.models import User
    from tests.conftest import sign_in

    demo.seed(credentials=tmp_path / "demo.json", cases=6, say=lambda line: None)
    coordinator = User.objects.get(email="coordinator@coordination.example")
    body = sign_in(client, coordinator).get("/stats/releases/").content.decode()
    assert "Release 1" in body and "Release 2" in body
    assert "/stats/releases/2.csv" in body
