from django.conf import settings
from django.core.checks import Error, register

CSP_MIDDLEWARE = "csp.middleware.CSPMiddleware"
REQUIRED_MIDDLEWARE = (
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.SecondFactorRequiredMiddleware",
    "accounts.middleware.SessionLifetimeMiddleware",
)


@register()
def check_required_settings(app_configs, **kwargs):
    return [
        Error(
            f"{name} is not set.",
            hint=f"Set {name} or {name}_FILE in the environment (WAYPOINT_ENV=production).",
            id="accounts.E001",
        )
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
    if "'unsafe-inline'" in directives.get("script-src", ["'unsafe-inline'"]):
        errors.append(
            Error(
                "The Content-Security-Policy allows inline scripts without a nonce.",
                id="accounts.E003",
            )
        )
    return errors


@register()
def check_second_factor_middleware(app_configs, **kwargs):
    return [
        Error(f"{name} is not in MIDDLEWARE: a password alone would open pages.", id="accounts.E004")
        for name in REQUIRED_MIDDLEWARE
        if name not in settings.MIDDLEWARE
    ]
