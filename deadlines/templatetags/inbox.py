"""The unread count of the one inbox, for the navigation of every page."""

from __future__ import annotations

from django import template

from deadlines import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def inbox_unread(context) -> int:
    """Unread deadline notifications and case notices of the signed-in user: two queries,
    once per request."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return 0
    cached = getattr(request, "_inbox_unread", None)
    if cached is None:
        cached = selectors.inbox_unread(user=user)
        request._inbox_unread = cached
    return cached
