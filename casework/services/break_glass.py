"""Break-glass: an org admin opens a case they are not assigned to, with a reason, for a
limited time, noticed by the assigned caseworkers; and marking notices read."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from audit.services import record
from casework.guards import lock_case
from casework.models import (
    BreakGlass,
    BreakGlassReason,
    Case,
    CaseNotice,
    NoticeKind,
)
from casework.selectors import (
    is_assigned_caseworker,
    is_owner_admin,
)
from casework.services.access import (
    BREAK_GLASS_DEFAULT,
    BREAK_GLASS_MAX,
    ERR_ALREADY_ASSIGNED,
    ERR_DURATION,
    ERR_EXPLANATION_REQUIRED,
    ERR_UNKNOWN_REASON,
)


@transaction.atomic
def break_glass(
    *,
    case: Case,
    by: User,
    reason: str,
    explanation: str,
    duration: timedelta = BREAK_GLASS_DEFAULT,
) -> BreakGlass:
    """An org admin opens an unassigned case of their organisation for ``duration`` (2 h by
    default). The reason code goes to the audit log; the explanation is sealed in the notes
    section; every assigned caseworker gets an in-app notice."""
    if not is_owner_admin(user=by, case=case):
        raise PermissionDenied
    if is_assigned_caseworker(user=by, case=case):
        raise ValidationError(ERR_ALREADY_ASSIGNED)
    if reason not in BreakGlassReason.values:
        raise ValidationError(ERR_UNKNOWN_REASON)
    explanation = (explanation or "").strip()
    if not explanation:
        raise ValidationError(ERR_EXPLANATION_REQUIRED)
    if not timedelta(minutes=15) <= duration <= BREAK_GLASS_MAX:
        raise ValidationError(ERR_DURATION)
    lock_case(case)
    now = timezone.now()
    glass = BreakGlass.objects.create(
        case=case, user=by, reason=reason, started_at=now, expires_at=now + duration
    )
    # Sealed after the row exists: within a user-bound key scope the notes key is handed out
    # only because this break-glass is now live.
    case.envelope.seal(glass, "explanation", explanation)
    glass.save(update_fields=["explanation"])
    CaseNotice.objects.bulk_create(
        CaseNotice(user=user, case=case, kind=NoticeKind.BREAK_GLASS, break_glass=glass)
        for user in case.assigned_caseworkers.all()
    )
    record("case.break_glass", actor=by, obj=case, org=case.organisation_id, reason=reason)
    return glass


@transaction.atomic
def notices_mark_read(*, user: User) -> int:
    """Marks the user's unread notices as read. Returns how many."""
    return CaseNotice.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())
