"""The dashboard's referrals widget: how many referrals wait for an answer, and the page."""

from __future__ import annotations

from django import template

from accounts.selectors import active_membership
from casework import selectors
from casework.sections import Section

register = template.Library()


@register.inclusion_tag("casework/referrals_widget.html", takes_context=True)
def referrals_widget(context) -> dict:
    """Counts for the active organisation: two queries, no case content."""
    request = context["request"]
    membership = active_membership(request)
    if membership is None:
        return {"membership": None}
    org = membership.organisation
    return {
        "membership": membership,
        "waiting": selectors.referrals_waiting(user=request.user, organisation=org).count(),
        "notices": selectors.notices_for(user=request.user).count(),
    }


@register.filter
def section_labels(codes) -> str:
    """Section codes as their names in the reader's language ("Identity, Legal exposure")."""
    return ", ".join(str(Section(code).label) for code in codes or () if code in Section.values)
