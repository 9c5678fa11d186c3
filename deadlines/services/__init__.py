"""Writes for deadlines and reminders. Keyword-only, typed, one transaction each, audited.

By area: ``deadlines`` (added by hand), ``computed`` (from the case's dates), ``reminders``
(the scan), ``digests`` (the content-free e-mail), ``notifications``, ``checkins``,
``retention``. Callers import from here.
"""

from __future__ import annotations

from deadlines.services.checkins import (
    ERR_INTERVAL,
    ERR_NO_SCHEDULE,
    checkin_record,
    checkin_schedule_set,
    missed_checkins_escalate,
)
from deadlines.services.closing import case_closed_cancel
from deadlines.services.computed import (
    KIND_ART_337,
    KIND_ESUMMONS,
    KIND_TRANSIT_STAY,
    UNREADABLE,
    ComputedSource,
    CrossingSource,
    Due,
    Wanted,
    computed_deadlines_refresh,
    register_computed_source,
    register_crossing_source,
)
from deadlines.services.deadlines import (
    ERR_ASSIGNEE,
    ERR_COMPUTED,
    ERR_NOT_ASSIGNED,
    ERR_NOT_OPEN,
    ERR_PAST_DUE,
    ERR_REASON,
    ERR_UNCHANGED,
    deadline_change,
    deadline_create,
    deadline_set_status,
)
from deadlines.services.digests import (
    DIGEST_BODY,
    DIGEST_SUBJECT,
    EMAIL_BATCH,
    digest_message,
    emails_deliver,
    smtp_connection_close,
)
from deadlines.services.notifications import (
    ERR_QUIET_HOURS,
    inbox_mark_read,
    notifications_mark_read,
    preferences_update,
)
from deadlines.services.reminders import ScanResult, active_offset, recipients_of, reminders_scan
from deadlines.services.retention import (
    ERR_HOLD_FORBIDDEN,
    RETENTION_WARNING_DAYS,
    retention_hold_set,
    retention_run,
)

__all__ = [
    "case_closed_cancel",
    "DIGEST_BODY",
    "DIGEST_SUBJECT",
    "EMAIL_BATCH",
    "ERR_ASSIGNEE",
    "ERR_COMPUTED",
    "ERR_REASON",
    "ERR_UNCHANGED",
    "deadline_change",
    "ERR_HOLD_FORBIDDEN",
    "ERR_INTERVAL",
    "ERR_NOT_ASSIGNED",
    "ERR_NOT_OPEN",
    "ERR_NO_SCHEDULE",
    "ERR_PAST_DUE",
    "ERR_QUIET_HOURS",
    "KIND_ART_337",
    "KIND_ESUMMONS",
    "KIND_TRANSIT_STAY",
    "RETENTION_WARNING_DAYS",
    "UNREADABLE",
    "ComputedSource",
    "CrossingSource",
    "Due",
    "ScanResult",
    "Wanted",
    "active_offset",
    "checkin_record",
    "checkin_schedule_set",
    "computed_deadlines_refresh",
    "deadline_create",
    "deadline_set_status",
    "digest_message",
    "emails_deliver",
    "smtp_connection_close",
    "missed_checkins_escalate",
    "inbox_mark_read",
    "notifications_mark_read",
    "preferences_update",
    "recipients_of",
    "register_computed_source",
    "register_crossing_source",
    "reminders_scan",
    "retention_hold_set",
    "retention_run",
]
