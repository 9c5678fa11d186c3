from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from audit.models import AuditEvent
from casework import envelope, workflow
from casework import services as casework_services
from casework.models import Status
from casework.sections import Section
from deadlines import services
from deadlines.models import (
    Notification,
    NotificationKind,
    OutboundEmail,
    RetentionAction,
    RetentionRule,
)

pytestmark = pytest.mark.django_db

DAY0 = date(2026, 4, 1)


@pytest.fixture
def protected_case(case_getlost, caseworker_getlost):
    for status in workflow.path(case_getlost.status, Status.PROTECTED):
        casework_services.case_change_status(
            case=case_getlost, by=caseworker_getlost, status=status
        )
    RetentionRule.objects.create(
        organisation=case_getlost.organisation,
        status=Status.PROTECTED,
        section=Section.LOCATION,
        keep_days=30,
    )
    return case_getlost


def _shredded(case) -> bool:
    return envelope.is_shredded(case_id=case.pk, section=Section.LOCATION)


def test_it_warns_14_days_ahead_then_shreds_the_section(
    protected_case, caseworker_getlost, admin_getlost
):
    assert services.retention_run(today=DAY0) == (0, 0)  # the clock starts today
    assert services.retention_run(today=DAY0 + timedelta(days=15)) == (0, 0)
    assert services.retention_run(today=DAY0 + timedelta(days=16)) == (1, 0)
    warned = Notification.objects.filter(kind=NotificationKind.RETENTION_WARNING)
    assert sorted(warned.values_list("user_id", flat=True)) == sorted(
        [caseworker_getlost.pk, admin_getlost.pk]
    )
    # Both are owed the content-free digest, handed to the worker by the same run.
    owed = OutboundEmail.objects.filter(queued_at__isnull=False)
    assert sorted(owed.values_list("user_id", flat=True)) == sorted(
        [caseworker_getlost.pk, admin_getlost.pk]
    )
    assert services.retention_run(today=DAY0 + timedelta(days=29)) == (0, 0)
    assert not _shredded(protected_case)
    assert services.retention_run(today=DAY0 + timedelta(days=30)) == (0, 1)
    assert _shredded(protected_case)
    assert not envelope.is_shredded(case_id=protected_case.pk, section=Section.IDENTITY)
    assert AuditEvent.objects.filter(action="case.shredded").count() == 1
    assert AuditEvent.objects.filter(action="retention.warned").count() == 1
    assert services.retention_run(today=DAY0 + timedelta(days=31)) == (0, 0)


def test_nothing_is_shredded_without_the_full_warning_period(protected_case):
    services.retention_run(today=DAY0)
    # A rule shortened after the fact: due already, but the warning comes first.
    RetentionRule.objects.update(keep_days=1)
    assert services.retention_run(today=DAY0 + timedelta(days=5)) == (1, 0)
    assert services.retention_run(today=DAY0 + timedelta(days=18)) == (0, 0)
    assert not _shredded(protected_case)
    assert services.retention_run(today=DAY0 + timedelta(days=19)) == (0, 1)
    assert _shredded(protected_case)


def test_a_legal_hold_stops_shredding(protected_case, caseworker_getlost):
    services.retention_run(today=DAY0)
    services.retention_hold_set(case=protected_case, by=caseworker_getlost, hold=True)
    assert services.retention_run(today=DAY0 + timedelta(days=100)) == (0, 0)
    assert not _shredded(protected_case)
    services.retention_hold_set(case=protected_case, by=caseworker_getlost, hold=False)
    assert services.retention_run(today=DAY0 + timedelta(days=101)) == (1, 0)
    assert not _shredded(protected_case)


def test_a_legal_hold_needs_an_assigned_caseworker_or_org_admin(
    protected_case, colleague_getlost, admin_getlost
):
    with pytest.raises(PermissionDenied):
        services.retention_hold_set(case=protected_case, by=colleague_getlost, hold=True)
    assert services.retention_hold_set(case=protected_case, by=admin_getlost, hold=True).legal_hold


def test_the_case_shows_the_erasure_countdown(signed_in, protected_case, caseworker_getlost):
    services.retention_run(today=DAY0)
    action = RetentionAction.objects.get()
    page = signed_in(caseworker_getlost).get(protected_case.get_absolute_url()).content.decode()
    assert "will be erased on" in page
    assert action.due_on.strftime("%Y") in page
    response = signed_in(caseworker_getlost).post(
        reverse("deadlines:legal_hold", args=[protected_case.reference]), {"hold": "on"}
    )
    assert response.status_code == 302
    assert protected_case.retention.legal_hold
