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
from audit.actions import ACCESS_LABELS
from casework.envelope import KeyRefused, SealedDataError, SectionShredded, key_scope
from casework.models import BreakGlass, Case, CaseAssignment, CaseNotice, NoticeKind

EXPLANATION_CLOSED = _("The explanation is in the notes, which are not open to you.")
EXPLANATION_ERASED = _("The explanation was erased with the notes.")
EXPLANATION_UNREADABLE = _("The explanation could not be opened.")


@dataclass
class Accountable:
    """A break-glass or an admin's assignment: who, when, why, and (for an assignment) whom.
    ``explanation`` is opened for the reader, or ``explanation_missing`` says why not."""

    kind: Any
    by: str
    at: datetime
    reason: Any
    assigned: str = ""
    until: datetime | None = None
    explanation: str = ""
    explanation_missing: Any = ""


@dataclass
class NoticeEntry:
    notice: CaseNotice
    case: Case
    # The accountable act the notice is about (break-glass, an admin's assignment), if any.
    act: Accountable | None = None


def _name(user: User | None) -> str:
    if user is None:
        return str(_("Deleted account"))
    return user.display_name or user.email


def _open_explanation(case: Case, act: Accountable, row: Any) -> Accountable:
    """Opens ``row.explanation`` in the reader's key scope; on refusal, erasure or failure
    says so instead (the envelope has logged a failure as a security event)."""
    try:
        act.explanation = case.envelope.open(row, "explanation") or ""
    except KeyRefused:
        act.explanation_missing = EXPLANATION_CLOSED
    except SectionShredded:
        act.explanation_missing = EXPLANATION_ERASED
    except SealedDataError:
        act.explanation_missing = EXPLANATION_UNREADABLE
    return act


def _glass(case: Case, glass: BreakGlass) -> Accountable:
    act = Accountable(
        kind=ACCESS_LABELS["break_glass"],
        by=_name(glass.user),
        at=glass.started_at,
        reason=glass.get_reason_display(),
        until=glass.expires_at,
    )
    return _open_explanation(case, act, glass)


def _assignment(case: Case, row: CaseAssignment) -> Accountable:
    act = Accountable(
        kind=ACCESS_LABELS["admin_assignment"],
        by=_name(row.assigned_by),
        at=row.assigned_at,
        reason=row.get_reason_display(),
        assigned=_name(row.user),
    )
    return _open_explanation(case, act, row)


def _entry(notice: CaseNotice) -> NoticeEntry:
    entry = NoticeEntry(notice=notice, case=notice.case)
    if notice.kind == NoticeKind.BREAK_GLASS and notice.break_glass is not None:
        entry.act = _glass(notice.case, notice.break_glass)
    elif notice.kind == NoticeKind.ASSIGNED_FROM_OUTSIDE and notice.assignment is not None:
        entry.act = _assignment(notice.case, notice.assignment)
    return entry


def accountable_acts(*, user: User, case: Case) -> list[Accountable]:
    """Every break-glass and admin's assignment on the case, newest first, with explanations
    opened for ``user`` (call it for the assigned caseworkers). Two queries, and the key
    check of the notes."""
    glasses = BreakGlass.objects.filter(case=case).select_related("user")
    outside = (
        CaseAssignment.objects.filter(case=case)
        .exclude(reason="")
        .select_related("assigned_by", "user")
    )
    with key_scope(user=user):
        acts = [_glass(case, g) for g in glasses] + [_assignment(case, a) for a in outside]
    return sorted(acts, key=lambda act: act.at, reverse=True)


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
