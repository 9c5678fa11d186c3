from __future__ import annotations

from csp.constants import NONCE
from django.conf import settings
from django.core.checks import Error, register

CSP_MIDDLEWARE = "csp.middleware.CSPMiddleware"
UNSAFE_SCRIPT_SOURCES = frozenset({"'unsafe-inline'", "'unsafe-eval'"})
REQUIRED_MIDDLEWARE = (
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.SecondFactorRequiredMiddleware",
    "accounts.middleware.SessionLifetimeMiddleware",
)


# Settings that are not secrets are not read from NAME_FILE.
PLAIN_SETTINGS = frozenset({"ALLOWED_HOSTS"})


def _missing_hint(name: str) -> str:
    source = name if name in PLAIN_SETTINGS else f"{name} or {name}_FILE"
    return f"Set {source} in the environment (WAYPOINT_ENV=production)."


@register()
def check_required_settings(app_configs, **kwargs):
    return [
        Error(f"{name} is not set.", hint=_missing_hint(name), id="accounts.E001")
        for name in settings.WAYPOINT_MISSING_SETTINGS
    ]


@register()
def check_csp_middleware(app_configs, **kwargs):
    errors = []
    if CSP_MIDDLEWARE not in settings.MIDDLEWARE:
        errors.append(
            Error(
                "The Content-Security-Policy middleware is not installed.",
                hint=f"Add {CSP_MIDDLEWARE!r} to MIDDLEWARE.",
                id="accounts.E002",
            )
        )
    directives = getattr(settings, "CONTENT_SECURITY_POLICY", {}).get("DIRECTIVES", {})
    # Without script-src the browser falls back to default-src; we insist on an explicit one.
    script_src = directives.get("script-src", ["'unsafe-inline'"])
    if UNSAFE_SCRIPT_SOURCES & set(script_src) or NONCE not in script_src:
        errors.append(
            Error(
                "The Content-Security-Policy allows inline scripts without a nonce.",
                hint="script-src must list 'nonce' and neither 'unsafe-inline' nor 'unsafe-eval'.",
                id="accounts.E003",
            )
        )
    return errors


@register()
def check_second_factor_middleware(app_configs, **kwargs):
    return [
        Error(
            f"{name} is not in MIDDLEWARE: a password alone would open pages.",
            id="accounts.E004",
        )
        for name in REQUIRED_MIDDLEWARE
        if name not in settings.MIDDLEWARE
    ]
