from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvacuationConfig(AppConfig):
    name = "evacuation"
    verbose_name = _("Evacuation and visas")

    def ready(self) -> None:
        from deadlines.services import register_computed_source, register_crossing_source
        from evacuation.services.plans import border_crossings
        from evacuation.services.visas import visa_deadlines

        # Visa dates become deadlines on the case (deadlines.services.computed_deadlines_refresh).
        register_computed_source(visa_deadlines)
        # Border crossings done are earlier stays the transit stay limit counts.
        register_crossing_source(border_crossings)
