from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _kind_labels() -> list[tuple[str, str]]:
    from deadlines.models import DeadlineKind

    return [(kind.code, kind.label) for kind in DeadlineKind.objects.all()]


class DeadlinesConfig(AppConfig):
    name = "deadlines"
    verbose_name = _("Deadlines and reminders")

    def ready(self) -> None:
        from audit.actions import register_value_labels
        from casework.selectors.cases import register_next_due
        from casework.signals import case_closed, case_dates_changed
        from deadlines.selectors import next_due_month
        from deadlines.services import case_closed_cancel, computed_deadlines_refresh

        register_next_due(next_due_month)
        # deadline.created names the kind by its code; the audit log shows its name.
        register_value_labels(("status",), _kind_labels)

        def refresh(sender, *, case, by, **kwargs) -> None:
            computed_deadlines_refresh(case=case, by=by)

        def close(sender, *, case, by, **kwargs) -> None:
            case_closed_cancel(case=case, by=by)

        case_dates_changed.connect(refresh, weak=False, dispatch_uid="deadlines.refresh")
        case_closed.connect(close, weak=False, dispatch_uid="deadlines.close")
