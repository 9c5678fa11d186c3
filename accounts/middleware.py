from __future__ import annotations

import time
from ipaddress import ip_address, ip_network
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.translation import gettext_lazy as _

from accounts.security import SESSION_LANGUAGE, SESSION_ORG, SESSION_SEEN, SESSION_STARTED
from accounts.selectors import choose_active, memberships_of
from accounts.services.language import language_supported
from audit import context

FORWARDED_HEADERS = (
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT",
    "HTTP_FORWARDED",
)


class TrustedProxyMiddleware:
    """Drops the X-Forwarded-* headers of a request that did not come from a trusted proxy.

    Behind nginx, Django learns the scheme (SECURE_PROXY_SSL_HEADER) and django-axes the
    client address (accounts.security.client_ip) from these headers. Anyone who reaches the
    application server directly could set them and pass as HTTPS or as another address, so
    they count only from an address in WAYPOINT_TRUSTED_PROXIES (addresses or networks).
    First in MIDDLEWARE: SecurityMiddleware's HTTPS redirect reads them.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.networks = [
            ip_network(item, strict=False) for item in settings.WAYPOINT_TRUSTED_PROXIES
        ]

    def trusted(self, address: str) -> bool:
        try:
            peer = ip_address(address)
        except ValueError:
            return False
        return any(peer in network for network in self.networks)

    def __call__(self, request):
        if not self.trusted(request.META.get("REMOTE_ADDR", "")):
            for header in FORWARDED_HEADERS:
                request.META.pop(header, None)
        return self.get_response(request)


SESSION_EXPIRED = _("Your session has ended. Please sign in again.")
SECOND_FACTOR_FIRST = _("Sign in with your second factor first: a password alone opens nothing.")
SEEN_WRITE_INTERVAL = 60  # seconds: refresh the idle clock at most once a minute


class SessionLifetimeMiddleware:
    """Ends sessions that are idle too long, too old, or belong to a frozen account.

    The clocks live in the session (SESSION_STARTED, SESSION_SEEN, epoch seconds), and
    accounts.sessions caps each row's expire_date at the same limits, so an abandoned session
    is gone from the table (and from the user's session list) when it can no longer be used.
    A request whose session has already gone (expired row, ended elsewhere, account frozen)
    is told why on the sign-in page.
    """

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
                messages.info(request, SESSION_EXPIRED)
                return self._to_login(request)
            request.session.setdefault(SESSION_STARTED, now)
            if now - seen >= SEEN_WRITE_INTERVAL or SESSION_SEEN not in request.session:
                request.session[SESSION_SEEN] = now
        elif request.COOKIES.get(settings.SESSION_COOKIE_NAME) and (
            request.session.session_key is None
        ):
            # The browser sent a session cookie whose row is gone: expired, ended from another
            # device, or frozen by an admin. (The cookie is deleted with this response.)
            messages.info(request, SESSION_EXPIRED)
        return self.get_response(request)

    @staticmethod
    def _to_login(request):
        if request.method in ("GET", "HEAD"):
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        return redirect(settings.LOGIN_URL)


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

    # Pages not worth returning to after the second factor.
    NO_RETURN = frozenset({"accounts:login", "accounts:enrol", "accounts:verify", "dashboard"})

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
            allowed, step = self.WHEN_ENROLLED, "accounts:verify"
        else:
            allowed, step = self.WHEN_NOT_ENROLLED, "accounts:enrol"
        if name in allowed:
            return None
        if getattr(view_func, "api_endpoint", False):
            # An API client cannot follow a redirect to a sign-in page: refuse in JSON.
            return JsonResponse({"detail": str(SECOND_FACTOR_FIRST)}, status=403)
        url = reverse(step)
        if step == "accounts:verify" and request.method == "GET" and name not in self.NO_RETURN:
            # Come back here once the second factor is done (verify checks it is safe).
            url = f"{url}?{urlencode({'next': request.get_full_path()})}"
        return redirect(url)


class ActiveOrganisationMiddleware:
    """Sets ``request.membership`` (the active organisation and role), ``request.memberships``
    (all of the user's memberships in active organisations, for the switcher) and the audit
    context. One query per signed-in request.

    The session names the chosen organisation (SESSION_ORG); when it names none, or one the
    user is no longer a member of (removed, organisation deactivated), the first membership
    by organisation name is active.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.membership = None
        request.memberships = []
        if request.user.is_authenticated:
            memberships = memberships_of(user=request.user)
            membership = choose_active(memberships, request.session.get(SESSION_ORG))
            request.memberships = memberships
            request.membership = membership
            if membership is not None:
                context.organisation_id.set(str(membership.organisation_id))
        return self.get_response(request)


class PreferredLanguageMiddleware:
    """A signed-in person reads every page in the language remembered on the account,
    whatever the browser or the language cookie say (a shared or borrowed browser); the cookie
    follows, so the sign-in page after signing out stays in that language. Runs after the
    authentication middleware, inside Django's LocaleMiddleware (which then sends the
    Content-Language of the active language)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = self._language(request)
        if language is not None:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        response = self.get_response(request)
        # Again: this request may have signed someone in, or changed the language.
        language = self._language(request)
        cookie = settings.LANGUAGE_COOKIE_NAME
        if language is not None and request.COOKIES.get(cookie) != language:
            response.set_cookie(
                cookie,
                language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        return response

    @staticmethod
    def _language(request) -> str | None:
        """The account's language; before the second factor, the one chosen with the
        switcher in this session, if any (a password alone changes nothing stored)."""
        user = request.user
        if not user.is_authenticated:
            return None
        # Just signed in by this request: OTPMiddleware has not given it is_verified yet.
        verified = getattr(user, "is_verified", None)
        chosen = None if verified and verified() else request.session.get(SESSION_LANGUAGE)
        for language in (chosen, user.preferred_language):
            if language_supported(language):
                return language
        return None


class NoStoreMiddleware:
    """Nothing Waypoint renders may be kept by a browser or a proxy cache."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        add_never_cache_headers(response)
        patch_cache_control(response, no_store=True, private=True)
        return response


class SameOriginPostMiddleware:
    """Lets our own forms through Django's CSRF origin check under ``no-referrer``.

    With ``Referrer-Policy: no-referrer`` the Fetch standard makes browsers send
    ``Origin: null`` on every non-CORS POST, including a form posting to its own site, and
    CsrfViewMiddleware refuses that. When the browser itself reports the request as
    same-origin (``Sec-Fetch-Site``, a header no page or script can set), our own origin is
    put back; the CSRF token is still checked. Anything else, including a browser that sends
    no ``Sec-Fetch-Site``, keeps ``null`` and is refused. Must come before CsrfViewMiddleware.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        meta = request.META
        if meta.get("HTTP_ORIGIN") == "null" and meta.get("HTTP_SEC_FETCH_SITE") == "same-origin":
            scheme = "https" if request.is_secure() else "http"
            meta["HTTP_ORIGIN"] = f"{scheme}://{request.get_host()}"
        return self.get_response(request)
