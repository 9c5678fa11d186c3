"""The evacuation plan, its steps and the visa applications: forms for the assigned
caseworkers. Each opens only the sections it edits (audited as case.section.viewed when it
shows existing content)."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from accounts.http import AuthenticatedHttpRequest
from casework.models import Case, Country
from casework.sections import Section
from casework.services import section_viewed
from casework.web import case_view, require_section, save_form
from evacuation import services
from evacuation.forms import PlanForm, StepForm, VisaForm
from evacuation.models import EvacuationPlan, EvacuationStep, VisaApplication, VisaRoute

PLAN_SAVED = _("The evacuation plan has been saved.")
STEP_SAVED = _("The step has been saved.")
VISA_SAVED = _("The visa application has been saved.")


def advisories_for(codes) -> list[Country]:
    """The high or critical countries among ``codes``, in the order given. One query."""
    countries = {c.code: c for c in Country.objects.filter(code__in=list(codes))}
    found = [countries[code] for code in dict.fromkeys(codes) if code in countries]
    return [c for c in found if c.needs_advisory]


def _page(request, case: Case, form, title, *, advisories=()) -> HttpResponse:
    return render(
        request,
        "evacuation/form.html",
        {"case": case, "form": form, "title": title, "advisories": advisories},
    )


def _save(request, case: Case, form, call, success) -> HttpResponse | None:
    return save_form(request, form, call, success, to=case.get_absolute_url() + "#evacuation")


@require_http_methods(["GET", "HEAD", "POST"])
@case_view
def plan_edit(request: AuthenticatedHttpRequest, case: Case) -> HttpResponse:
    require_section(request, case, Section.LOCATION)
    plan = EvacuationPlan.objects.filter(case=case).first()
    if request.method == "POST":
        form = PlanForm(request.POST)
        if form.is_valid():
            done = _save(
                request,
                case,
                form,
                lambda: services.plan_save(case=case, by=request.user, **form.cleaned_data),
                PLAN_SAVED,
            )
            if done:
                return done
        transit = form.cleaned_data.get("transit_countries") or []
    else:
        initial = {}
        if plan is not None:
            initial = case.envelope.open_many(plan, services.PLAN_FIELDS)
            initial["status"] = plan.status
            section_viewed(case=case, by=request.user, sections=[Section.LOCATION])
        form = PlanForm(initial=initial)
        transit = initial.get("transit_countries") or []
    return _page(request, case, form, _("Evacuation plan"), advisories=advisories_for(transit))


@require_http_methods(["GET", "HEAD", "POST"])
@case_view
def step_edit(request: AuthenticatedHttpRequest, case: Case, pk=None) -> HttpResponse:
    require_section(request, case, Section.LOCATION)
    step = get_object_or_404(EvacuationStep, pk=pk, case=case) if pk is not None else None
    if request.method == "POST":
        form = StepForm(request.POST)
        if form.is_valid():
            done = _save(
                request,
                case,
                form,
                lambda: services.step_save(
                    case=case, by=request.user, step=step, **form.cleaned_data
                ),
                STEP_SAVED,
            )
            if done:
                return done
    else:
        initial = {}
        if step is not None:
            initial = case.envelope.open_many(step, services.STEP_FIELDS)
            initial["status"] = step.status
            section_viewed(case=case, by=request.user, sections=[Section.LOCATION])
        form = StepForm(initial=initial)
    title = _("Step of the plan") if step else _("Add a step")
    return _page(request, case, form, title)


@require_http_methods(["GET", "HEAD", "POST"])
@case_view
def visa_edit(request: AuthenticatedHttpRequest, case: Case, pk=None) -> HttpResponse:
    require_section(request, case, Section.LOCATION)
    require_section(request, case, Section.LEGAL)
    application = None
    if pk is not None:
        application = get_object_or_404(VisaApplication, pk=pk, case=case)
    if request.method == "POST":
        form = VisaForm(request.POST)
        if form.is_valid():
            done = _save(
                request,
                case,
                form,
                lambda: services.visa_save(
                    case=case, by=request.user, application=application, **form.cleaned_data
                ),
                VISA_SAVED,
            )
            if done:
                return done
    else:
        initial = {}
        if application is not None:
            initial = case.envelope.open_many(
                application, services.VISA_LOCATION_FIELDS + services.VISA_LEGAL_FIELDS
            )
            initial.update(
                route=application.route,
                destination=application.destination_id,
                decision=application.decision,
            )
            section_viewed(case=case, by=request.user, sections=[Section.LOCATION, Section.LEGAL])
        elif services.routed_to_ukrainian_protection(case):
            initial = {"route": VisaRoute.UKRAINIAN_PROTECTION}
        form = VisaForm(initial=initial)
    title = _("Visa application") if application else _("Add a visa application")
    return _page(request, case, form, title)
