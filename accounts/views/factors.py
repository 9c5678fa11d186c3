"""Second factors: first enrolment, the security overview, authenticator apps, passkeys and
backup codes; and the passkey (WebAuthn) endpoints, mounted at /webauthn/ by
accounts/webauthn_urls.py.

Adding or removing a factor needs a second factor given within the last REAUTH_WINDOW, except
the very first enrolment of an account that has none (the session is then password-only and
SecondFactorRequiredMiddleware lets it reach nothing but enrolment).
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from logging import getLogger
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

import segno
from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp_webauthn import exceptions as webauthn_errors
from django_otp_webauthn.settings import app_settings as webauthn_settings
from django_otp_webauthn.utils import rewrite_exceptions
from django_otp_webauthn.views import (
    BeginCredentialAuthenticationView,
    BeginCredentialRegistrationView,
    CompleteCredentialAuthenticationView,
    CompleteCredentialRegistrationView,
)

from accounts.forms.auth import TOTPEnrolForm
from accounts.http import AuthenticatedHttpRequest
from accounts.models import TOTPDevice
from accounts.panels import panels_for
from accounts.security import (
    SESSION_FRESH_BACKUP_CODES,
    SESSION_PENDING_TOTP,
    complete_second_factor,
    has_recent_second_factor,
    open_from_session,
    reauth_url,
    require_recent_second_factor,
    safe_next,
    seal_in_session,
)
from accounts.services.factors import (
    PURPOSE_REAUTH,
    PURPOSE_SIGN_IN,
    FactorError,
    WebAuthnCredential,
    backup_codes_generate,
    backup_codes_left,
    has_confirmed_factor,
    new_totp_key,
    passkey_failed,
    passkey_register,
    passkey_verified,
    passkeys_of,
    totp_device_create,
    totp_device_remove,
    totp_devices_of,
)
from accounts.services.factors import passkey_remove as passkey_remove_service

if TYPE_CHECKING:
    from accounts.http import OTPUser

REAUTH_FIRST = _("For your safety, confirm it is you before changing how you sign in.")
TOTP_ADDED = _("Your authenticator app is set up.")
PASSKEY_ADDED = _("Your passkey is set up.")
FACTOR_REMOVED = _("Removed. It can no longer be used to sign in.")
SIGN_IN_AGAIN = _("You removed the method you signed in with. Confirm it is you with another one.")

TOTP_PURPOSE = "totp-enrol"
CODES_PURPOSE = "backup-codes"


# --- Pages -----------------------------------------------------------------------------------


@never_cache
@require_GET
def security(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The user's own sign-in methods: passkeys (recommended), apps, backup codes left."""
    user = request.user
    context = {
        "passkeys": passkeys_of(user),
        "totp_devices": totp_devices_of(user),
        "backup_codes_left": backup_codes_left(user),
        "can_change": has_recent_second_factor(request),
        "reauth_url": reauth_url(reverse("accounts:security")),
        "current_device_id": getattr(user.otp_device, "persistent_id", ""),
        "panels": panels_for("security", request),
    }
    return render(request, "accounts/security.html", context)


@never_cache
@require_GET
def enrol(request: AuthenticatedHttpRequest) -> HttpResponse:
    """First landing of an account without a second factor: recommends a passkey, offers an
    authenticator app. Accounts that have one manage their factors on the security page."""
    if request.user.is_verified():
        return redirect("accounts:security")
    return render(request, "accounts/enrol.html", {"done_url": reverse("accounts:backup_codes")})


def _otpauth_uri(user, key: bytes) -> str:
    issuer = getattr(settings, "OTP_TOTP_ISSUER", "Waypoint")
    secret = base64.b32encode(key).decode("ascii").rstrip("=")
    label = quote(f"{issuer}:{user.email}")
    query = urlencode({"secret": secret, "issuer": issuer, "digits": 6, "period": 30})
    return f"otpauth://totp/{label}?{query}"


def _qr_svg(uri: str) -> str:
    # segno writes presentation attributes only (no style attribute, no <style>), so the
    # inline SVG passes the Content-Security-Policy. A white background keeps it scannable in
    # dark mode.
    return segno.make(uri, error="m").svg_inline(
        scale=5, border=4, dark="#000", light="#fff", svgclass="qr", lineclass=None
    )


@sensitive_post_parameters("code")
@never_cache
@require_http_methods(["GET", "POST"])
def totp_enrol(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Adds an authenticator app: shows a new seed (QR and text) and confirms it with a code.

    Until confirmed, the seed lives only in the session, sealed by the vault.
    """
    user = request.user
    first = not user.is_verified()
    if first and has_confirmed_factor(user):
        return redirect("accounts:verify")
    if not first and not has_recent_second_factor(request):
        return redirect(reauth_url(reverse("accounts:totp_enrol")))
    key = open_from_session(request, SESSION_PENDING_TOTP, TOTP_PURPOSE)
    if key is None:
        key = new_totp_key()
        seal_in_session(request, SESSION_PENDING_TOTP, TOTP_PURPOSE, key)
    form = TOTPEnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = totp_device_create(
                user=user,
                key=key,
                code=form.cleaned_data["code"],
                name=form.cleaned_data["name"],
                first_factor=first,
            )
        except FactorError as exc:
            form.add_error("code", exc.message)
        else:
            request.session.pop(SESSION_PENDING_TOTP, None)
            if first:
                complete_second_factor(request, device)
            messages.success(request, TOTP_ADDED)
            if codes:
                seal_in_session(
                    request, SESSION_FRESH_BACKUP_CODES, CODES_PURPOSE, "\n".join(codes).encode()
                )
                return redirect("accounts:backup_codes")
            return redirect("accounts:security")
    uri = _otpauth_uri(user, key)
    context = {
        "form": form,
        "first": first,
        "qr_svg": mark_safe(_qr_svg(uri)),  # noqa: S308 - generated by segno from our own URI
        "secret": base64.b32encode(key).decode("ascii").rstrip("="),
    }
    return render(request, "accounts/totp_enrol.html", context)


def _removal(request: AuthenticatedHttpRequest, device, remove) -> HttpResponse:
    if not has_recent_second_factor(request):
        messages.info(request, REAUTH_FIRST)
        return redirect(reauth_url(reverse("accounts:security")))
    was_current = getattr(request.user.otp_device, "persistent_id", None) == device.persistent_id
    try:
        remove(user=request.user, device=device)
    except FactorError as exc:
        messages.error(request, exc.message)
        return redirect("accounts:security")
    if was_current:
        # This session was verified with the removed device, so it is no longer verified.
        messages.info(request, SIGN_IN_AGAIN)
        query = urlencode({"next": reverse("accounts:security")})
        return redirect(f"{reverse('accounts:verify')}?{query}")
    messages.success(request, FACTOR_REMOVED)
    return redirect("accounts:security")


@require_POST
def totp_remove(request: AuthenticatedHttpRequest, pk) -> HttpResponse:
    device = get_object_or_404(TOTPDevice, pk=pk, user=request.user)
    return _removal(request, device, totp_device_remove)


@require_POST
def passkey_remove(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    device = get_object_or_404(WebAuthnCredential, pk=pk, user=request.user)
    return _removal(request, device, passkey_remove_service)


@never_cache
@require_http_methods(["GET", "POST"])
def backup_codes(request: AuthenticatedHttpRequest) -> HttpResponse:
    """GET shows freshly made codes once (then forgets them), or how many are left.
    POST (re-authentication required) replaces all codes with 10 new ones."""
    if request.method == "POST":
        return _backup_codes_generate(request)
    raw = open_from_session(request, SESSION_FRESH_BACKUP_CODES, CODES_PURPOSE, pop=True)
    codes = raw.decode().split("\n") if raw else []
    context = {"codes": codes, "left": backup_codes_left(request.user)}
    response = render(request, "accounts/backup_codes.html", context)
    response["Cache-Control"] = "no-store, private, max-age=0"
    return response


@require_recent_second_factor
def _backup_codes_generate(request: AuthenticatedHttpRequest) -> HttpResponse:
    codes = backup_codes_generate(user=request.user)
    # Shown by the GET that follows (post/redirect/get: reloading never makes new codes).
    seal_in_session(request, SESSION_FRESH_BACKUP_CODES, CODES_PURPOSE, "\n".join(codes).encode())
    return redirect("accounts:backup_codes")


# --- Passkeys: django-otp-webauthn's endpoints with our rules ---------------------------------
# The library's views decide between passwordless login and second factor, register a passkey
# for any signed-in user whose session is verified, and mark the session verified without
# rotating its key. These subclasses keep its ceremony code and add: no passwordless login,
# re-authentication before adding a passkey, session-key rotation and the re-auth clock after
# a passkey, backup codes at first enrolment, and audit events.


class ReauthRequired(webauthn_errors.OTPWebAuthnApiError):
    status_code = 403
    default_code = "reauth_required"
    default_detail = REAUTH_FIRST


class RegistrationRefused(webauthn_errors.OTPWebAuthnApiError):
    status_code = 409
    default_code = "registration_refused"


def _webauthn_logger():
    name = webauthn_settings.OTP_WEBAUTHN_EXCEPTION_LOGGER_NAME
    return getLogger(name) if name else None


class _WebAuthnRequest(AuthenticatedHttpRequest):
    data: Any  # the parsed body, set by django-otp-webauthn's BaseWebAuthnView.dispatch


class _RegistrationRules:
    request: _WebAuthnRequest  # set by the view this is mixed into

    def check_can_register(self) -> None:
        # The library already refuses an unverified session of an account that has a factor.
        # A verified session must also be recent: a borrowed, unlocked laptop must not be
        # enough to add the borrower's own passkey.
        if self.request.user.is_verified() and not has_recent_second_factor(self.request):
            raise ReauthRequired()


class PasskeyRegistrationBeginView(_RegistrationRules, BeginCredentialRegistrationView):
    pass


class PasskeyRegistrationCompleteView(_RegistrationRules, CompleteCredentialRegistrationView):
    def post(self, *args, **kwargs):
        request = self.request
        user = self.get_user()
        first = not request.user.is_verified()
        state = self.get_state()
        helper = self.get_helper()
        refused: FactorError | None = None
        with rewrite_exceptions(logger=_webauthn_logger()):
            try:
                device, codes = passkey_register(
                    helper=helper, user=user, state=state, data=request.data, first_factor=first
                )
            except FactorError as exc:
                refused = exc
        if refused is not None:
            raise RegistrationRefused(detail=refused.message)
        if first:
            complete_second_factor(request, device)
        if codes:
            seal_in_session(
                request, SESSION_FRESH_BACKUP_CODES, CODES_PURPOSE, "\n".join(codes).encode()
            )
        messages.success(request, PASSKEY_ADDED)
        return JsonResponse({"id": device.pk})


class _AuthenticationRules:
    # The library's view this is mixed into returns request.user, or None for an anonymous
    # visitor; LoginRequiredMiddleware lets only signed-in users reach these views.
    get_user: Callable[[], OTPUser]

    def check_can_authenticate(self) -> None:
        # A passkey is a second factor here, never a way in on its own.
        if not self.get_user():
            raise webauthn_errors.NotAuthenticated()


class PasskeyAuthenticationBeginView(_AuthenticationRules, BeginCredentialAuthenticationView):
    pass


class PasskeyAuthenticationCompleteView(_AuthenticationRules, CompleteCredentialAuthenticationView):
    def get_success_url(self) -> str:
        default = "accounts:security" if self.purpose == PURPOSE_REAUTH else "dashboard"
        return safe_next(self.request, self.request.GET.get("next"), default)

    def post(self, *args, **kwargs):
        request = self.request
        user = self.get_user()
        self.purpose = PURPOSE_REAUTH if user.is_verified() else PURPOSE_SIGN_IN
        try:
            state = self.get_state()
            helper = self.get_helper()
            with rewrite_exceptions(logger=_webauthn_logger()):
                device = helper.authenticate_complete(user=user, state=state, data=request.data)
            self.check_device_usable(device)
        except webauthn_errors.OTPWebAuthnApiError as exc:
            passkey_failed(user=user, purpose=self.purpose, reason=str(exc.code))
            raise
        complete_second_factor(request, device)
        passkey_verified(user=user, device=device, purpose=self.purpose)
        return JsonResponse(self.get_success_data(device))
