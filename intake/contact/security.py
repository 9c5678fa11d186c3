"""What every response of the contact pages gets: a Content-Security-Policy that allows no
script, no connection and no font or frame, with everything else from this site only; and a
calm 404 page when the page is off (no organisation configured)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from csp.decorators import csp_replace
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from intake.contact.services import ContactClosed

# Replaces the site's policy directives for these pages (the rest stays: default-src 'none',
# base-uri 'none', frame-ancestors 'none', object-src 'none', form-action 'self').
CONTACT_CSP = {
    "script-src": ["'none'"],
    "connect-src": ["'none'"],
    "font-src": ["'none'"],
    "img-src": ["'self'"],
    "style-src": ["'self'"],
    "form-action": ["'self'"],
}


def contact_page(view: Callable[..., HttpResponse]) -> Callable[..., Any]:
    """Wraps a contact page's view: the CSP above, Cross-Origin-Resource-Policy, and the
    closed page when no organisation receives the page's intakes."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            response = view(request, *args, **kwargs)
        except ContactClosed:
            response = render(request, "intake/contact_closed.html", status=404)
        response["Cross-Origin-Resource-Policy"] = "same-origin"
        return response

    return csp_replace(CONTACT_CSP)(wrapped)
