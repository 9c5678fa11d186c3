"""The case page's conversation panel and the navigation's triage count."""

from __future__ import annotations

from django import template

from accounts.selectors import active_membership
from casework.selectors import CASE_LIST_ROLES
from intake import selectors
from intake.forms import ReplyForm

register = template.Library()


@register.inclusion_tag("intake/_conversation.html", takes_context=True)
def case_conversation(context, case, assigned: bool) -> dict:
    """The conversations of a case that came through a channel, for readers of its contact
    section (the case page's own panels opened it and recorded the reading), with a reply box
    for its assigned caseworkers. Nothing for other readers, or a case with no conversation.
    Two queries, plus the grant check."""
    request = context["request"]
    views = selectors.case_conversations(user=request.user, case=case, assigned=assigned)
    return {"conversations": views, "form": ReplyForm(), "request": request}


@register.simple_tag(takes_context=True)
def triage_count(context) -> int:
    """Intakes waiting in the active organisation's triage queue (0 for roles without case
    files). One query."""
    request = context["request"]
    membership = active_membership(request)
    if membership is None or membership.role not in CASE_LIST_ROLES:
        return 0
    return selectors.triage_count(user=request.user, organisation=membership.organisation)
