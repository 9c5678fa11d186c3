from typing import Any

from django.apps import AppConfig


class VaultConfig(AppConfig):
    name = "vault"

    def ready(self) -> None:
        from django.core.signals import setting_changed

        from vault import checks  # noqa: F401 - registers the system checks
        from vault.keyring import get_keyring, install_reload_signal

        def _reset(*, setting: str, **kwargs: Any) -> None:
            if setting == "WAYPOINT_KEYRING":
                get_keyring.cache_clear()

        setting_changed.connect(_reset, weak=False)
        install_reload_signal()
