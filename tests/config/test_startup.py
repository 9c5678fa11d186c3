"""The application server refuses to start when a system check reports an error."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.startup import refuse_to_start_on_errors

ROOT = Path(__file__).resolve().parents[2]


def start(module: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Imports the WSGI or ASGI module as gunicorn would, in a fresh process."""
    return subprocess.run(
        [sys.executable, "-c", f"import {module}; print('started')"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_it_starts_quietly_when_every_check_passes():
    assert refuse_to_start_on_errors() is None


def test_it_refuses_to_start_without_the_csp_middleware(settings):
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != "csp.middleware.CSPMiddleware"]
    with pytest.raises(ImproperlyConfigured) as caught:
        refuse_to_start_on_errors()
    assert str(caught.value).startswith("Waypoint refuses to start: accounts.E002:")


def test_it_refuses_to_start_without_the_second_factor_middleware(settings):
    settings.MIDDLEWARE = [
        m for m in settings.MIDDLEWARE if m != "accounts.middleware.SecondFactorRequiredMiddleware"
    ]
    with pytest.raises(ImproperlyConfigured, match="accounts.E004"):
        refuse_to_start_on_errors()


@pytest.mark.parametrize("module", ["config.wsgi", "config.asgi"])
def test_the_server_refuses_to_start_in_production_without_secrets(module):
    result = start(module, {"WAYPOINT_ENV": "production"})
    assert result.returncode != 0
    assert "started" not in result.stdout
    assert "Waypoint refuses to start" in result.stderr
    for name in ("SECRET_KEY", "WAYPOINT_KEYRING", "DATABASE_URL"):
        assert f"accounts.E001: {name} is not set." in result.stderr


@pytest.mark.parametrize("module", ["config.wsgi", "config.asgi"])
def test_the_server_starts_in_production_with_every_secret(module, production_env):
    result = start(module, production_env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "started"
