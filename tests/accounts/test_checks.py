"""The accounts system checks: what `manage.py check` refuses before anything is served."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from accounts.checks import (
    CSP_MIDDLEWARE,
    check_csp_middleware,
    check_required_settings,
    check_second_factor_middleware,
)


def test_the_shipped_settings_pass_every_accounts_check():
    assert check_required_settings(None) == []
    assert check_csp_middleware(None) == []
    assert check_second_factor_middleware(None) == []


def test_the_csp_check_fails_without_the_csp_middleware(settings):
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != CSP_MIDDLEWARE]
    errors = check_csp_middleware(None)
    assert [error.id for error in errors] == ["accounts.E002"]
    assert errors[0].msg == "The Content-Security-Policy middleware is not installed."


def test_manage_py_check_fails_without_the_csp_middleware(settings):
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != CSP_MIDDLEWARE]
    with pytest.raises(SystemCheckError, match=r"accounts\.E002"):
        call_command("check")


@pytest.mark.parametrize("source", ["'unsafe-inline'", "'unsafe-eval'"])
def test_the_csp_check_fails_when_scripts_may_run_inline(settings, source):
    policy = {**settings.CONTENT_SECURITY_POLICY}
    policy["DIRECTIVES"] = {
        **policy["DIRECTIVES"],
        "script-src": [*policy["DIRECTIVES"]["script-src"], source],
    }
    settings.CONTENT_SECURITY_POLICY = policy
    assert [error.id for error in check_csp_middleware(None)] == ["accounts.E003"]


def test_the_csp_check_fails_when_the_policy_has_no_script_source(settings):
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'self'"]}}
    assert [error.id for error in check_csp_middleware(None)] == ["accounts.E003"]


@pytest.mark.parametrize(
    "middleware",
    [
        "django_otp.middleware.OTPMiddleware",
        "accounts.middleware.SecondFactorRequiredMiddleware",
        "accounts.middleware.SessionLifetimeMiddleware",
    ],
)
def test_the_second_factor_check_fails_without_its_middleware(settings, middleware):
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != middleware]
    errors = check_second_factor_middleware(None)
    assert [error.id for error in errors] == ["accounts.E004"]
    assert errors[0].msg.startswith(middleware)


def test_each_missing_production_setting_is_its_own_error_with_a_hint(settings):
    settings.WAYPOINT_MISSING_SETTINGS = ("SECRET_KEY", "ALLOWED_HOSTS")
    errors = check_required_settings(None)
    assert [(e.id, e.msg, e.hint) for e in errors] == [
        (
            "accounts.E001",
            "SECRET_KEY is not set.",
            "Set SECRET_KEY or SECRET_KEY_FILE in the environment (WAYPOINT_ENV=production).",
        ),
        (
            "accounts.E001",
            "ALLOWED_HOSTS is not set.",
            "Set ALLOWED_HOSTS in the environment (WAYPOINT_ENV=production).",
        ),
    ]
