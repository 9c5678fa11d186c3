"""The dossier's way through review: sent to the lawyer, comments both ways, the lawyer's
decision, then what happened to it after approval."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from audit.services import record
from casework import workflow
from casework.guards import lock_case, seal
from casework.models import Case, CaseNotice, NoticeKind
from casework.services import case_status_event
from evacuation.models import (
    Dossier,
    DossierItem,
    DossierStatus,
    LawyerReview,
    ReviewComment,
    ReviewDecision,
)
from evacuation.selectors import CASEWORKER, dossier_role, may_review
from evacuation.services.dossiers import (
    ERR_ITEM_OTHER_DOSSIER,
    ERR_NOT_REVIEWER,
    dossier_missing,
    lock_dossier,
    require_editable,
    touch_dossier,
)

ERR_NOT_IN_REVIEW = _("The dossier is not in review.")
ERR_EMPTY_COMMENT = _("Write the comment first.")
ERR_UNKNOWN_DECISION = _("Choose to approve or to request changes.")
ERR_CHANGES_NEED_COMMENT = _("Say what needs to change.")
ERR_BAD_TRANSITION = _("The dossier cannot move to this status from where it is.")

# After approval the caseworkers record what happened to the dossier.
TRANSITIONS: dict[str, set[DossierStatus]] = {
    DossierStatus.SUBMITTED: {DossierStatus.APPROVED},
    DossierStatus.DECIDED: {DossierStatus.SUBMITTED},
}


def _notify(users, case: Case, kind: str) -> None:
    CaseNotice.objects.bulk_create(CaseNotice(user=u, case=case, kind=kind) for u in users)


@transaction.atomic
def dossier_submit_for_review(*, dossier: Dossier, by: User) -> Dossier:
    """Draft or changes requested → in review, once nothing is missing (the ValidationError
    lists what is)."""
    dossier = lock_dossier(dossier)
    require_editable(dossier, by)
    missing = dossier_missing(dossier=dossier)
    if missing:
        raise ValidationError(missing)
    if dossier.reviewer is None or not may_review(user=dossier.reviewer, case=dossier.case):
        raise ValidationError(ERR_NOT_REVIEWER)
    touch_dossier(dossier, status=DossierStatus.IN_REVIEW)
    _notify([dossier.reviewer], dossier.case, NoticeKind.DOSSIER_REVIEW)
    case_status_event(case=dossier.case, by=by, event=workflow.Event.DOSSIER_IN_REVIEW)
    record(
        "dossier.status_changed",
        actor=by,
        obj=dossier,
        org=dossier.case.organisation_id,
        status=DossierStatus.IN_REVIEW,
    )
    return dossier


@transaction.atomic
def dossier_comment(
    *, dossier: Dossier, by: User, text: str, item: DossierItem | None = None
) -> ReviewComment:
    """A comment by an assigned caseworker or the reviewing lawyer, on an item or overall."""
    if dossier_role(user=by, dossier=dossier) is None:
        raise PermissionDenied
    if not text.strip():
        raise ValidationError(ERR_EMPTY_COMMENT)
    if item is not None and item.dossier_id != dossier.pk:
        raise ValidationError(ERR_ITEM_OTHER_DOSSIER)
    lock_case(dossier.case)
    comment = ReviewComment(case=dossier.case, dossier=dossier, item=item, author=by)
    seal(dossier.case, comment, {"text": text.strip()})
    comment.save()
    record(
        "dossier.commented",
        actor=by,
        obj=dossier,
        org=dossier.case.organisation_id,
    )
    return comment


@transaction.atomic
def dossier_review(*, dossier: Dossier, by: User, decision: str, comment: str = "") -> Dossier:
    """The reviewing lawyer approves the dossier or requests changes (saying which)."""
    dossier = lock_dossier(dossier)
    if dossier.reviewer_id != by.pk or not may_review(user=by, case=dossier.case):
        raise PermissionDenied
    if decision not in ReviewDecision.values:
        raise ValidationError(ERR_UNKNOWN_DECISION)
    if dossier.status != DossierStatus.IN_REVIEW:
        raise ValidationError(ERR_NOT_IN_REVIEW)
    if decision == ReviewDecision.CHANGES_REQUESTED and not comment.strip():
        raise ValidationError(ERR_CHANGES_NEED_COMMENT)
    LawyerReview.objects.create(dossier=dossier, reviewer=by, decision=decision)
    touch_dossier(dossier, status=decision)
    _notify(dossier.case.assigned_caseworkers.all(), dossier.case, NoticeKind.DOSSIER_REVIEWED)
    if comment.strip():
        # Last of the writes: the comment appends its own audit event (the lock order).
        dossier_comment(dossier=dossier, by=by, text=comment)
    record(
        "dossier.reviewed",
        actor=by,
        obj=dossier,
        org=dossier.case.organisation_id,
        status=decision,
    )
    return dossier


@transaction.atomic
def dossier_mark(*, dossier: Dossier, by: User, status: str) -> Dossier:
    """Approved → submitted (to the consulate or authority) → decided."""
    dossier = lock_dossier(dossier)
    if dossier_role(user=by, dossier=dossier) != CASEWORKER:
        raise PermissionDenied
    if dossier.status not in TRANSITIONS.get(status, set()):
        raise ValidationError(ERR_BAD_TRANSITION)
    touch_dossier(dossier, status=status)
    if status == DossierStatus.SUBMITTED:
        case_status_event(case=dossier.case, by=by, event=workflow.Event.DOSSIER_SUBMITTED)
    record(
        "dossier.status_changed",
        actor=by,
        obj=dossier,
        org=dossier.case.organisation_id,
        status=status,
    )
    return dossier
