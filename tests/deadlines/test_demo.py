"""Demo deadlines (deadlines/demo.py): every fifth new case gets one due today, one later."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from accounts.models import Role
from deadlines.demo import seed_deadlines
from deadlines.models import Deadline
from tests.deadlines.conftest import due_of


def test_every_fifth_case_gets_a_deadline_due_today_and_one_in_ten_days(make_member, open_case):
    caseworker = make_member("get-lost", Role.CASEWORKER)
    cases = [open_case(by=caseworker) for _ in range(6)]
    assert seed_deadlines(cases=cases) == 2
    today = timezone.now().date()
    for case in cases:
        dates = sorted(due_of(d) for d in Deadline.objects.filter(case=case))
        expected = [today, today + timedelta(days=10)] if case.number in (1, 6) else []
        assert dates == expected, case.number
    assert set(Deadline.objects.values_list("created_by", flat=True)) == {caseworker.pk}
