from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CaseworkConfig(AppConfig):
    name = "casework"
    verbose_name = _("Case files")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from accounts.case_lookups import CaseLookups, register
        from audit.actions import register_value_labels
        from casework import (
            checks,  # noqa: F401 - registers the system checks
            models,
        )
        from casework.sections import Section
        from casework.selectors import seen

        register(
            CaseLookups(
                object_type="casework.case",
                references=seen.references_for,
                resolve=seen.case_id_for,
                shared_with=seen.cases_shared_with,
            )
        )
        # The audit log shows the names of the codes its events carry.
        register_value_labels(("section", "sections"), Section.choices)
        register_value_labels(("status", "from_status"), models.Status.choices)
        register_value_labels(("status", "from_status"), models.ReferralStatus.choices)
        register_value_labels(("status",), models.Screening.choices)
        register_value_labels(("method",), models.ConsentGiver.choices)
        register_value_labels(("method",), models.ConsentConfirmation.choices)
        for reasons in (
            models.BreakGlassReason,
            models.AssignmentReason,
            models.ReferralReason,
            models.ConsentPurpose,
        ):
            register_value_labels(("reason",), reasons.choices)
