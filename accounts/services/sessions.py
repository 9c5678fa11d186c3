"""Ending one's own sessions and choosing the active organisation."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import Membership, UserSession
from accounts.security import SESSION_ORG
from accounts.selectors import session_public_id, sessions_of
from audit.services import record

if TYPE_CHECKING:
    from django.contrib.sessions.backends.base import SessionBase

    from accounts.models import User

SESSION_IS_CURRENT = _("This is the session you are using. To end it, sign out.")
SESSION_ENDED = _("The session has been ended.")
OTHER_SESSIONS_ENDED = _("Your other sessions have been ended.")


class SessionNotFound(LookupError):
    """No session of this user has that public id (the view answers 404)."""


class SessionIsCurrent(ValueError):
    pass


@transaction.atomic
def session_end(*, user: User, public_id: str, current_key: str | None) -> None:
    """Ends one of the user's own sessions, named by its public id. The browser holding it is
    signed out on its next request, because its row is gone."""
    for session in sessions_of(user=user).select_for_update().only("session_key"):
        if session_public_id(session.session_key) != public_id:
            continue
        if session.session_key == current_key:
            raise SessionIsCurrent(SESSION_IS_CURRENT)
        session.delete()
        record("auth.session.revoked", actor=user, session=public_id)
        return
    raise SessionNotFound


@transaction.atomic
def sessions_end_others(*, user: User, current_key: str | None) -> int:
    """Ends every session of the user except the current one; returns how many ended."""
    others = list(
        UserSession.objects.select_for_update()
        .filter(user=user)
        .exclude(session_key=current_key or "")
        .values_list("session_key", flat=True)
    )
    UserSession.objects.filter(session_key__in=others).delete()
    for key in others:
        record("auth.session.revoked", actor=user, session=session_public_id(key))
    return len(others)


@transaction.atomic
def organisation_switch(*, user: User, membership: Membership, session: SessionBase) -> None:
    """Makes ``membership``'s organisation the active one for this session.

    The caller has checked that the membership is the user's (selectors.membership_for).
    """
    if membership.user_id != user.pk:
        raise Membership.DoesNotExist
    session[SESSION_ORG] = str(membership.organisation_id)
    record("organisation.switched", actor=user, org=membership.organisation_id)
