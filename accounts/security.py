"""Small security helpers shared by the accounts views and middleware."""

from __future__ import annotations

import base64
import binascii
import time
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

import django_otp
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

import vault

# Session keys. Timestamps are epoch seconds.
SESSION_STARTED = "wp_started"
SESSION_SEEN = "wp_seen"
SESSION_2FA_AT = "wp_2fa_at"
SESSION_ORG = "wp_org"
# The language chosen with the switcher before the second factor (the account keeps its own).
SESSION_LANGUAGE = "wp_language"
# Values sealed with the vault (see seal_in_session): a TOTP seed waiting for its first code,
# and freshly made backup codes waiting to be shown once.
SESSION_PENDING_TOTP = "wp_pending_totp"
SESSION_FRESH_BACKUP_CODES = "wp_fresh_codes"


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


def complete_second_factor(request, device) -> None:
    """The session has passed ``device``: remember it (django-otp) and rotate the key.

    django_otp.login() alone neither rotates the session key nor starts the re-auth clock.
    """
    django_otp.login(request, device)
    mark_second_factor(request)


def has_recent_second_factor(request) -> bool:
    at = request.session.get(SESSION_2FA_AT)
    if not at or time.time() - at > settings.REAUTH_WINDOW.total_seconds():
        return False
    # The device that verified this session may have been removed since.
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and user.is_verified())


def safe_next(request: HttpRequest, candidate: str | None, default: str = "") -> str:
    """``candidate`` if it is a same-site path or URL, else ``default`` (a URL name or path)."""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(default or settings.LOGIN_REDIRECT_URL)


def reauth_url(next_url: str) -> str:
    return f"{reverse('accounts:reauth')}?{urlencode({'next': next_url})}"


def require_recent_second_factor(
    view: Callable[..., HttpResponse] | None = None, *, return_to: str | None = None
) -> Any:
    """Guards sensitive actions (changing factors, inviting, role changes, exports): the
    second factor must have been given within REAUTH_WINDOW, else the user is sent to
    re-authenticate and brought back.

    A GET comes back to the same URL. A POST cannot be replayed after the detour, so it comes
    back to ``return_to`` (a URL name) when given, else to the same path, where the user
    repeats the action. Use as ``@require_recent_second_factor`` or
    ``@require_recent_second_factor(return_to="accounts:security")``.
    """

    def decorate(inner: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(inner)
        def wrapped(request, *args, **kwargs):
            if not has_recent_second_factor(request):
                if request.method == "GET":
                    target = request.get_full_path()
                elif return_to:
                    target = reverse(return_to)
                else:
                    target = request.path
                return redirect(reauth_url(target))
            return inner(request, *args, **kwargs)

        return wrapped

    return decorate(view) if view is not None else decorate


# --- Short-lived secrets in the session ------------------------------------------------------
# The session table is as exposed as any other table, so a secret that must live in the
# session for a moment (a TOTP seed before its first code, backup codes before they are
# shown) is sealed by the vault, bound to the user and the purpose.


def _session_aad(request, purpose: str) -> bytes:
    return f"accounts.session:{purpose}:{request.user.pk}".encode()


def seal_in_session(request, key: str, purpose: str, secret: bytes) -> None:
    sealed = vault.seal(secret, aad=_session_aad(request, purpose))
    request.session[key] = base64.b64encode(sealed).decode("ascii")


def open_from_session(request, key: str, purpose: str, *, pop: bool = False) -> bytes | None:
    """The secret stored under ``key``, or None when absent or unreadable (then removed)."""
    raw = request.session.pop(key, None) if pop else request.session.get(key)
    if not raw:
        return None
    try:
        return vault.open(base64.b64decode(raw), aad=_session_aad(request, purpose))
    except (vault.DecryptionError, binascii.Error, ValueError):
        request.session.pop(key, None)
        return None
