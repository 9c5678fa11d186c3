"""Deadline widgets for pages other apps render: the case page's panel and the dashboard."""

from __future__ import annotations

from django import template
from django.utils import timezone

from casework.selectors import is_assigned_caseworker
from deadlines import selectors, triage

register = template.Library()


@register.inclusion_tag("deadlines/_case_panel.html", takes_context=True)
def case_deadlines_panel(context, case):
    """The case's deadlines, check-in schedule and retention, for its assigned caseworkers
    only: two queries (selectors.case_deadlines, selectors.case_upkeep), one more for each of
    changed deadlines and sections due for erasure."""
    user = context["request"].user
    assigned = is_assigned_caseworker(user=user, case=case)
    upkeep = selectors.case_upkeep(case=case) if assigned else None
    return {
        "case": case,
        "assigned": assigned,
        "deadlines": list(selectors.case_deadlines(user=user, case=case)) if assigned else [],
        "today": timezone.now().date(),
        "now": timezone.now(),
        "schedule": upkeep.schedule if upkeep else None,
        "retention": upkeep.retention if upkeep else None,
        "erasures": upkeep.erasures if upkeep else [],
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("deadlines/_dashboard_widget.html", takes_context=True)
def deadlines_due_widget(context):
    """The tasks overdue and due this week: a few of each and their counts (bounded:
    deadlines.triage.due_tasks), with the unread and urgent notifications."""
    user = context["request"].user
    return {
        "tasks": triage.due_tasks(user=user),
        "unread": selectors.unread_count(user=user),
        "urgent": selectors.urgent_notifications(user=user),
    }


@register.inclusion_tag("deadlines/_checkins_widget.html", takes_context=True)
def missed_checkins_widget(context):
    """The user's cases with a missed welfare check-in: a few and the count (two queries)."""
    return {"missed": triage.missed_checkins(user=context["request"].user)}


@register.simple_tag(takes_context=True)
def attach_next_deadlines(context, cases) -> str:
    """Sets ``next_deadline`` on each listed case (None: none, or not the reader's to see),
    for the case list's column. Renders nothing."""
    cases = list(cases)
    found = selectors.next_deadlines(user=context["request"].user, cases=cases)
    for case in cases:
        case.next_deadline = found.get(case.pk)
    return ""
