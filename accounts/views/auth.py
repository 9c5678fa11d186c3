"""Signing in: the password step, the second factor, re-authentication, logout, lockout."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from accounts.forms.auth import LoginForm, SecondFactorForm
from accounts.http import AuthenticatedHttpRequest, OTPHttpRequest
from accounts.security import complete_second_factor, safe_next
from accounts.services.auth import INVALID_LOGIN, password_sign_in
from accounts.services.factors import (
    FACTOR_BACKUP,
    PURPOSE_REAUTH,
    PURPOSE_SIGN_IN,
    has_confirmed_factor,
    passkeys_of,
    second_factor_verify,
)

CLEAR_SITE_DATA = '"cache", "cookies", "storage"'


def _with_next(url_name: str, next_url: str) -> str:
    url = reverse(url_name)
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def _requested_next(request: HttpRequest) -> str:
    """The ``next`` the page was asked for, kept only when it is safe."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    return candidate if candidate and safe_next(request, candidate) == candidate else ""


@login_not_required
@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def login(request: OTPHttpRequest) -> HttpResponse:
    """The password step. Success leads to the second factor (or to enrolment), never further."""
    next_url = _requested_next(request)
    if request.user.is_authenticated and request.user.is_verified():
        return redirect(next_url or "dashboard")
    form = LoginForm(request.POST or None, initial={"next": next_url})
    if request.method == "POST" and form.is_valid():
        user = password_sign_in(
            request=request,
            email=form.cleaned_data["username"],
            password=form.cleaned_data["password"],
        )
        if user is not None:
            step = "accounts:verify" if has_confirmed_factor(user) else "accounts:enrol"
            return redirect(_with_next(step, next_url))
        form.add_error(None, INVALID_LOGIN)
    return render(request, "accounts/login.html", {"form": form}, status=200)


@login_not_required
@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    """POST only. Ends the session and asks the browser to drop everything it kept for us."""
    auth_logout(request)
    # No "signed out" flash message: Clear-Site-Data drops the cookie it would travel in.
    response = redirect(settings.LOGOUT_REDIRECT_URL)
    response["Clear-Site-Data"] = CLEAR_SITE_DATA
    return response


def _second_factor_page(request: AuthenticatedHttpRequest, *, purpose: str) -> HttpResponse:
    user = request.user
    next_url = _requested_next(request)
    form = SecondFactorForm(request.POST or None, initial={"next": next_url})
    if request.method == "POST" and form.is_valid():
        result = second_factor_verify(user=user, code=form.cleaned_data["code"], purpose=purpose)
        if result.ok:
            complete_second_factor(request, result.device)
            if result.factor == FACTOR_BACKUP:
                left = result.extra.get("left", 0)
                messages.warning(
                    request,
                    ngettext(
                        "You used a backup code. %(left)d backup code is left.",
                        "You used a backup code. %(left)d backup codes are left.",
                        left,
                    )
                    % {"left": left},
                )
            default = "accounts:security" if purpose == PURPOSE_REAUTH else "dashboard"
            return redirect(next_url or default)
        form.add_error("code", result.error)
    template = "accounts/reauth.html" if purpose == PURPOSE_REAUTH else "accounts/verify.html"
    context = {
        "form": form,
        "has_passkeys": passkeys_of(user).exists(),
        "has_totp": user.totpdevice_set.filter(confirmed=True).exists(),
        "next_url": next_url,
    }
    return render(request, template, context)


@sensitive_post_parameters("code")
@never_cache
@require_http_methods(["GET", "POST"])
def verify(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The second factor after the password: an app code, a backup code, or a passkey (the
    passkey ceremony runs through /webauthn/, see accounts.views.factors)."""
    if request.user.is_verified():
        return redirect(_requested_next(request) or "dashboard")
    return _second_factor_page(request, purpose=PURPOSE_SIGN_IN)


@sensitive_post_parameters("code")
@never_cache
@require_http_methods(["GET", "POST"])
def reauth(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A fresh second factor before a sensitive action; then back to ``next``."""
    return _second_factor_page(request, purpose=PURPOSE_REAUTH)


def locked_out(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """django-axes' lockout response (AXES_LOCKOUT_CALLABLE): the same calm page whether or not
    the typed address has an account."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "accounts/locked_out.html", {"minutes": minutes}, status=429)
