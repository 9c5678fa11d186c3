"""The password step of signing in.

django-axes watches ``authenticate()`` (it is the first backend and needs the request): it
counts failures per account and per IP address and refuses a locked-out client before the
password is even checked. Audit events for this step come from Django's auth signals (see
accounts/signals.py), so that lockouts, failures and successes are recorded the same way
wherever ``authenticate()`` and ``login()`` are called.
"""

from __future__ import annotations

import time

from django.contrib.auth import authenticate, login, user_login_failed
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.security import SESSION_SEEN, SESSION_STARTED

# One message for an unknown address, a wrong password, a frozen or a deactivated account:
# the page must not tell a stranger which addresses have accounts.
INVALID_LOGIN = _(
    "We could not sign you in with this e-mail address and password. Check both and try again."
)


def normalise_email(email: str) -> str:
    """Addresses are stored in lower case; the lockout counter must see one spelling too, or
    changing the case of a letter would give an attacker fresh attempts."""
    return email.strip().lower()


def password_sign_in(*, request: HttpRequest, email: str, password: str) -> User | None:
    """Checks the password and, when it is right, starts a password-only session.

    ``login()`` rotates the session key. Returns the user, or None for any failure (the caller
    shows INVALID_LOGIN; django-axes may turn the response into the lockout page).
    """
    username = normalise_email(email)
    user = authenticate(request, username=username, password=password)
    if user is None:
        return None
    if user.is_frozen or not user.is_active:
        # Counted and audited like a wrong password, so a frozen account looks like any other
        # failure from the outside and still runs into the lockout.
        user_login_failed.send(sender=__name__, credentials={"username": username}, request=request)
        return None
    login(request, user)
    now = int(time.time())
    request.session[SESSION_STARTED] = now
    request.session[SESSION_SEEN] = now
    return user
