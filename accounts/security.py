"""Small security helpers shared by the accounts views and middleware."""

from __future__ import annotations

import time
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse

# Session keys. Timestamps are epoch seconds.
SESSION_STARTED = "wp_started"
SESSION_SEEN = "wp_seen"
SESSION_2FA_AT = "wp_2fa_at"
SESSION_ORG = "wp_org"


def client_ip(request) -> str:
    """The client address as the proxy in front of us reports it (used by django-axes only,
    never stored in a table or a log)."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded and settings.PRODUCTION:
        return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")


def mark_second_factor(request) -> None:
    """Call after a successful second factor: rotates the session key, starts the clocks."""
    request.session.cycle_key()
    now = int(time.time())
    request.session[SESSION_2FA_AT] = now
    request.session.setdefault(SESSION_STARTED, now)
    request.session[SESSION_SEEN] = now


def has_recent_second_factor(request) -> bool:
    at = request.session.get(SESSION_2FA_AT)
    return bool(at) and time.time() - at <= settings.REAUTH_WINDOW.total_seconds()


def require_recent_second_factor(view):
    """Guards sensitive actions (changing factors, inviting, role changes, exports): the
    second factor must have been given within REAUTH_WINDOW, else the user is sent to
    re-authenticate and brought back."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not has_recent_second_factor(request):
            target = request.get_full_path() if request.method == "GET" else request.path
            return redirect(f"{reverse('accounts:reauth')}?{urlencode({'next': target})}")
        return view(request, *args, **kwargs)

    return wrapped
