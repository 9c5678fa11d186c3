from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    """What depends on every other app: demo seeding and the health check. Nothing imports
    ops; ops imports no configuration module (config/)."""

    name = "ops"
    verbose_name = _("Operations")

    def ready(self) -> None:
        from ops import checks  # noqa: F401 - registers the system checks
