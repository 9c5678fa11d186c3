"""In-app notifications and each person's preferences for the digest e-mail."""

from __future__ import annotations

import uuid
from datetime import datetime, time

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from audit.services import record
from casework.models import Case
from casework.services import notices_mark_read
from deadlines.models import Notification, NotificationPreference

ERR_QUIET_HOURS = _("Give both ends of the quiet hours, or neither.")


def alert_case_team(
    notes: list[Notification], *, case: Case, kind: str, now: datetime, urgent: bool = False
) -> set[uuid.UUID]:
    """Adds to ``notes`` one in-app notification of ``kind`` on the case for each of its
    assigned caseworkers and its organisation's admins (active, not frozen); returns their
    ids, who are owed the digest e-mail. Two queries."""
    active = User.objects.filter(is_active=True, frozen_at__isnull=True)
    recipients = set(active.filter(assigned_cases=case).values_list("pk", flat=True)) | set(
        active.filter(
            memberships__organisation_id=case.organisation_id, memberships__role=Role.ORG_ADMIN
        ).values_list("pk", flat=True)
    )
    notes.extend(
        Notification(user_id=user_id, kind=kind, case_id=case.pk, urgent=urgent, created_at=now)
        for user_id in sorted(recipients)
    )
    return recipients


@transaction.atomic
def notifications_mark_read(*, user: User, ids: list[int] | None = None) -> int:
    rows = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        rows = rows.filter(pk__in=ids)
    return rows.update(read_at=timezone.now())


@transaction.atomic
def inbox_mark_read(*, user: User) -> int:
    """Marks everything in the user's inbox read: deadline notifications and notices about
    access to their cases. Returns how many."""
    return notifications_mark_read(user=user) + notices_mark_read(user=user)


@transaction.atomic
def preferences_update(
    *,
    user: User,
    email_enabled: bool,
    quiet_start: time | None,
    quiet_end: time | None,
) -> NotificationPreference:
    if (quiet_start is None) != (quiet_end is None):
        raise ValidationError(ERR_QUIET_HOURS)
    pref, _created = NotificationPreference.objects.select_for_update().get_or_create(user=user)
    pref.email_enabled = email_enabled
    pref.quiet_start = quiet_start
    pref.quiet_end = quiet_end
    pref.save()
    record("notification.preferences_changed", actor=user, obj=user, org=None)
    return pref
