"""A visa application's dossier while the caseworkers build it: the checklist's documents,
the testimony excerpt and legal summary, the vetting, the reviewing lawyer."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from audit.services import record
from casework import limits
from casework.guards import lock_case, require_assigned, seal
from casework.models import Document, Testimony
from evacuation.models import (
    EDITABLE_STATUSES,
    Dossier,
    DossierDocument,
    DossierItem,
    DossierRequirement,
    VisaApplication,
)
from evacuation.selectors import may_review

ERR_DOSSIER_EXISTS = _("This application already has a dossier.")
ERR_NOT_EDITABLE = _(
    "The dossier is in review or beyond: it can be changed again once the lawyer asks for changes."
)
ERR_DOCUMENT_OTHER_CASE = _("This document belongs to another case.")
ERR_ITEM_OTHER_DOSSIER = _("This checklist item belongs to another dossier.")
ERR_DOCUMENT_TYPE = _(
    "“%(item)s” takes documents of its type only. To include another, give the reason the "
    "lawyer will see."
)
ERR_TESTIMONY_OTHER_CASE = _("This statement belongs to another case.")
ERR_TESTIMONY_NO_CONSENT = _(
    "The person has not consented to this statement being used in a dossier."
)
ERR_NOT_REVIEWER = _("Choose a lawyer who may review this case's dossier.")
ERR_ALREADY_VETTED = _("Vetting is already recorded.")
MISSING_VETTING = _("Vetting has not been recorded.")
MISSING_REVIEWER = _("No reviewing lawyer has been chosen.")
MISSING_ITEM = _("Missing: %(item)s")


@transaction.atomic
def dossier_create(*, application: VisaApplication, by: User) -> Dossier:
    """The dossier of a visa application, its checklist copied from the route's template."""
    case = application.case
    require_assigned(by=by, case=case)
    if Dossier.objects.filter(visa_application=application).exists():
        raise ValidationError(ERR_DOSSIER_EXISTS)
    lock_case(case)
    dossier = Dossier.objects.create(case=case, visa_application=application)
    DossierItem.objects.bulk_create(
        DossierItem(
            case=case,
            dossier=dossier,
            document_type_id=req.document_type_id,
            required=req.required,
            position=req.position,
        )
        for req in DossierRequirement.objects.filter(route=application.route)
    )
    record("dossier.created", actor=by, obj=dossier, org=case.organisation_id)
    return dossier


def accepted_types(*, item: DossierItem, route: str) -> set[int]:
    """The document types the item takes without a reason: its own, and those its route's
    requirement also accepts (one query)."""
    also = DossierRequirement.objects.filter(
        route_id=route, document_type_id=item.document_type_id
    ).values_list("also_accepts", flat=True)
    return {item.document_type_id, *(pk for pk in also if pk is not None)}


def require_editable(dossier: Dossier, by: User) -> None:
    """PermissionDenied unless ``by`` is an assigned caseworker; ERR_NOT_EDITABLE once the
    dossier is in review or beyond."""
    require_assigned(by=by, case=dossier.case)
    if dossier.status not in EDITABLE_STATUSES:
        raise ValidationError(ERR_NOT_EDITABLE)


def touch_dossier(dossier: Dossier, *sealed: str, **fields: Any) -> None:
    """Saves ``fields`` (and the ``sealed`` columns already set) with a new updated_at."""
    fields["updated_at"] = timezone.now()
    for name, value in fields.items():
        setattr(dossier, name, value)
    dossier.save(update_fields=[*sealed, *fields])


def lock_dossier(dossier: Dossier) -> Dossier:
    """The dossier re-read with its case locked first (the lock order of every write to a
    case): two people acting at once see each other."""
    lock_case(dossier.case)
    return Dossier.objects.select_related("case").get(pk=dossier.pk)


@transaction.atomic
def dossier_link(
    *,
    dossier: Dossier,
    by: User,
    item: DossierItem,
    documents: list[Document],
    override_reason: str = "",
) -> DossierItem:
    """Sets the case documents included under a checklist item, in the order given. A
    document of a type the item does not accept (accepted_types) needs ``override_reason``
    (sealed with the item, shown to the reviewing lawyer); without one it is refused
    (ERR_DOCUMENT_TYPE) and nothing changes."""
    dossier = lock_dossier(dossier)
    require_editable(dossier, by)
    if item.dossier_id != dossier.pk:
        raise ValidationError(ERR_ITEM_OTHER_DOSSIER)
    if any(d.case_id != dossier.case_id for d in documents):
        raise ValidationError(ERR_DOCUMENT_OTHER_CASE)
    reason = limits.check_text(override_reason.strip(), limits.SHORT_TEXT)
    accepted = accepted_types(item=item, route=dossier.visa_application.route)
    others = [d for d in documents if d.document_type_id not in accepted]
    if others and not reason:
        raise ValidationError(str(ERR_DOCUMENT_TYPE) % {"item": item.document_type})
    DossierDocument.objects.filter(item=item).delete()
    DossierDocument.objects.bulk_create(
        DossierDocument(item=item, document=d, position=i) for i, d in enumerate(documents)
    )
    seal(dossier.case, item, {"override_reason": reason if others else ""})
    item.save(update_fields=["override_reason"])
    touch_dossier(dossier)
    extra = {"reason": "other_type"} if others else {}
    record(
        "dossier.documents_set",
        actor=by,
        obj=dossier,
        org=dossier.case.organisation_id,
        count=len(documents),
        **extra,
    )
    return item


@transaction.atomic
def dossier_contents(
    *,
    dossier: Dossier,
    by: User,
    testimony: Testimony | None,
    testimony_excerpt: str,
    exposure_summary: str,
) -> Dossier:
    """The statement the excerpt comes from (it must carry the person's consent to use in a
    dossier), the excerpt and the legal exposure summary."""
    dossier = lock_dossier(dossier)
    require_editable(dossier, by)
    case = dossier.case
    if testimony is not None:
        if testimony.case_id != case.pk:
            raise ValidationError(ERR_TESTIMONY_OTHER_CASE)
        if not testimony.consent_dossier:
            raise ValidationError(ERR_TESTIMONY_NO_CONSENT)
    seal(
        case,
        dossier,
        {
            "testimony_excerpt": testimony_excerpt.strip(),
            "exposure_summary": exposure_summary.strip(),
        },
    )
    touch_dossier(dossier, "testimony_excerpt", "exposure_summary", testimony=testimony)
    record("dossier.contents_saved", actor=by, obj=dossier, org=case.organisation_id)
    return dossier


@transaction.atomic
def dossier_vet(*, dossier: Dossier, by: User, note: str) -> Dossier:
    """Records the vetting: who (the caseworker recording it) and when, with a sealed note."""
    dossier = lock_dossier(dossier)
    require_editable(dossier, by)
    if dossier.is_vetted:
        raise ValidationError(ERR_ALREADY_VETTED)
    seal(dossier.case, dossier, {"vetting_note": note.strip()})
    touch_dossier(dossier, "vetting_note", vetted_by=by, vetted_at=timezone.now())
    record("dossier.vetted", actor=by, obj=dossier, org=dossier.case.organisation_id)
    return dossier


@transaction.atomic
def dossier_assign_reviewer(*, dossier: Dossier, by: User, lawyer: User) -> Dossier:
    dossier = lock_dossier(dossier)
    require_assigned(by=by, case=dossier.case)
    if not may_review(user=lawyer, case=dossier.case):
        raise ValidationError(ERR_NOT_REVIEWER)
    touch_dossier(dossier, reviewer=lawyer)
    record(
        "dossier.reviewer_set",
        actor=by,
        obj=dossier,
        org=dossier.case.organisation_id,
        target_user=str(lawyer.pk),
    )
    return dossier


def dossier_missing(*, dossier: Dossier) -> list[str]:
    """What keeps the dossier from review, as messages: vetting, the reviewer, and each
    required checklist item without a document. Empty when it may go to review."""
    missing = []
    if not dossier.is_vetted:
        missing.append(str(MISSING_VETTING))
    if dossier.reviewer_id is None:
        missing.append(str(MISSING_REVIEWER))
    empty = (
        dossier.items.filter(required=True, links__isnull=True)
        .select_related("document_type")
        .order_by("position", "id")
    )
    missing.extend(str(MISSING_ITEM) % {"item": item.document_type} for item in empty)
    return missing
