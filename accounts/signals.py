"""Audit events for Django's own authentication signals.

They fire wherever ``authenticate()``, ``login()`` and ``logout()`` run (the sign-in page, an
accepted invitation, the session-lifetime middleware), so each sign-in is recorded once.
Events carry ids only: the typed e-mail address is never stored.
"""

from __future__ import annotations

import uuid

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from accounts.models import Membership, User
from audit.services import record


def _organisation_of(user_id) -> uuid.UUID | None:
    """The organisation whose admins should see this person's sign-in events: the first
    active membership (one query)."""
    return (
        Membership.objects.filter(user_id=user_id, organisation__is_active=True)
        .order_by("created_at")
        .values_list("organisation_id", flat=True)
        .first()
    )


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    record("auth.password.succeeded", actor=user, org=_organisation_of(user.pk))


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    # The typed e-mail address is personal data (and may be a stranger's): it is not recorded.
    # When it names an account, the event names that account's id, so its organisation's admins
    # can see that someone is trying passwords against it.
    typed = str(credentials.get("username") or "").strip().lower()
    target = None
    if typed:
        target = User.objects.filter(email=typed).values_list("pk", flat=True).first()
    if target is None:
        record("auth.login.failed", actor=None)
    else:
        record("auth.login.failed", actor=None, org=_organisation_of(target), target_user=target)


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        record("auth.logout", actor=user)
