"""The user's notices about access to their cases, for the one inbox: each with who did what,
when and why. A break-glass or an admin's assignment shows its reason and its explanation,
opened through the envelope in the section it was sealed in (notes), so only someone who may
read that section now sees it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils.translation import gettext_lazy as _

from accounts.models import User
from casework.envelope import KeyRefused, SealedDataError, SectionShredded, key_scope
from casework.models import Case, CaseNotice, NoticeKind

EXPLANATION_CLOSED = _("The explanation is in the notes, which are not open to you.")
EXPLANATION_ERASED = _("The explanation was erased with the notes.")
EXPLANATION_UNREADABLE = _("The explanation could not be opened.")


@dataclass
class NoticeEntry:
    notice: CaseNotice
    case: Case
    # Who did it (a name), when, the reason (a label) and the opened explanation, for the
    # accountable acts (break-glass, an admin's assignment); empty otherwise.
    by: str = ""
    at: datetime | None = None
    reason: Any = ""
    explanation: str = ""
    explanation_missing: Any = ""
    # For an admin's assignment: whom they assigned.
    assigned: str = ""


def _name(user: User | None) -> str:
    if user is None:
        return str(_("Deleted account"))
    return user.display_name or user.email


def _open_explanation(entry: NoticeEntry, row: Any) -> None:
    """Opens ``row.explanation`` in the key scope of the reader; on refusal, erasure or
    failure says so instead (the envelope has logged a failure as a security event)."""
    try:
        entry.explanation = entry.case.envelope.open(row, "explanation") or ""
    except KeyRefused:
        entry.explanation_missing = EXPLANATION_CLOSED
    except SectionShredded:
        entry.explanation_missing = EXPLANATION_ERASED
    except SealedDataError:
        entry.explanation_missing = EXPLANATION_UNREADABLE


def _entry(notice: CaseNotice) -> NoticeEntry:
    entry = NoticeEntry(notice=notice, case=notice.case)
    glass, assignment = notice.break_glass, notice.assignment
    if notice.kind == NoticeKind.BREAK_GLASS and glass is not None:
        entry.by, entry.at = _name(glass.user), glass.started_at
        entry.reason = glass.get_reason_display()
        _open_explanation(entry, glass)
    elif notice.kind == NoticeKind.ASSIGNED_FROM_OUTSIDE and assignment is not None:
        entry.by, entry.at = _name(assignment.assigned_by), assignment.assigned_at
        entry.reason = assignment.get_reason_display()
        entry.assigned = _name(assignment.user)
        _open_explanation(entry, assignment)
    return entry


def notice_inbox(*, user: User, limit: int = 50) -> list[NoticeEntry]:
    """The user's newest notices about cases (read and unread), with the details of each
    accountable act. One query, and the key checks of the explanations opened (a few queries
    per case)."""
    notices = (
        CaseNotice.objects.filter(user=user)
        .select_related(
            "case",
            "break_glass__user",
            "assignment__assigned_by",
            "assignment__user",
        )
        .order_by("-created_at", "-pk")[:limit]
    )
    with key_scope(user=user):
        return [_entry(notice) for notice in notices]


def unread_notices(*, user: User) -> int:
    """How many notices about cases the user has not read. One query."""
    return CaseNotice.objects.filter(user=user, read_at__isnull=True).count()
