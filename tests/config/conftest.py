from __future__ import annotations

import secrets

import pytest

from tests.casework.conftest import (  # noqa: F401 - case fixtures for the multi-node tests
    _media_root,
    case_getlost,
    open_case,
    reference_data,
)
from vault.keyring import generate


@pytest.fixture
def production_env(tmp_path) -> dict[str, str]:
    """Everything production needs, secrets in files as Docker or Kubernetes would mount them."""
    (tmp_path / "secret_key").write_text(secrets.token_urlsafe(50), encoding="utf-8")
    (tmp_path / "keyring.json").write_text(generate().to_json(), encoding="utf-8")
    return {
        "WAYPOINT_ENV": "production",
        "WAYPOINT_VAR_DIR": str(tmp_path / "var"),
        "SECRET_KEY_FILE": str(tmp_path / "secret_key"),
        "WAYPOINT_KEYRING_FILE": str(tmp_path / "keyring.json"),
        "DATABASE_URL": "postgres://waypoint@127.0.0.1:5432/waypoint",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "EMAIL_URL": "smtp://mailer:secret@mail.example.org:587",
        "ALLOWED_HOSTS": "waypoint.example.org",
    }
