"""Who works on a case: assigning caseworkers, accountably when the person assigning is not
assigned themselves, and opening location and route to a colleague before verification."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from audit.services import deferred, record
from casework import limits
from casework.guards import lock_case
from casework.models import (
    AssignmentReason,
    Case,
    CaseAssignment,
    CaseNotice,
    LocationOpening,
    NoticeKind,
)
from casework.selectors import (
    can_manage_assignment,
    caseworkers_of,
    holds_location,
    is_assigned_caseworker,
    is_owner_admin,
    may_open_location,
)

ERR_UNKNOWN_CASEWORKER = _("Choose caseworkers of this organisation.")
ERR_NO_CASEWORKER = _("A case needs at least one assigned caseworker.")
ERR_ASSIGN_REASON = _(
    "You are not assigned to this case: choose why you assign someone to it, and explain."
)
ERR_NOT_ASSIGNED_COLLEAGUE = _("Choose a caseworker assigned to this case.")
ERR_NO_CASES = _("Choose at least one case.")
ERR_BULK_ADMIN = _("Only the organisation's admins reassign several cases at once.")
ERR_ALREADY_OPEN = _("Location and route are already open to this caseworker.")
ERR_CANNOT_OPEN = _(
    "Only an assigned caseworker who holds location and route, or an organisation admin "
    "under break-glass, can open them to a colleague."
)


def _check_outside_reason(reason: str, explanation: str) -> str:
    explanation = limits.check_text((explanation or "").strip(), limits.SHORT_TEXT)
    if reason not in AssignmentReason.values or not explanation:
        raise ValidationError(ERR_ASSIGN_REASON)
    return explanation


@transaction.atomic
def case_assign(
    *, case: Case, by: User, caseworkers: list[User], reason: str = "", explanation: str = ""
) -> Case:
    """Sets the assigned caseworkers (active caseworkers of the case's organisation). Someone
    not assigned to the case (an org admin) must give a reason and an explanation, like
    break-glass: both are kept with each person added (the explanation sealed), and every
    assigned caseworker is told. Before verification, newly assigned people do not read
    location and route until it is opened to them (location_open)."""
    if not can_manage_assignment(user=by, case=case):
        raise PermissionDenied
    from_outside = not is_assigned_caseworker(user=by, case=case)
    if from_outside:
        explanation = _check_outside_reason(reason, explanation)
    allowed = set(caseworkers_of(organisation_id=case.organisation_id).values_list("pk", flat=True))
    chosen = {u.pk for u in caseworkers}
    if not chosen:
        raise ValidationError(ERR_NO_CASEWORKER)
    if not chosen <= allowed:
        raise ValidationError(ERR_UNKNOWN_CASEWORKER)
    lock_case(case)
    before = set(case.assigned_caseworkers.values_list("pk", flat=True))
    # Primary keys are UUIDs; the stubs take only integer ones.
    case.assigned_caseworkers.set(list(chosen))  # type: ignore[arg-type]
    # Someone taken off the case loses what was opened to them personally.
    LocationOpening.objects.filter(case=case, user_id__in=before - chosen).delete()
    added = [
        CaseAssignment(case=case, user_id=pk, assigned_by=by, reason=reason if from_outside else "")
        for pk in sorted(chosen - before, key=str)
    ]
    for row in added:
        if from_outside:
            case.envelope.seal_write_only(row, "explanation", explanation)
    CaseAssignment.objects.bulk_create(added)
    if from_outside:
        CaseNotice.objects.bulk_create(
            CaseNotice(user_id=pk, case=case, kind=NoticeKind.ASSIGNED_FROM_OUTSIDE, assignment=row)
            for row in added
            for pk in sorted(chosen, key=str)
        )
    data = {"reason": reason} if from_outside else {}
    record("case.assigned", actor=by, obj=case, org=case.organisation_id, count=len(chosen), **data)
    return case


def cases_reassign(
    *,
    cases: list[Case],
    by: User,
    to: User,
    remove: User | None = None,
    reason: str,
    explanation: str,
) -> int:
    """An org admin gives ``to`` the chosen cases, taking ``remove`` (a colleague who left)
    off them: case_assign() for each case, so each is accountable (reason and explanation
    kept, assigned caseworkers told) and audited once. All or nothing. Returns how many."""
    if not cases:
        raise ValidationError(ERR_NO_CASES)
    with transaction.atomic(), deferred():
        # One order for every bulk change: two at once never wait on each other's locks.
        for case in sorted(cases, key=lambda c: str(c.pk)):
            if not is_owner_admin(user=by, case=case):
                raise PermissionDenied(ERR_BULK_ADMIN)
            current = set(case.assigned_caseworkers.all())
            chosen = (current - {remove}) | {to}
            case_assign(
                case=case, by=by, caseworkers=list(chosen), reason=reason, explanation=explanation
            )
    return len(cases)


@transaction.atomic
def location_open(*, case: Case, by: User, colleague: User) -> LocationOpening:
    """Before verification: opens location and route to an assigned colleague. By an
    assigned caseworker who holds them, or an org admin under break-glass. The colleague is
    told; the opening is audited."""
    if not may_open_location(user=by, case=case):
        raise PermissionDenied(ERR_CANNOT_OPEN)
    if not is_assigned_caseworker(user=colleague, case=case):
        raise ValidationError(ERR_NOT_ASSIGNED_COLLEAGUE)
    lock_case(case)
    if case.is_verified or holds_location(user=colleague, case=case):
        raise ValidationError(ERR_ALREADY_OPEN)
    opening = LocationOpening.objects.create(case=case, user=colleague, opened_by=by)
    CaseNotice.objects.create(user=colleague, case=case, kind=NoticeKind.LOCATION_OPENED)
    record(
        "case.location_opened",
        actor=by,
        obj=case,
        org=case.organisation_id,
        target_user=str(colleague.pk),
    )
    return opening
