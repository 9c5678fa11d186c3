"""The dashboard's intakes widget: cases of the active organisation waiting at intake or triage."""

from __future__ import annotations

from django import template

from accounts.selectors import active_membership
from casework import selectors
from casework.models import Status

register = template.Library()

# How many of the waiting cases the dashboard lists; the rest are behind "see all".
TOP = 5


@register.inclusion_tag("casework/intakes_widget.html", takes_context=True)
def intakes_widget(context) -> dict:
    """The newest few cases at intake or triage and their counts: three queries through the
    selector, whatever the number of cases; no case content."""
    request = context["request"]
    membership = active_membership(request)
    if membership is None:
        return {"membership": None}
    visible = selectors.cases_visible_to(user=request.user).filter(
        organisation_id=membership.organisation_id
    )
    waiting = visible.filter(status__in=[Status.INTAKE, Status.TRIAGE])
    return {
        "membership": membership,
        "intake": visible.filter(status=Status.INTAKE).count(),
        "triage": visible.filter(status=Status.TRIAGE).count(),
        "newest": list(
            waiting.only("id", "reference", "status", "risk_level").order_by("-year", "-number")[
                :TOP
            ]
        ),
    }
