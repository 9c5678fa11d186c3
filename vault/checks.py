from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.core.checks import CheckMessage, Error, register

from vault.keyring import KeyringError, get_keyring


@register()
def check_keyring(app_configs: Sequence[AppConfig] | None, **kwargs: Any) -> list[CheckMessage]:
    try:
        get_keyring()
    except KeyringError as exc:
        return [
            Error(
                f"The keyring cannot be used: {exc}.",
                hint="Set WAYPOINT_KEYRING or WAYPOINT_KEYRING_FILE to the output of "
                "`manage.py generate_keyring`.",
                id="vault.E001",
            )
        ]
    return []
