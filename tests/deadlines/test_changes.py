"""Changing a deadline by hand: extensions with a reason and a visible history, and
information dates (a legal effect beginning) that are never overdue tasks."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.core.exceptions import ValidationError

from audit.models import AuditEvent
from casework.envelope import key_scope
from deadlines import selectors, services
from deadlines.models import Deadline, DeadlineChange, DeadlineKind, DeadlineSource, ReminderClaim
from tests.conftest import sign_in
from tests.deadlines.conftest import due_of

pytestmark = pytest.mark.django_db

NOW = "2026-03-10 09:00:00+00:00"


@pytest.fixture
def dublin(db):
    return DeadlineKind.objects.get(code="dublin_transfer")


def _dublin_deadline(case, by, kind):
    return services.deadline_create(
        case=case, by=by, kind=kind, due_date=date(2026, 9, 10), note="Transfer to Poland"
    )


@time_machine.travel(NOW, tick=False)
def test_it_extends_a_dublin_transfer_twice_and_keeps_the_history(
    case_getlost, caseworker_getlost, dublin
):
    deadline = _dublin_deadline(case_getlost, caseworker_getlost, dublin)
    ReminderClaim.objects.create(
        deadline=deadline, offset=14, run="00000000-0000-0000-0000-000000000001"
    )
    with time_machine.travel("2026-04-01 09:00:00+00:00", tick=False):
        services.deadline_change(
            deadline=deadline,
            by=caseworker_getlost,
            due_date=date(2027, 3, 10),
            reason="Prison: 12",
        )
    deadline.refresh_from_db()
    with time_machine.travel("2026-09-01 09:00:00+00:00", tick=False):
        services.deadline_change(
            deadline=deadline,
            by=caseworker_getlost,
            due_date=date(2027, 9, 10),
            reason="Absconded: 18",
        )
    deadline.refresh_from_db()
    assert due_of(deadline) == date(2027, 9, 10)
    assert deadline.due_month == date(2027, 9, 1)
    # The reminders start over for the new day.
    assert not ReminderClaim.objects.filter(deadline=deadline).exists()
    with key_scope(user=caseworker_getlost):
        opened = selectors.case_deadlines(user=caseworker_getlost, case=case_getlost)
    [shown] = opened
    assert [(h["before"], h["after"], h["reason"]) for h in shown.history] == [
        (date(2026, 9, 10), date(2027, 3, 10), "Prison: 12"),
        (date(2027, 3, 10), date(2027, 9, 10), "Absconded: 18"),
    ]
    assert shown.note_text == "Transfer to Poland"
    # The history is sealed: no clear reason in the table.
    assert b"Prison" not in bytes(DeadlineChange.objects.first().reason)
    assert AuditEvent.objects.filter(action="deadline.changed").count() == 2


@time_machine.travel(NOW, tick=False)
def test_it_refuses_a_change_without_a_reason_and_changes_nothing(
    case_getlost, caseworker_getlost, dublin
):
    deadline = _dublin_deadline(case_getlost, caseworker_getlost, dublin)
    with pytest.raises(ValidationError) as error:
        services.deadline_change(
            deadline=deadline, by=caseworker_getlost, due_date=date(2027, 3, 10), reason="  "
        )
    assert error.value.messages == [str(services.ERR_REASON)]
    assert due_of(Deadline.objects.get(pk=deadline.pk)) == date(2026, 9, 10)
    assert not DeadlineChange.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_it_refuses_to_change_a_computed_deadline(case_getlost, caseworker_getlost, dublin):
    deadline = _dublin_deadline(case_getlost, caseworker_getlost, dublin)
    Deadline.objects.filter(pk=deadline.pk).update(source=DeadlineSource.ART_337, source_key="x")
    deadline.refresh_from_db()
    with pytest.raises(ValidationError) as error:
        services.deadline_change(
            deadline=deadline, by=caseworker_getlost, due_date=date(2027, 3, 10), reason="r"
        )
    assert error.value.messages == [str(services.ERR_COMPUTED)]


@time_machine.travel(NOW, tick=False)
def test_it_refuses_a_change_by_a_caseworker_not_assigned(
    case_getlost, caseworker_getlost, colleague_getlost, dublin
):
    from django.core.exceptions import PermissionDenied

    deadline = _dublin_deadline(case_getlost, caseworker_getlost, dublin)
    with pytest.raises(PermissionDenied):
        services.deadline_change(
            deadline=deadline, by=colleague_getlost, due_date=date(2027, 3, 10), reason="r"
        )
    assert not DeadlineChange.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_the_case_page_shows_the_note_and_the_extension_history(
    client, case_getlost, caseworker_getlost, dublin
):
    deadline = _dublin_deadline(case_getlost, caseworker_getlost, dublin)
    sign_in(client, caseworker_getlost)
    url = f"/cases/{case_getlost.reference}/deadlines/{deadline.pk}/edit/"
    response = client.post(
        url, {"due_date": "2027-03-10", "note": "Transfer to Poland", "reason": "Extended to 12"}
    )
    assert response.status_code == 302
    body = client.get(case_getlost.get_absolute_url()).content.decode()
    assert "Transfer to Poland" in body
    assert "Extended to 12" in body
    assert "10 Sep → 10 Mar 2027" in body


@time_machine.travel(NOW, tick=False)
def test_the_change_form_shows_a_missing_reason_and_keeps_the_day(
    client, case_getlost, caseworker_getlost, dublin
):
    deadline = _dublin_deadline(case_getlost, caseworker_getlost, dublin)
    sign_in(client, caseworker_getlost)
    url = f"/cases/{case_getlost.reference}/deadlines/{deadline.pk}/edit/"
    response = client.post(url, {"due_date": "2027-03-10", "note": "", "reason": ""})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert due_of(Deadline.objects.get(pk=deadline.pk)) == date(2026, 9, 10)


@time_machine.travel(NOW, tick=False)
def test_an_information_date_that_passed_is_not_overdue(case_getlost, caseworker_getlost):
    threshold = DeadlineKind.objects.get(code="art337_threshold")
    assert threshold.information
    passed = services.deadline_create(
        case=case_getlost, by=caseworker_getlost, kind=threshold, due_date=date(2025, 11, 1)
    )
    assert passed.information
    groups = selectors.my_deadlines(user=caseworker_getlost)
    assert groups.overdue == []
    assert [d.pk for d in groups.information] == [passed.pk]
    assert groups.information[0].effect is not None


@time_machine.travel(NOW, tick=False)
def test_art337_thresholds_computed_from_an_absence_are_information_dates(
    case_getlost, caseworker_getlost
):
    from casework import services as casework_services
    from casework.models import Article

    casework_services.exposure_add(
        case=case_getlost,
        by=caseworker_getlost,
        absence_start=date(2025, 10, 1),
        article=Article.A337_5,
        during_mobilisation=True,
        procedural_stage="none",
        wanted_level="none",
        exit_ban=False,
        passport_confiscated=False,
        details="",
    )
    computed = Deadline.objects.filter(case=case_getlost, source=DeadlineSource.ART_337)
    assert computed.exists()
    assert not computed.filter(information=False).exists()
    assert selectors.my_deadlines(user=caseworker_getlost).overdue == []
