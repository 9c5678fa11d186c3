"""The evacuation panel of the case page: advisories, plan and steps, visa applications and
their dossiers, each part shown only to those who may read its section."""

from __future__ import annotations

from django import template

from casework.models import Country, Region, RiskLevel, more_severe
from casework.sections import Section
from evacuation.selectors import case_plan, case_visas
from evacuation.services import routed_to_ukrainian_protection

register = template.Library()


def _country_now(case) -> Country | None:
    location = getattr(case, "location", None)
    return location.country if location is not None else None


@register.inclusion_tag("evacuation/_location_advisory.html")
def case_advisory_banner(case, sees_location: bool, region: Region | None = None):
    """The advisory of the country the person is in, when high or critical, for those who may
    open location and route (where the person is belongs to that section). A region of the
    country that is riskier (``region``, opened from the location section) raises it: the
    banner shows the more severe. No query."""
    here = _country_now(case) if sees_location else None
    if here is None:
        return {"country": None}
    if region is not None and region.country_id != here.code:
        region = None
    risk = more_severe(here.risk_level, region.risk_level if region is not None else "")
    severe = risk in (RiskLevel.HIGH, RiskLevel.CRITICAL)
    raised = region is not None and risk != here.risk_level
    return {
        "country": here if severe else None,
        "region": region if raised else None,
        "risk": RiskLevel(risk).label,
    }


@register.inclusion_tag("evacuation/_case_panel.html", takes_context=True)
def case_evacuation_panel(context, case):
    """The case page's evacuation panel. Opens location (plan, steps, consulate, appointment)
    and legal (visa dates) only where the case page's own panels did: the page has already
    checked the user's right to each section, left out shredded ones and recorded each
    section it opened as viewed (casework.views.cases.open_sections). Nothing of where the
    person is or goes (route, destination, consulate) shows without location and route, and
    nothing is offered for an erased section."""
    user = context["request"].user
    assigned = context["assigned"]
    panels = {p["section"]: p for p in context["panels"]}
    readable: set[str] = {s for s in (Section.LOCATION, Section.LEGAL) if "content" in panels[s]}
    erased = {s for s in (Section.LOCATION, Section.LEGAL) if panels[s].get("shredded")}
    plan = case_plan(case=case) if Section.LOCATION in readable else None
    visas = case_visas(user=user, case=case, readable=readable, assigned=assigned)
    here = _country_now(case)
    if plan is not None and here is not None:
        # The banner at the top of the case page already shows the country the person is in.
        plan["advisories"] = [c for c in plan["advisories"] if c.code != here.code]
    return {
        "case": case,
        "assigned": assigned,
        "readable": readable,
        "erased": erased,
        # What is true of the erased route here and in older copies, as the case page says it.
        "location_erasure": panels[Section.LOCATION].get("erased", ""),
        # A visa application keeps dates of both sections: both must be open to change it.
        "may_edit_visas": assigned and readable == {Section.LOCATION, Section.LEGAL},
        "ukrainian_protection": routed_to_ukrainian_protection(case),
        "plan": plan,
        "visas": visas,
        "csrf_token": context.get("csrf_token"),
    }
