"""The dashboard's intakes widget: cases of the active organisation waiting at intake or triage."""

from __future__ import annotations

from django import template

from accounts.selectors import active_membership
from casework import selectors
from casework.models import Status

register = template.Library()


@register.inclusion_tag("casework/intakes_widget.html", takes_context=True)
def intakes_widget(context) -> dict:
    """One COUNT query through the selector; no case content."""
    request = context["request"]
    membership = active_membership(request)
    if membership is None:
        return {"membership": None}
    visible = selectors.cases_visible_to(user=request.user).filter(
        organisation_id=membership.organisation_id
    )
    return {
        "membership": membership,
        "intake": visible.filter(status=Status.INTAKE).count(),
        "triage": visible.filter(status=Status.TRIAGE).count(),
    }
