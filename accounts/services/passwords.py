"""Changing one's own password.

The current password is checked through ``authenticate()``, like the sign-in page, so that
django-axes counts a wrong one towards the lockout (someone holding an open session cannot
try passwords here without limit) and refuses a locked-out client; the failure is audited by
accounts/signals.py as a failed sign-in against this account.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.services.auth import normalise_email
from accounts.services.sessions import sessions_end_others
from audit.services import record

if TYPE_CHECKING:
    from django.http import HttpRequest

WRONG_PASSWORD = _("This is not your current password. Check it and try again.")
SAME_PASSWORD = _("Choose a new password, different from your current one.")
PASSWORD_CHANGED = _(
    "Your password has been changed, and you have been signed out everywhere else."
)


class WrongPassword(ValueError):
    def __init__(self) -> None:
        super().__init__(str(WRONG_PASSWORD))
        self.message = WRONG_PASSWORD


def password_change(
    *, request: HttpRequest, user: User, current_password: str, new_password: str
) -> int:
    """Sets ``user``'s new password and ends every other session of theirs; returns how many
    ended. The caller keeps its own session signed in and rotates its key
    (``update_session_auth_hash``).

    Raises WrongPassword or ValidationError (AUTH_PASSWORD_VALIDATORS, checked against the
    account's details); then nothing has changed. Costs one password-hash check for the
    current password and one for the validators' similarity check.
    """
    checked = authenticate(request, username=normalise_email(user.email), password=current_password)
    if checked is None or checked.pk != user.pk:
        raise WrongPassword
    if new_password == current_password:
        raise ValidationError(SAME_PASSWORD, code="same_password")
    validate_password(new_password, user=user)
    with transaction.atomic():
        User.objects.select_for_update().only("pk").get(pk=user.pk)
        user.set_password(new_password)
        user.save(update_fields=["password"])
        ended = sessions_end_others(user=user, current_key=request.session.session_key)
        record("auth.password.changed", actor=user, count=ended)
    return ended
