"""config/settings.py in production: every secret required, named when missing.

Each test starts `manage.py` in a fresh process with a clean environment, as a deployment
would, so that nothing from the developer's shell or the test settings leaks in.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REQUIRED = ("SECRET_KEY", "WAYPOINT_KEYRING", "DATABASE_URL", "REDIS_URL", "EMAIL_URL")


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_without_secrets_fails_check_naming_each_missing_setting(tmp_path):
    result = manage("check", env={"WAYPOINT_ENV": "production"})
    output = result.stdout + result.stderr
    assert result.returncode != 0
    for name in (*REQUIRED, "ALLOWED_HOSTS"):
        assert f"(accounts.E001) {name} is not set." in output
    assert "vault.E001" in output


def test_production_with_every_secret_passes_the_deploy_check(production_env):
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize("name", REQUIRED)
def test_production_names_the_one_missing_secret(production_env, name):
    env = {key: value for key, value in production_env.items() if not key.startswith(name)}
    result = manage("check", env=env)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert f"(accounts.E001) {name} is not set." in output
    assert output.count("accounts.E001") == 1


def test_a_missing_secret_is_never_echoed_with_a_value(production_env, tmp_path):
    env = dict(production_env)
    del env["DATABASE_URL"]
    result = manage("check", env=env)
    output = result.stdout + result.stderr
    assert (tmp_path / "secret_key").read_text(encoding="utf-8") not in output
    assert "mailer:secret" not in output


def test_production_refuses_debug(production_env):
    result = manage("check", env={**production_env, "DEBUG": "true"})
    assert result.returncode != 0
    assert "DEBUG cannot be on with WAYPOINT_ENV=production" in result.stderr


def test_an_unknown_environment_name_is_refused(production_env):
    result = manage("check", env={**production_env, "WAYPOINT_ENV": "staging"})
    assert result.returncode != 0
    assert "WAYPOINT_ENV must be dev or production, not 'staging'" in result.stderr


def test_a_malformed_email_url_is_refused(production_env):
    result = manage("check", env={**production_env, "EMAIL_URL": "mail.example.org"})
    assert result.returncode != 0
    assert "EMAIL_URL must look like smtp://user:pass@host:587 or console:" in result.stderr


def test_a_malformed_keyring_fails_the_check_without_showing_it(production_env, tmp_path):
    bad = '{"version": 1, "keks": [{"id": "k", "key": "c2hvcnQ="}]}'
    (tmp_path / "keyring.json").write_text(bad, encoding="utf-8")
    result = manage("check", env=production_env)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "(vault.E001) The keyring cannot be used: keks[0].key must decode to 32 bytes." in output
    assert "c2hvcnQ=" not in output


def test_production_uses_host_only_secure_cookies_and_hsts(production_env):
    script = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({k: getattr(s, k) for k in ("
        "'SESSION_COOKIE_NAME', 'CSRF_COOKIE_NAME', 'LANGUAGE_COOKIE_NAME', "
        "'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'LANGUAGE_COOKIE_SECURE', "
        "'SECURE_HSTS_SECONDS', 'SECURE_SSL_REDIRECT', 'DEBUG', 'WAYPOINT_BASE_URL', "
        "'OTP_WEBAUTHN_RP_ID', 'OTP_WEBAUTHN_ALLOWED_ORIGINS')}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**production_env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    values = json.loads(result.stdout)
    assert values == {
        "SESSION_COOKIE_NAME": "__Host-sessionid",
        "CSRF_COOKIE_NAME": "__Host-csrftoken",
        "LANGUAGE_COOKIE_NAME": "__Host-language",
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "LANGUAGE_COOKIE_SECURE": True,
        "SECURE_HSTS_SECONDS": 63072000,
        "SECURE_SSL_REDIRECT": True,
        "DEBUG": False,
        "WAYPOINT_BASE_URL": "https://waypoint.example.org",
        "OTP_WEBAUTHN_RP_ID": "waypoint.example.org",
        "OTP_WEBAUTHN_ALLOWED_ORIGINS": ["https://waypoint.example.org"],
    }


def test_production_takes_every_email_setting_from_email_url(production_env):
    script = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({k: getattr(s, k) for k in ("
        "'EMAIL_BACKEND', 'EMAIL_HOST', 'EMAIL_PORT', 'EMAIL_HOST_USER', "
        "'EMAIL_HOST_PASSWORD', 'EMAIL_USE_TLS', 'EMAIL_USE_SSL', 'EMAIL_TIMEOUT')}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**production_env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert json.loads(result.stdout) == {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "mail.example.org",
        "EMAIL_PORT": 587,
        "EMAIL_HOST_USER": "mailer",
        "EMAIL_HOST_PASSWORD": "secret",
        "EMAIL_USE_TLS": True,
        "EMAIL_USE_SSL": False,
        "EMAIL_TIMEOUT": 20,
    }
