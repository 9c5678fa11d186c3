"""The language a signed-in person reads Waypoint in (``User.preferred_language``)."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from accounts.models import User


def language_supported(language: str | None) -> bool:
    return language in dict(settings.LANGUAGES)


def user_set_language(*, user: User, language: str) -> bool:
    """Remembers ``language`` on the account; False (and nothing written) for a language the
    site does not offer or the one already remembered. One UPDATE at most. Not audited: a
    display preference, neither access nor a change to anyone's rights."""
    if not language_supported(language) or user.preferred_language == language:
        return False
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(preferred_language=language)
    user.preferred_language = language
    return True
