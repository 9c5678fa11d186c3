"""ops/demo.py: the order of the demo steps, and the deadlines on the cases it creates."""

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
    assert [line.split(":")[0] for line in said] == ["Demo data", "Demo cases", "Demo dossier"]
    assert said[1] == "Demo cases: 18 new, up to 6 per organisation."
    assert said[2] == "Demo dossier: In review."
    # Cases 1 and 6 of each of the three partner organisations.
    assert _due_today() == 6
    demo.seed(credentials=tmp_path / "demo.json", cases=6, say=said.append)
    assert said[4] == "Demo cases: 0 new, up to 6 per organisation."
    assert _due_today() == 6
