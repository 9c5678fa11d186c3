"""The language switcher: Django's ``set_language`` (cookie, safe redirect), and for a
signed-in person the account remembers the choice."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from accounts.http import OTPHttpRequest
from accounts.security import SESSION_LANGUAGE
from accounts.services.language import language_supported, user_set_language


@login_not_required
@require_POST
def language_set(request: OTPHttpRequest) -> HttpResponse:
    """Works before signing in (the sign-in page has the switcher). Only a person past the
    second factor changes the account's language: a password alone changes nothing stored."""
    response = set_language(request)
    user = request.user
    language = request.POST.get("language", "")
    if user.is_authenticated and user.is_verified():
        user_set_language(user=user, language=language)
    elif user.is_authenticated and language_supported(language):
        request.session[SESSION_LANGUAGE] = language  # this session only, until verified
    return response
