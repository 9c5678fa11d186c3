"""The one inbox at /notifications/: deadline notifications and notices about access to one's
cases together, in the navigation with the unread count; a break-glass or an admin's
assignment shows who, when, the reason and the explanation (opened through the envelope
for those who may read the notes)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from casework import services as casework
from casework.models import AssignmentReason, BreakGlassReason, CaseNotice
from casework.selectors import EXPLANATION_CLOSED
from deadlines.models import Notification, NotificationKind
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

WHY = "Client phoned the hotline from a police station."
INBOX = "/notifications/"


def _name(user):
    return user.display_name or user.email


def _inbox(client, user):
    sign_in(client, user)
    response = client.get(reverse("deadlines:notifications"))
    assert response.status_code == 200
    return response.content.decode()


def test_the_inbox_is_at_notifications_and_in_the_navigation_with_the_unread_count(
    client, case_getlost, caseworker_getlost, admin_getlost
):
    assert reverse("deadlines:notifications") == INBOX
    sign_in(client, caseworker_getlost)
    page = client.get(reverse("dashboard")).content.decode()
    assert f'href="{INBOX}"' in page
    assert "data-unread" not in page
    casework.break_glass(
        case=case_getlost, by=admin_getlost, reason=BreakGlassReason.CRISIS, explanation=WHY
    )
    Notification.objects.create(
        user=caseworker_getlost, kind=NotificationKind.CHECKIN_MISSED, case=case_getlost
    )
    page = client.get(reverse("dashboard")).content.decode()
    assert 'data-unread="2"' in page


def test_a_break_glass_notice_says_who_when_why_and_the_explanation(
    client, case_getlost, caseworker_getlost, admin_getlost
):
    glass = casework.break_glass(
        case=case_getlost, by=admin_getlost, reason=BreakGlassReason.CRISIS, explanation=WHY
    )
    body = _inbox(client, caseworker_getlost)
    assert case_getlost.reference in body
    assert _name(admin_getlost) in body
    assert escape(str(BreakGlassReason.CRISIS.label)) in body
    assert WHY in body
    assert glass.started_at.strftime("%Y-%m-%d %H:%M") in body


def test_the_explanation_stays_closed_to_someone_no_longer_on_the_case(
    client, caplog, case_getlost, caseworker_getlost, colleague_getlost, admin_getlost
):
    casework.case_assign(
        case=case_getlost,
        by=caseworker_getlost,
        caseworkers=[caseworker_getlost, colleague_getlost],
    )
    casework.break_glass(
        case=case_getlost, by=admin_getlost, reason=BreakGlassReason.SAFETY, explanation=WHY
    )
    casework.case_assign(case=case_getlost, by=colleague_getlost, caseworkers=[colleague_getlost])
    caplog.clear()
    body = _inbox(client, caseworker_getlost)
    # Asked before opening: an expected refusal is not logged as a security event.
    assert "sealed_data_rejected" not in caplog.text
    assert _name(admin_getlost) in body  # the notice stays theirs
    assert WHY not in body
    assert escape(str(EXPLANATION_CLOSED)) in body
    assert WHY in _inbox(client, colleague_getlost)


def test_an_admins_assignment_notice_says_who_assigned_whom_and_why(
    client, case_getlost, caseworker_getlost, colleague_getlost, admin_getlost
):
    casework.case_assign(
        case=case_getlost,
        by=admin_getlost,
        caseworkers=[caseworker_getlost, colleague_getlost],
        reason=AssignmentReason.WORKLOAD,
        explanation=WHY,
    )
    body = _inbox(client, caseworker_getlost)
    assert _name(admin_getlost) in body and _name(colleague_getlost) in body
    assert escape(str(AssignmentReason.WORKLOAD.label)) in body
    assert WHY in body


def test_marking_read_clears_deadline_notifications_and_case_notices_together(
    client, case_getlost, caseworker_getlost, admin_getlost
):
    casework.break_glass(
        case=case_getlost, by=admin_getlost, reason=BreakGlassReason.CRISIS, explanation=WHY
    )
    Notification.objects.create(
        user=caseworker_getlost, kind=NotificationKind.CHECKIN_MISSED, case=case_getlost
    )
    sign_in(client, caseworker_getlost)
    response = client.post(reverse("deadlines:notifications"))
    assert response.status_code == 302
    assert not CaseNotice.objects.filter(user=caseworker_getlost, read_at__isnull=True).exists()
    assert not Notification.objects.filter(user=caseworker_getlost, read_at__isnull=True).exists()
    assert CaseNotice.objects.filter(user=caseworker_getlost, read_at__lte=timezone.now()).exists()
    page = client.get(reverse("dashboard")).content.decode()
    assert "data-unread" not in page


def test_the_referrals_page_no_longer_keeps_notices_of_its_own(
    client, case_getlost, caseworker_getlost, admin_getlost
):
    casework.break_glass(
        case=case_getlost, by=admin_getlost, reason=BreakGlassReason.CRISIS, explanation=WHY
    )
    sign_in(client, caseworker_getlost)
    body = client.get(reverse("casework:referrals")).content.decode()
    assert WHY not in body and "Mark all as read" not in body


def test_the_unread_count_leaves_out_what_the_inbox_no_longer_shows(
    client, case_getlost, caseworker_getlost, colleague_getlost
):
    Notification.objects.create(
        user=caseworker_getlost, kind=NotificationKind.DEADLINE, case=case_getlost
    )
    sign_in(client, caseworker_getlost)
    assert 'data-unread="1"' in client.get(reverse("dashboard")).content.decode()
    # Taken off the case: its deadlines are no longer theirs to see, nor to count.
    casework.case_assign(
        case=case_getlost,
        by=caseworker_getlost,
        caseworkers=[caseworker_getlost, colleague_getlost],
    )
    casework.case_assign(case=case_getlost, by=colleague_getlost, caseworkers=[colleague_getlost])
    assert "data-unread" not in client.get(reverse("dashboard")).content.decode()
