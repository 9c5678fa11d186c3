from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Error, register

from vault.age import AgeKeyError, age_recipient


@register()
def check_backup_recipients(
    app_configs: Sequence[AppConfig] | None, **kwargs: Any
) -> list[CheckMessage]:
    """A recipient that is not an age public key would fail every nightly backup."""
    for key in settings.WAYPOINT_BACKUP_RECIPIENTS:
        try:
            age_recipient(key)
        except AgeKeyError:
            return [
                Error(
                    "WAYPOINT_BACKUP_RECIPIENTS holds something that is not an age public key.",
                    hint="List age public keys (age1...), as `age-keygen` prints them.",
                    id="ops.E001",
                )
            ]
    return []
