"""The user's notices about access to their cases, for the one inbox: each with who did what,
when and why. A break-glass or an admin's assignment shows its reason and its explanation,
opened through the envelope in the section it was sealed in (notes), so only someone who may
read that section now sees it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from audit.actions import ACCESS_LABELS
from casework.envelope import KeyRefused, SealedDataError, SectionShredded, key_scope
from casework.models import BreakGlass, Case, CaseAssignment, CaseNotice, NoticeKind
from casework.sections import Section
from casework.selectors.access import section_refusal
from casework.selectors.memo import for_request

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


def _open_explanation(case: Case, act: Accountable, row: Any, readable: bool) -> Accountable:
    """Opens ``row.explanation`` in the reader's key scope when they may read the notes
    (``readable``: asked first, so an expected refusal is no security event); on erasure or
    failure says so instead (the envelope has logged a failure as a security event)."""
    if not readable:
        act.explanation_missing = EXPLANATION_CLOSED
        return act
    try:
        act.explanation = case.envelope.open(row, "explanation") or ""
    except KeyRefused:
        act.explanation_missing = EXPLANATION_CLOSED
    except SectionShredded:
        act.explanation_missing = EXPLANATION_ERASED
    except SealedDataError:
        act.explanation_missing = EXPLANATION_UNREADABLE
    return act


def _glass(case: Case, glass: BreakGlass, readable: bool) -> Accountable:
    act = Accountable(
        kind=ACCESS_LABELS["break_glass"],
        by=_name(glass.user),
        at=glass.started_at,
        reason=glass.get_reason_display(),
        until=glass.expires_at,
    )
    return _open_explanation(case, act, glass, readable)


def _assignment(case: Case, row: CaseAssignment, readable: bool) -> Accountable:
    act = Accountable(
        kind=ACCESS_LABELS["admin_assignment"],
        by=_name(row.assigned_by),
        at=row.assigned_at,
        reason=row.get_reason_display(),
        assigned=_name(row.user),
    )
    return _open_explanation(case, act, row, readable)


def _reads_notes(user: User, case: Case, known: dict[Any, bool]) -> bool:
    """Whether the user may open the case's notes now, asked once per case."""
    if case.pk not in known:
        known[case.pk] = section_refusal(user=user, case=case, section=Section.NOTES) is None
    return known[case.pk]


def _entry(user: User, notice: CaseNotice, known: dict[Any, bool]) -> NoticeEntry:
    entry = NoticeEntry(notice=notice, case=notice.case)
    if notice.kind == NoticeKind.BREAK_GLASS and notice.break_glass is not None:
        readable = _reads_notes(user, notice.case, known)
        entry.act = _glass(notice.case, notice.break_glass, readable)
    elif notice.kind == NoticeKind.ASSIGNED_FROM_OUTSIDE and notice.assignment is not None:
        readable = _reads_notes(user, notice.case, known)
        entry.act = _assignment(notice.case, notice.assignment, readable)
    return entry


def case_break_glasses(case: Case) -> list[BreakGlass]:
    """Every break-glass on the case, newest first, with its user. One query per request (the
    case page shows them in two boxes)."""
    rows = BreakGlass.objects.filter(case=case).select_related("user")
    return for_request("break_glasses", case_id=case.pk, ask=lambda: list(rows))


def admin_assignments(case: Case) -> list[CaseAssignment]:
    """Assignments on the case made with a reason (by an org admin from outside), with who
    made them and whom they assigned. One query per request."""
    rows = CaseAssignment.objects.filter(case=case).exclude(reason="")
    rows = rows.select_related("assigned_by", "user")
    return for_request("admin_assignments", case_id=case.pk, ask=lambda: list(rows))


def accountable_acts(*, user: User, case: Case) -> list[Accountable]:
    """Every break-glass and admin's assignment on the case, newest first, with explanations
    opened for ``user`` (call it for the assigned caseworkers). Two queries, and the key
    check of the notes."""
    glasses = case_break_glasses(case)
    outside = admin_assignments(case)
    readable = _reads_notes(user, case, {})
    with key_scope(user=user):
        acts = [_glass(case, g, readable) for g in glasses]
        acts += [_assignment(case, a, readable) for a in outside]
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
    known: dict[Any, bool] = {}
    with key_scope(user=user):
        return [_entry(user, notice, known) for notice in notices]


def unread_notice_rows(*, user: User) -> QuerySet[CaseNotice]:
    """The notices about cases the user has not read. Lazy."""
    return CaseNotice.objects.filter(user=user, read_at__isnull=True)


def unread_notices(*, user: User) -> int:
    """How many notices about cases the user has not read. One query."""
    return unread_notice_rows(user=user).count()
