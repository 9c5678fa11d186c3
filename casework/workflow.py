"""Which status may follow which: the case workflow as one table, the crisis branch, the
evacuation events that move a case on, and the reason for every refusal.

Pure computation on a case's clear columns, plus the requirements that apps above casework
register (evacuation: "lawyer review needs a dossier"), so that casework imports none of them.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from casework.models import CRISIS_STATUSES, Case, Status

S = Status

# The ordinary path of a case: status -> the statuses a caseworker may move it to. Closing
# is allowed from every status but a closed one, and the crisis branch from every status
# (see allowed_targets); neither is repeated here.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.INTAKE: frozenset({S.TRIAGE, S.VERIFICATION_PENDING, S.CONSULTATION}),
    S.TRIAGE: frozenset(
        {S.INTAKE, S.VERIFICATION_PENDING, S.CONSULTATION, S.EXIT_PLANNING, S.STAYED_IN_RUSSIA}
    ),
    S.VERIFICATION_PENDING: frozenset({S.TRIAGE, S.CONSULTATION, S.EXIT_PLANNING}),
    S.CONSULTATION: frozenset(
        {
            S.EXIT_PLANNING,
            S.HIDING_IN_RUSSIA,
            S.DOSSIER_PREPARATION,
            S.ASYLUM_LODGED,
            S.STAYED_IN_RUSSIA,
        }
    ),
    S.EXIT_PLANNING: frozenset(
        {
            S.LEAVING_UNIT,
            S.HIDING_IN_RUSSIA,
            S.BORDER_CROSSING,
            S.DOSSIER_PREPARATION,
            S.STAYED_IN_RUSSIA,
        }
    ),
    S.LEAVING_UNIT: frozenset({S.HIDING_IN_RUSSIA, S.BORDER_CROSSING}),
    S.HIDING_IN_RUSSIA: frozenset({S.EXIT_PLANNING, S.BORDER_CROSSING, S.STAYED_IN_RUSSIA}),
    # Turned back at the border: into hiding again.
    S.BORDER_CROSSING: frozenset({S.IN_TRANSIT, S.HIDING_IN_RUSSIA, S.ASYLUM_LODGED}),
    S.IN_TRANSIT: frozenset({S.DOSSIER_PREPARATION, S.ASYLUM_LODGED, S.TRAVEL}),
    S.DOSSIER_PREPARATION: frozenset({S.LAWYER_REVIEW, S.IN_TRANSIT}),
    # Changes requested by the lawyer: back to preparation.
    S.LAWYER_REVIEW: frozenset({S.DOSSIER_PREPARATION, S.VISA_SUBMITTED}),
    S.VISA_SUBMITTED: frozenset({S.VISA_GRANTED, S.VISA_REFUSED}),
    S.VISA_GRANTED: frozenset({S.TRAVEL}),
    S.VISA_REFUSED: frozenset({S.APPEAL, S.DOSSIER_PREPARATION, S.ASYLUM_LODGED}),
    S.APPEAL: frozenset({S.VISA_GRANTED, S.PROTECTED, S.REJECTED}),
    S.TRAVEL: frozenset({S.ARRIVED}),
    S.ARRIVED: frozenset({S.ASYLUM_LODGED, S.PROTECTED}),
    S.ASYLUM_LODGED: frozenset({S.PROTECTED, S.REJECTED}),
    S.PROTECTED: frozenset(),
    S.REJECTED: frozenset({S.APPEAL, S.DOSSIER_PREPARATION, S.IN_TRANSIT}),
    S.STAYED_IN_RUSSIA: frozenset({S.CONSULTATION, S.EXIT_PLANNING}),
    # Reopening starts again with triage.
    S.CLOSED: frozenset({S.TRIAGE}),
}

# The order of the ordinary path: an evacuation event moves a case forward along it, never
# back (a case already past the event's status stays where it is).
PROGRESS: list[str] = [
    S.INTAKE,
    S.TRIAGE,
    S.VERIFICATION_PENDING,
    S.CONSULTATION,
    S.EXIT_PLANNING,
    S.LEAVING_UNIT,
    S.HIDING_IN_RUSSIA,
    S.BORDER_CROSSING,
    S.IN_TRANSIT,
    S.DOSSIER_PREPARATION,
    S.LAWYER_REVIEW,
    S.VISA_SUBMITTED,
    S.VISA_REFUSED,
    S.APPEAL,
    S.VISA_GRANTED,
    S.TRAVEL,
    S.ARRIVED,
    S.ASYLUM_LODGED,
]


class Event:
    """What happened in the evacuation, and the status it moves a case to."""

    DOSSIER_IN_REVIEW = "dossier_in_review"
    DOSSIER_SUBMITTED = "dossier_submitted"
    VISA_GRANTED = "visa_granted"
    VISA_REFUSED = "visa_refused"
    BORDER_CROSSED = "border_crossed"
    ARRIVED = "arrived"


EVENT_STATUS: dict[str, str] = {
    Event.DOSSIER_IN_REVIEW: S.LAWYER_REVIEW,
    Event.DOSSIER_SUBMITTED: S.VISA_SUBMITTED,
    Event.VISA_GRANTED: S.VISA_GRANTED,
    Event.VISA_REFUSED: S.VISA_REFUSED,
    Event.BORDER_CROSSED: S.IN_TRANSIT,
    Event.ARRIVED: S.ARRIVED,
}

ERR_SAME_STATUS = _("The case already has this status.")
ERR_UNKNOWN_STATUS = _("Choose one of the listed statuses.")
ERR_CLOSED = _("A closed case is first reopened to triage.")
ERR_DECEASED = _("After a death the case can only be closed.")
ERR_CRISIS_RETURN = _(
    "A case leaves the crisis branch to where it was before ({status}), to another crisis "
    "status, or closed."
)
ERR_NOT_NEXT = _("From “{current}” the case can move to: {allowed}.")
ERR_STAYED_REASON = _("Say why the person stayed in Russia.")

# Statuses that need evidence held by an app above casework: status -> checks, each giving
# the reason for a refusal or None (registered from an AppConfig.ready()).
Requirement = Callable[[Case], "str | Promise | None"]
_requirements: dict[str, list[Requirement]] = {}


def register_requirement(status: str, check: Requirement) -> None:
    checks = _requirements.setdefault(status, [])
    if check not in checks:
        checks.append(check)


def _label(status: str) -> str:
    return str(Status(status).label)


def crisis_return(case: Case) -> str:
    """The status a case in the crisis branch goes back to (intake when unknown)."""
    return case.status_before_crisis or S.INTAKE


def allowed_targets(case: Case) -> list[str]:
    """The statuses the case may move to now, in the order of Status (requirements aside)."""
    current = case.status
    targets: set[str]
    if current == S.DECEASED:
        targets = {S.CLOSED}
    elif current in CRISIS_STATUSES:
        targets = {*CRISIS_STATUSES, crisis_return(case), S.CLOSED}
    elif current == S.CLOSED:
        targets = set(TRANSITIONS[S.CLOSED])
    else:
        targets = {*TRANSITIONS[current], *CRISIS_STATUSES, S.CLOSED}
    targets.discard(current)
    return [s for s in Status.values if s in targets]


def refusal(case: Case, target: str) -> str | Promise | None:
    """Why the case may not move to ``target`` now (None: it may)."""
    if target not in Status.values:
        return ERR_UNKNOWN_STATUS
    if target == case.status:
        return ERR_SAME_STATUS
    if target not in allowed_targets(case):
        return _table_refusal(case)
    for check in _requirements.get(target, []):
        reason = check(case)
        if reason:
            return reason
    return None


def _table_refusal(case: Case) -> str | Promise:
    if case.status == S.CLOSED:
        return ERR_CLOSED
    if case.status == S.DECEASED:
        return ERR_DECEASED
    if case.status in CRISIS_STATUSES:
        return format_lazy(str(ERR_CRISIS_RETURN), status=_label(crisis_return(case)))
    allowed = ", ".join(_label(s) for s in allowed_targets(case))
    return format_lazy(str(ERR_NOT_NEXT), current=_label(case.status), allowed=allowed)


def refusals(case: Case) -> list[tuple[str, str]]:
    """(status label, reason) for every status the case may not move to now (the form
    explains them)."""
    result = []
    for status in Status.values:
        if status == case.status:
            continue
        reason = refusal(case, status)
        if reason:
            result.append((_label(status), str(reason)))
    return result


def event_target(case: Case, event: str) -> str | None:
    """The status the event moves the case to, or None when it does not move it: the case
    is in the crisis branch, closed, at an outcome, or already further along."""
    target = EVENT_STATUS[event]
    if case.status not in PROGRESS or case.status == target:
        return None
    if PROGRESS.index(case.status) >= PROGRESS.index(target):
        return None
    return target


def event_suggestion(case: Case, event: str) -> str | None:
    """The status an event points to when it cannot move the case: the person is in the
    crisis branch (but alive) or stayed in Russia, so a caseworker decides. None otherwise."""
    target = EVENT_STATUS[event]
    paused = (set(CRISIS_STATUSES) - {S.DECEASED}) | {S.STAYED_IN_RUSSIA}
    if case.status in paused and case.suggested_status != target:
        return target
    return None


def path(start: str, target: str) -> list[str]:
    """The shortest series of allowed ordinary moves from ``start`` to ``target`` (target
    last; [] when it is ``start``). For demo data and tests that need a case at a status."""
    if start == target:
        return []
    previous: dict[str, str] = {}
    queue = deque([start])
    while queue:
        current = queue.popleft()
        for nxt in allowed_targets(Case(status=current)):
            if nxt in previous or nxt == start:
                continue
            previous[nxt] = current
            if nxt == target:
                steps = [nxt]
                while steps[-1] in previous and previous[steps[-1]] != start:
                    steps.append(previous[steps[-1]])
                return steps[::-1]
            queue.append(nxt)
    raise ValueError(f"no path from {start} to {target}")
