from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    """The REST API (/api/v1/) and its credentials: personal access tokens and organisation
    intake tokens. Sits beside ops, under config: it may use every app's selectors and
    services; nothing imports it."""

    name = "api"
    verbose_name = _("API")

    def ready(self) -> None:
        from accounts import panels
        from api import pages, schema  # noqa: F401 - schema registers its extensions

        panels.register("security", pages.personal_tokens_panel)
        panels.register("org_admin", pages.intake_tokens_panel)
