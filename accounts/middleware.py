from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.translation import gettext as _

from accounts.security import SESSION_ORG, SESSION_SEEN, SESSION_STARTED
from audit import context

SESSION_EXPIRED = "Your session has ended. Please sign in again."
SEEN_WRITE_INTERVAL = 60  # seconds: refresh the idle clock at most once a minute


class SessionLifetimeMiddleware:
    """Ends sessions that are idle too long, too old, or belong to a frozen account."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated:
            now = int(time.time())
            started = request.session.get(SESSION_STARTED, now)
            seen = request.session.get(SESSION_SEEN, now)
            idle = settings.SESSION_IDLE_TIMEOUT.total_seconds()
            absolute = settings.SESSION_ABSOLUTE_LIFETIME.total_seconds()
            if user.is_frozen or now - seen > idle or now - started > absolute:
                logout(request)
                messages.info(request, _(SESSION_EXPIRED))
                return redirect(settings.LOGIN_URL)
            request.session.setdefault(SESSION_STARTED, now)
            if now - seen >= SEEN_WRITE_INTERVAL or SESSION_SEEN not in request.session:
                request.session[SESSION_SEEN] = now
        return self.get_response(request)


class SecondFactorRequiredMiddleware:
    """A password alone opens nothing but enrolment, verification and logout.

    A user with no confirmed factor may reach enrolment; a user with one may reach only
    verification (so a stolen password cannot be used to add the thief's own factor).
    """

    ALWAYS = frozenset({"accounts:logout", "set_language"})
    WHEN_ENROLLED = frozenset(
        {
            "accounts:verify",
            "otp_webauthn:credential-authentication-begin",
            "otp_webauthn:credential-authentication-complete",
            "otp_webauthn:js-i18n-catalog",
        }
    )
    WHEN_NOT_ENROLLED = frozenset(
        {
            "accounts:enrol",
            "accounts:totp_enrol",
            "otp_webauthn:credential-registration-begin",
            "otp_webauthn:credential-registration-complete",
            "otp_webauthn:js-i18n-catalog",
        }
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or user.is_verified():
            return None
        from accounts.services.factors import has_confirmed_factor

        name = request.resolver_match.view_name if request.resolver_match else ""
        if name in self.ALWAYS:
            return None
        if has_confirmed_factor(user):
            return None if name in self.WHEN_ENROLLED else redirect("accounts:verify")
        return None if name in self.WHEN_NOT_ENROLLED else redirect("accounts:enrol")


class ActiveOrganisationMiddleware:
    """Sets ``request.membership`` (the active organisation and role) and the audit context."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.membership = None
        if request.user.is_authenticated:
            memberships = request.user.memberships.filter(organisation__is_active=True)
            chosen = request.session.get(SESSION_ORG)
            membership = None
            if chosen:
                membership = memberships.select_related("organisation").filter(
                    organisation_id=chosen
                ).first()
            if membership is None:
                membership = memberships.select_related("organisation").first()
            request.membership = membership
            if membership is not None:
                context.organisation_id.set(str(membership.organisation_id))
        return self.get_response(request)


class NoStoreMiddleware:
    """Nothing Waypoint renders may be kept by a browser or a proxy cache."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        add_never_cache_headers(response)
        patch_cache_control(response, no_store=True, private=True)
        return response
