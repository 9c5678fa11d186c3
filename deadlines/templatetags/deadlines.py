"""Deadline widgets for pages other apps render: the case page's panel and the dashboard."""

from __future__ import annotations

from django import template
from django.utils import timezone

from casework.selectors import is_assigned_caseworker
from deadlines import selectors
from deadlines.models import CaseRetention, CheckInSchedule, RetentionAction

register = template.Library()


@register.inclusion_tag("deadlines/_case_panel.html", takes_context=True)
def case_deadlines_panel(context, case):
    """The case's deadlines, for its assigned caseworkers only (two queries)."""
    user = context["request"].user
    assigned = is_assigned_caseworker(user=user, case=case)
    return {
        "case": case,
        "assigned": assigned,
        "deadlines": list(selectors.case_deadlines(user=user, case=case)) if assigned else [],
        "today": timezone.now().date(),
        "now": timezone.now(),
        "schedule": CheckInSchedule.objects.filter(case=case).first() if assigned else None,
        "retention": CaseRetention.objects.filter(case=case).first() if assigned else None,
        "erasures": list(
            RetentionAction.objects.filter(case=case, shredded_on__isnull=True, status=case.status)
        )
        if assigned
        else [],
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("deadlines/_dashboard_widget.html", takes_context=True)
def deadlines_due_widget(context):
    user = context["request"].user
    groups = selectors.my_deadlines(user=user)
    return {
        "groups": groups,
        "unread": selectors.unread_count(user=user),
        "urgent": selectors.urgent_notifications(user=user),
    }
