from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvacuationConfig(AppConfig):
    name = "evacuation"
    verbose_name = _("Evacuation and visas")

    def ready(self) -> None:
        from audit.actions import register_value_labels
        from casework.models import Status
        from casework.workflow import register_requirement
        from deadlines.services import register_computed_source, register_crossing_source
        from evacuation.models import (
            Decision,
            DossierStatus,
            PlanStatus,
            ReviewDecision,
            StepStatus,
        )
        from evacuation.services.plans import border_crossings
        from evacuation.services.visas import visa_deadlines
        from evacuation.services.workflow import needs_application, needs_dossier

        register_value_labels(("status", "from_status"), DossierStatus.choices)
        for choices in (PlanStatus, StepStatus, Decision, ReviewDecision):
            register_value_labels(("status",), choices.choices)
        # Visa dates become deadlines on the case (deadlines.services.computed_deadlines_refresh).
        register_computed_source(visa_deadlines)
        # Border crossings done are earlier stays the transit stay limit counts.
        register_crossing_source(border_crossings)
        # Statuses that need evidence the evacuation holds (casework.workflow).
        register_requirement(Status.LAWYER_REVIEW, needs_dossier)
        for status in (Status.VISA_SUBMITTED, Status.VISA_GRANTED, Status.VISA_REFUSED):
            register_requirement(status, needs_application)
