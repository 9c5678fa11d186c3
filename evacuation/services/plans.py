"""The evacuation plan of a case and its steps (location section)."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from audit.services import deferred, record
from casework.guards import dates_changed, lock_case, seal
from casework.models import Case
from casework.sections import Section
from casework.services import case_status_event
from casework.workflow import Event
from evacuation.models import EvacuationPlan, EvacuationStep, PlanStatus, StepKind, StepStatus
from evacuation.services.checks import ERR_UNKNOWN_STATUS, country_codes, require_sections

ERR_UNKNOWN_KIND = _("Choose what kind of step this is.")
ERR_DONE_WITHOUT_DATE = _("A step marked done needs the date it was done.")
ERR_DONE_IN_FUTURE = _("A step cannot have been done in the future.")

PLAN_FIELDS = ("origin_region", "transit_countries", "destination", "fallback_notes")
STEP_FIELDS = ("kind", "country", "planned_on", "done_on", "notes")

# A step done moves the case on (casework.workflow).
STEP_EVENTS: dict[str, str] = {
    StepKind.CROSS_BORDER: Event.BORDER_CROSSED,
    StepKind.ARRIVAL: Event.ARRIVED,
}


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
    require_sections(by=by, case=case, sections=(Section.LOCATION,))
    lock_case(case)
    if status not in PlanStatus.values:
        raise ValidationError(ERR_UNKNOWN_STATUS)
    transit = country_codes(transit_countries)
    destination_codes = country_codes([destination]) if destination.strip() else []
    plan = EvacuationPlan.objects.filter(case=case).first()
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


def _plan_for_steps(case: Case) -> EvacuationPlan:
    """The case's plan, locked; an empty one is created for the first step."""
    plan = EvacuationPlan.objects.filter(case=case).first()
    if plan is None:
        plan = EvacuationPlan(case=case)
        seal(case, plan, {"transit_countries": [], "destination": ""})
        plan.save()
    return plan


@transaction.atomic
@deferred()  # the status event and the deadline refresh lock rows before any append
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
    require_sections(by=by, case=case, sections=(Section.LOCATION,))
    lock_case(case)
    if kind not in StepKind.values:
        raise ValidationError(ERR_UNKNOWN_KIND)
    if status not in StepStatus.values:
        raise ValidationError(ERR_UNKNOWN_STATUS)
    codes = country_codes([country]) if country.strip() else [""]
    if status == StepStatus.DONE and done_on is None:
        raise ValidationError(ERR_DONE_WITHOUT_DATE)
    if done_on is not None and done_on > timezone.now().date():
        raise ValidationError(ERR_DONE_IN_FUTURE)
    plan = _plan_for_steps(case)
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
    if status == StepStatus.DONE and kind in STEP_EVENTS:
        case_status_event(case=case, by=by, event=STEP_EVENTS[kind])
    # A border crossing's day is an entry date the stay limit counts from.
    dates_changed(case=case, by=by)
    record(
        "evacuation.step.saved",
        actor=by,
        obj=case,
        org=case.organisation_id,
        section=Section.LOCATION,
        status=status,
    )
    return step


def border_crossings(case: Case) -> list[tuple[date, str]]:
    """The crossing source registered with the deadlines app: (day of entry, country code)
    of each border-crossing step done. Raises the envelope's errors when the location section
    is closed or erased. One query; three openings per step."""
    envelope = case.envelope
    crossings = []
    for step in EvacuationStep.objects.filter(case=case, status=StepStatus.DONE):
        values = envelope.open_many(step, ("kind", "country", "done_on"))
        if values["kind"] == StepKind.CROSS_BORDER and values["country"] and values["done_on"]:
            crossings.append((values["done_on"], values["country"]))
    return crossings
