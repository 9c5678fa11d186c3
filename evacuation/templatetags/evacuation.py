"""The evacuation panel of the case page: advisories, plan and steps, visa applications and
their dossiers, each part shown only to those who may read its section."""

from __future__ import annotations

from django import template

from casework.models import Country
from casework.sections import Section
from evacuation.models import EvacuationPlan, StepKind, VisaApplication
from evacuation.selectors import case_dossiers, dossier_role
from evacuation.services import PLAN_FIELDS, STEP_FIELDS, VISA_LEGAL_FIELDS, VISA_LOCATION_FIELDS

register = template.Library()


def _plan(case, envelope) -> dict | None:
    plan = EvacuationPlan.objects.filter(case=case).first()
    if plan is None:
        return None
    values = envelope.open_many(plan, PLAN_FIELDS)
    steps = [{"row": s, **envelope.open_many(s, STEP_FIELDS)} for s in plan.steps.all()]
    codes = [*values["transit_countries"], values["destination"]]
    codes += [s["country"] for s in steps]
    countries = {c.code: c for c in Country.objects.filter(code__in=[c for c in codes if c])}
    for step in steps:
        step["country"] = countries.get(step["country"])
        step["kind_label"] = StepKind(step["kind"]).label if step["kind"] in StepKind.values else ""
    transit = [countries[c] for c in values["transit_countries"] if c in countries]
    return {
        "row": plan,
        "origin_region": values["origin_region"],
        "transit": transit,
        "destination": countries.get(values["destination"]),
        "fallback_notes": values["fallback_notes"],
        "steps": steps,
        "advisories": [c for c in dict.fromkeys(transit) if c.needs_advisory],
    }


def _country_now(case) -> Country | None:
    location = getattr(case, "location", None)
    return location.country if location is not None else None


@register.inclusion_tag("evacuation/_location_advisory.html")
def case_advisory_banner(case):
    """The advisory of the country the person is in, when high or critical: the country is in
    the case outline, so everyone who sees the case sees it. No query (case_for loads it)."""
    here = _country_now(case)
    return {"country": here if here is not None and here.needs_advisory else None}


@register.inclusion_tag("evacuation/_case_panel.html", takes_context=True)
def case_evacuation_panel(context, case):
    """The case page's evacuation panel. Opens location (plan, steps, consulate, appointment)
    and legal (visa dates) only where the case page's own panels did: the page has already
    checked the user's right to each section, left out shredded ones and recorded each
    section it opened as viewed (casework.views.cases.open_sections)."""
    user = context["request"].user
    assigned = context["assigned"]
    panels = {p["section"]: p for p in context["panels"]}
    readable = {s for s in (Section.LOCATION, Section.LEGAL) if "content" in panels[s]}
    envelope = case.envelope
    plan = _plan(case, envelope) if Section.LOCATION in readable else None
    dossiers = {d.visa_application_id: d for d in case_dossiers(case=case)}
    visas = []
    for application in VisaApplication.objects.filter(case=case).select_related("destination"):
        entry = {"row": application, "dossier": dossiers.get(application.pk)}
        if Section.LOCATION in readable:
            entry.update(envelope.open_many(application, VISA_LOCATION_FIELDS))
        if Section.LEGAL in readable:
            entry.update(envelope.open_many(application, VISA_LEGAL_FIELDS))
        dossier = entry["dossier"]
        if dossier is not None:
            dossier.case = case
            entry["dossier_role"] = dossier_role(user=user, dossier=dossier, assigned=assigned)
        visas.append(entry)
    here = _country_now(case)
    if plan is not None and here is not None:
        # The banner at the top of the case page already shows the country the person is in.
        plan["advisories"] = [c for c in plan["advisories"] if c.code != here.code]
    return {
        "case": case,
        "assigned": assigned,
        "readable": readable,
        "plan": plan,
        "visas": visas,
        "csrf_token": context.get("csrf_token"),
    }
