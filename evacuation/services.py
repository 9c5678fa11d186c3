"""Writes to evacuation plans, visa applications and dossiers. Keyword-only, each in one
transaction with its audit event. Bad input raises ValidationError with one of the messages
below and writes nothing; a caller without the right raises PermissionDenied.
"""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from audit.services import record

# The case files' own guards, shared: assigned caseworkers only, a section's write right,
# sealing that turns a shredded section into a message, and the computed deadlines.
from casework.guards import dates_changed, require_assigned, require_section, seal
from casework.models import (
    Case,
    CaseNotice,
    Country,
    Document,
    NoticeKind,
    Testimony,
    this_month,
)
from casework.sections import Section
from casework.selectors import section_refusals
from evacuation import export
from evacuation.models import (
    EDITABLE_STATUSES,
    Decision,
    Dossier,
    DossierDocument,
    DossierExport,
    DossierItem,
    DossierRequirement,
    DossierStatus,
    EvacuationPlan,
    EvacuationStep,
    LawyerReview,
    PlanStatus,
    ReviewComment,
    ReviewDecision,
    StepKind,
    StepStatus,
    VisaApplication,
    VisaRoute,
)
from evacuation.selectors import CASEWORKER, dossier_role, may_review

ERR_UNKNOWN_COUNTRY = _("Unknown country: choose one from the list.")
ERR_UNKNOWN_KIND = _("Choose what kind of step this is.")
ERR_UNKNOWN_STATUS = _("Choose a status from the list.")
ERR_UNKNOWN_ROUTE = _("Choose a route from the list.")
ERR_DONE_WITHOUT_DATE = _("A step marked done needs the date it was done.")
ERR_DONE_IN_FUTURE = _("A step cannot have been done in the future.")
ERR_DECISION_DATE = _("Give the date of the decision.")
ERR_DECIDED_BEFORE_SUBMITTED = _("The decision cannot come before the application was submitted.")
ERR_DUE_BEFORE_SUBMITTED = _("The decision cannot be due before the application was submitted.")
ERR_APPEAL_BEFORE_DECISION = _("The appeal deadline cannot come before the decision date.")
ERR_APPEAL_NOT_REFUSED = _("An appeal deadline only applies to a refusal.")
ERR_VISA_DATES_NOT_GRANTED = _("Valid-until and enter-by dates only apply to a granted visa.")
ERR_ENTER_AFTER_VALID = _("The enter-by date cannot come after the visa's last valid day.")
ERR_ENTERED_NOT_GRANTED = _("An entry date only applies to a granted visa.")
ERR_DOSSIER_EXISTS = _("This application already has a dossier.")
ERR_NOT_EDITABLE = _(
    "The dossier is in review or beyond: it can be changed again once the lawyer asks for changes."
)
ERR_DOCUMENT_OTHER_CASE = _("This document belongs to another case.")
ERR_ITEM_OTHER_DOSSIER = _("This checklist item belongs to another dossier.")
ERR_TESTIMONY_OTHER_CASE = _("This statement belongs to another case.")
ERR_TESTIMONY_NO_CONSENT = _(
    "The person has not consented to this statement being used in a dossier."
)
ERR_NOT_REVIEWER = _("Choose a lawyer who may review this case's dossier.")
ERR_NOT_IN_REVIEW = _("The dossier is not in review.")
ERR_EMPTY_COMMENT = _("Write the comment first.")
ERR_UNKNOWN_DECISION = _("Choose to approve or to request changes.")
ERR_CHANGES_NEED_COMMENT = _("Say what needs to change.")
ERR_BAD_TRANSITION = _("The dossier cannot move to this status from where it is.")
ERR_ALREADY_VETTED = _("Vetting is already recorded.")
MISSING_VETTING = _("Vetting has not been recorded.")
MISSING_REVIEWER = _("No reviewing lawyer has been chosen.")
MISSING_ITEM = _("Missing: %(item)s")

# France: a humanitarian visa holder must report to claim asylum within 8 days of entry.
ASYLUM_REPORTING_DAYS = 8
REPORTING_ROUTES = frozenset({VisaRoute.FR_HUMANITARIAN})


def _require_sections(*, by: User, case: Case, sections: tuple[str, ...]) -> None:
    for section in sections:
        require_section(by=by, case=case, section=section)


def _country_codes(codes: list[str]) -> list[str]:
    codes = [c.strip().upper() for c in codes if c and c.strip()]
    known = set(Country.objects.filter(code__in=codes).values_list("code", flat=True))
    if any(c not in known for c in codes):
        raise ValidationError(ERR_UNKNOWN_COUNTRY)
    return codes


# --- The plan ------------------------------------------------------------------------------

PLAN_FIELDS = ("origin_region", "transit_countries", "destination", "fallback_notes")
STEP_FIELDS = ("kind", "country", "planned_on", "done_on", "notes")


@transaction.atomic
def plan_save(
    *,
    case: Case,
    by: User,
    status: str,
    origin_region: str,
    transit_countries: list[str],
    destination: str,
    fallback_notes: str,
) -> EvacuationPlan:
    """Creates or replaces the case's plan. Countries are ISO codes of known countries."""
    _require_sections(by=by, case=case, sections=(Section.LOCATION,))
    if status not in PlanStatus.values:
        raise ValidationError(ERR_UNKNOWN_STATUS)
    transit = _country_codes(transit_countries)
    destination_codes = _country_codes([destination]) if destination.strip() else []
    plan = EvacuationPlan.objects.select_for_update().filter(case=case).first()
    created = plan is None
    plan = plan or EvacuationPlan(case=case)
    plan.status = status
    seal(
        case,
        plan,
        {
            "origin_region": origin_region.strip(),
            "transit_countries": transit,
            "destination": destination_codes[0] if destination_codes else "",
            "fallback_notes": fallback_notes.strip(),
        },
    )
    plan.save()
    record(
        "evacuation.plan.created" if created else "evacuation.plan.updated",
        actor=by,
        obj=case,
        org=case.organisation_id,
        section=Section.LOCATION,
        status=status,
    )
    return plan


@transaction.atomic
def step_save(
    *,
    case: Case,
    by: User,
    step: EvacuationStep | None = None,
    kind: str,
    country: str,
    planned_on: date | None,
    done_on: date | None,
    status: str,
    notes: str,
) -> EvacuationStep:
    """Adds a step at the end of the plan (``step`` None) or changes one."""
    _require_sections(by=by, case=case, sections=(Section.LOCATION,))
    if kind not in StepKind.values:
        raise ValidationError(ERR_UNKNOWN_KIND)
    if status not in StepStatus.values:
        raise ValidationError(ERR_UNKNOWN_STATUS)
    codes = _country_codes([country]) if country.strip() else [""]
    if status == StepStatus.DONE and done_on is None:
        raise ValidationError(ERR_DONE_WITHOUT_DATE)
    if done_on is not None and done_on > timezone.now().date():
        raise ValidationError(ERR_DONE_IN_FUTURE)
    plan = EvacuationPlan.objects.select_for_update().filter(case=case).first()
    if plan is None:
        plan = EvacuationPlan(case=case)
        seal(case, plan, {"transit_countries": [], "destination": ""})
        plan.save()
    if step is None:
        last = plan.steps.aggregate(last=Max("position"))["last"]
        step = EvacuationStep(case=case, plan=plan, position=(last or 0) + 1)
    elif step.case_id != case.pk:
        raise PermissionDenied
    step.status = status
    seal(
        case,
        step,
        {
            "kind": kind,
            "country": codes[0],
            "planned_on": planned_on,
            "done_on": done_on,
            "notes": notes.strip(),
        },
    )
    step.save()
    record(
        "evacuation.step.saved",
        actor=by,
        obj=case,
        org=case.organisation_id,
        section=Section.LOCATION,
        status=status,
    )
    return step


# --- Visa applications ---------------------------------------------------------------------

VISA_LOCATION_FIELDS = ("consulate", "appointment_on")
VISA_LEGAL_FIELDS = (
    "submitted_on",
    "decision_due",
    "decided_on",
    "refusal_reasons",
    "appeal_deadline",
    "valid_until",
    "enter_by",
    "entered_on",
)


def _check_visa_dates(values: dict[str, Any], decision: str) -> None:
    submitted, due, decided = values["submitted_on"], values["decision_due"], values["decided_on"]
    appeal = values["appeal_deadline"]
    if submitted and due and due < submitted:
        raise ValidationError(ERR_DUE_BEFORE_SUBMITTED)
    if decision in (Decision.GRANTED, Decision.REFUSED) and decided is None:
        raise ValidationError(ERR_DECISION_DATE)
    if submitted and decided and decided < submitted:
        raise ValidationError(ERR_DECIDED_BEFORE_SUBMITTED)
    if appeal and decision != Decision.REFUSED:
        raise ValidationError(ERR_APPEAL_NOT_REFUSED)
    if appeal and decided and appeal < decided:
        raise ValidationError(ERR_APPEAL_BEFORE_DECISION)
    if decision != Decision.GRANTED and (values["valid_until"] or values["enter_by"]):
        raise ValidationError(ERR_VISA_DATES_NOT_GRANTED)
    if decision != Decision.GRANTED and values["entered_on"]:
        raise ValidationError(ERR_ENTERED_NOT_GRANTED)
    if values["valid_until"] and values["enter_by"] and values["enter_by"] > values["valid_until"]:
        raise ValidationError(ERR_ENTER_AFTER_VALID)


@transaction.atomic
def visa_save(
    *,
    case: Case,
    by: User,
    application: VisaApplication | None = None,
    route: str,
    destination: str,
    decision: str = Decision.PENDING,
    consulate: str = "",
    appointment_on: date | None = None,
    submitted_on: date | None = None,
    decision_due: date | None = None,
    decided_on: date | None = None,
    refusal_reasons: str = "",
    appeal_deadline: date | None = None,
    valid_until: date | None = None,
    enter_by: date | None = None,
    entered_on: date | None = None,
) -> VisaApplication:
    """Adds (``application`` None) or changes a visa application; its dates then create,
    move or cancel the case's visa deadlines."""
    _require_sections(by=by, case=case, sections=(Section.LOCATION, Section.LEGAL))
    if route not in VisaRoute.values:
        raise ValidationError(ERR_UNKNOWN_ROUTE)
    if decision not in Decision.values:
        raise ValidationError(ERR_UNKNOWN_STATUS)
    country = Country.objects.filter(code=(destination or "").strip().upper()).first()
    if country is None:
        raise ValidationError(ERR_UNKNOWN_COUNTRY)
    legal = {
        "submitted_on": submitted_on,
        "decision_due": decision_due,
        "decided_on": decided_on,
        "refusal_reasons": refusal_reasons.strip() if decision == Decision.REFUSED else "",
        "appeal_deadline": appeal_deadline,
        "valid_until": valid_until,
        "enter_by": enter_by,
        "entered_on": entered_on,
    }
    _check_visa_dates(legal, decision)
    if application is None:
        application = VisaApplication(case=case)
    elif application.case_id != case.pk:
        raise PermissionDenied
    application.route = route
    application.destination = country
    if decision != application.decision:
        application.decided_month = this_month() if decision != Decision.PENDING else None
    application.decision = decision
    seal(
        case,
        application,
        {"consulate": consulate.strip(), "appointment_on": appointment_on, **legal},
    )
    application.save()
    record(
        "evacuation.visa.saved",
        actor=by,
        obj=case,
        org=case.organisation_id,
        status=decision,
    )
    dates_changed(case=case, by=by)
    return application


def visa_deadlines(case: Case, wanted: dict, unknown: set[str]) -> None:
    """The computed-deadline provider of the visa dates (registered with the deadlines app):
    appointment and decision due while pending; appeal after a refusal; enter-by, visa expiry
    and (French humanitarian route) asylum reporting after a grant."""
    from deadlines.models import DeadlineSource
    from deadlines.services import UNREADABLE

    envelope = case.envelope
    for app in VisaApplication.objects.filter(case=case):
        try:
            values = envelope.open_many(app, VISA_LOCATION_FIELDS + VISA_LEGAL_FIELDS)
        except UNREADABLE:
            unknown.add(DeadlineSource.VISA)
            continue
        due: dict[str, date | None] = {}
        if app.decision == Decision.PENDING:
            due["consulate_appointment"] = values["appointment_on"]
            due["decision_due"] = values["decision_due"]
        elif app.decision == Decision.REFUSED:
            due["appeal"] = values["appeal_deadline"]
        elif app.decision == Decision.GRANTED:
            due["visa_expiry"] = values["valid_until"]
            if values["entered_on"] is None:
                due["enter_by"] = values["enter_by"]
            if app.route in REPORTING_ROUTES:
                # The latest possible entry until the entry date is known.
                entry = values["entered_on"] or values["enter_by"] or values["valid_until"]
                if entry is not None:
                    due["asylum_reporting"] = entry + timedelta(days=ASYLUM_REPORTING_DAYS)
        for kind, day in due.items():
            if day is not None:
                wanted[(DeadlineSource.VISA, f"{app.pk}:{kind}")] = (kind, day)


# --- Dossiers --------------------------------------------------------------------------------


@transaction.atomic
def dossier_create(*, application: VisaApplication, by: User) -> Dossier:
    """The dossier of a visa application, its checklist copied from the route's template."""
    case = application.case
    require_assigned(by=by, case=case)
    if Dossier.objects.filter(visa_application=application).exists():
        raise ValidationError(ERR_DOSSIER_EXISTS)
    dossier = Dossier.objects.create(case=case, visa_application=application)
    DossierItem.objects.bulk_create(
        DossierItem(
            dossier=dossier,
            document_type_id=req.document_type_id,
            required=req.required,
            position=req.position,
        )
        for req in DossierRequirement.objects.filter(route=application.route)
    )
    record("dossier.created", actor=by, obj=dossier, org=case.organisation_id)
    return dossier


def _editable(dossier: Dossier, by: User) -> None:
    require_assigned(by=by, case=dossier.case)
    if dossier.status not in EDITABLE_STATUSES:
        raise ValidationError(ERR_NOT_EDITABLE)


def _touch(dossier: Dossier, *sealed: str, **fields: Any) -> None:
    """Saves ``fields`` (and the ``sealed`` columns already set) with a new updated_at."""
    fields["updated_at"] = timezone.now()
    for name, value in fields.items():
        setattr(dossier, name, value)
    dossier.save(update_fields=[*sealed, *fields])


def _locked(dossier: Dossier) -> Dossier:
    """The dossier re-read under a row lock (two people acting at once see each other)."""
    return Dossier.objects.select_for_update().select_related("case").get(pk=dossier.pk)


@transaction.atomic
def dossier_link(
    *, dossier: Dossier, by: User, item: DossierItem, documents: list[Document]
) -> DossierItem:
    """Sets the case documents included under a checklist item, in the order given."""
    dossier = _locked(dossier)
    _editable(dossier, by)
    if item.dossier_id != dossier.pk:
        raise ValidationError(ERR_ITEM_OTHER_DOSSIER)
    if any(d.case_id != dossier.case_id for d in documents):
        raise ValidationError(ERR_DOCUMENT_OTHER_CASE)
    DossierDocument.objects.filter(item=item).delete()
    DossierDocument.objects.bulk_create(
        DossierDocument(item=item, document=d, position=i) for i, d in enumerate(documents)
    )
    _touch(dossier)
    record(
        "dossier.documents_set",
        actor=by,
        obj=dossier,
        org=dossier.case.organisation_id,
        count=len(documents),
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
    dossier = _locked(dossier)
    _editable(dossier, by)
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
    _touch(dossier, "testimony_excerpt", "exposure_summary", testimony=testimony)
    record("dossier.contents_saved", actor=by, obj=dossier, org=case.organisation_id)
    return dossier


@transaction.atomic
def dossier_vet(*, dossier: Dossier, by: User, note: str) -> Dossier:
    """Records the vetting: who (the caseworker recording it) and when, with a sealed note."""
    dossier = _locked(dossier)
    _editable(dossier, by)
    if dossier.is_vetted:
        raise ValidationError(ERR_ALREADY_VETTED)
    seal(dossier.case, dossier, {"vetting_note": note.strip()})
    _touch(dossier, "vetting_note", vetted_by=by, vetted_at=timezone.now())
    record("dossier.vetted", actor=by, obj=dossier, org=dossier.case.organisation_id)
    return dossier


@transaction.atomic
def dossier_assign_reviewer(*, dossier: Dossier, by: User, lawyer: User) -> Dossier:
    dossier = _locked(dossier)
    require_assigned(by=by, case=dossier.case)
    if not may_review(user=lawyer, case=dossier.case):
        raise ValidationError(ERR_NOT_REVIEWER)
    _touch(dossier, reviewer=lawyer)
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


def _notify(users, case: Case, kind: str) -> None:
    CaseNotice.objects.bulk_create(CaseNotice(user=u, case=case, kind=kind) for u in users)


@transaction.atomic
def dossier_submit_for_review(*, dossier: Dossier, by: User) -> Dossier:
    """Draft or changes requested → in review, once nothing is missing (the ValidationError
    lists what is)."""
    dossier = _locked(dossier)
    _editable(dossier, by)
    missing = dossier_missing(dossier=dossier)
    if missing:
        raise ValidationError(missing)
    if not may_review(user=dossier.reviewer, case=dossier.case):
        raise ValidationError(ERR_NOT_REVIEWER)
    _touch(dossier, status=DossierStatus.IN_REVIEW)
    _notify([dossier.reviewer], dossier.case, NoticeKind.DOSSIER_REVIEW)
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
    dossier = _locked(dossier)
    if dossier.reviewer_id != by.pk or not may_review(user=by, case=dossier.case):
        raise PermissionDenied
    if decision not in ReviewDecision.values:
        raise ValidationError(ERR_UNKNOWN_DECISION)
    if dossier.status != DossierStatus.IN_REVIEW:
        raise ValidationError(ERR_NOT_IN_REVIEW)
    if decision == ReviewDecision.CHANGES_REQUESTED and not comment.strip():
        raise ValidationError(ERR_CHANGES_NEED_COMMENT)
    if comment.strip():
        dossier_comment(dossier=dossier, by=by, text=comment)
    LawyerReview.objects.create(dossier=dossier, reviewer=by, decision=decision)
    _touch(dossier, status=decision)
    _notify(dossier.case.assigned_caseworkers.all(), dossier.case, NoticeKind.DOSSIER_REVIEWED)
    record(
        "dossier.reviewed",
        actor=by,
        obj=dossier,
        org=dossier.case.organisation_id,
        status=decision,
    )
    return dossier


# After approval the caseworkers record what happened to the dossier.
TRANSITIONS = {
    DossierStatus.SUBMITTED: {DossierStatus.APPROVED},
    DossierStatus.DECIDED: {DossierStatus.SUBMITTED},
}


@transaction.atomic
def dossier_mark(*, dossier: Dossier, by: User, status: str) -> Dossier:
    """Approved → submitted (to the consulate or authority) → decided."""
    dossier = _locked(dossier)
    if dossier_role(user=by, dossier=dossier) != CASEWORKER:
        raise PermissionDenied
    if dossier.status not in TRANSITIONS.get(status, set()):
        raise ValidationError(ERR_BAD_TRANSITION)
    _touch(dossier, status=status)
    record(
        "dossier.status_changed",
        actor=by,
        obj=dossier,
        org=dossier.case.organisation_id,
        status=status,
    )
    return dossier


def dossier_export(
    *, dossier: Dossier, by: User, recipient: str, age_recipient: str = ""
) -> tuple[DossierExport, bytes]:
    """The PDF bundle of an approved (or submitted, or decided) dossier for ``recipient``,
    optionally encrypted to their age public key, with its DossierExport row (the code
    printed on every page, the sha256 of the bytes returned) and one audit event. Built in
    memory (evacuation.export): about two seconds for a few documents."""
    case = dossier.case
    if dossier_role(user=by, dossier=dossier) is None:
        raise PermissionDenied
    if any(section_refusals(user=by, case=case, sections=export.SECTIONS_READ).values()):
        raise PermissionDenied
    if dossier.status not in export.EXPORTABLE_STATUSES:
        raise ValidationError(export.ERR_NOT_EXPORTABLE)
    recipient = recipient.strip()
    if not recipient:
        raise ValidationError(export.ERR_NO_RECIPIENT)
    age = export.age_recipient(age_recipient)
    code = export.new_code()
    data = export.build_bundle(dossier=dossier, by=by, code=code, recipient=recipient)
    if age is not None:
        data = export.encrypt(data, age)
    with transaction.atomic():
        row = DossierExport(
            code=code,
            case=case,
            dossier=dossier,
            exported_by=by,
            encrypted=age is not None,
            sha256=hashlib.sha256(data).hexdigest(),
        )
        seal(case, row, {"recipient": recipient})
        row.save()
        record(
            "dossier.exported",
            actor=by,
            obj=dossier,
            org=case.organisation_id,
            export_id=code,
        )
    return row, data
