"""Routes and their dossier requirements, for platform admins (the platform admin area).
Everyone else gets 404: the pages do not exist for them. No case data here."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.http import AuthenticatedHttpRequest as Request
from casework.translations import initial_translations
from casework.web import save_form
from evacuation import services
from evacuation.forms import RequirementForm, RouteForm
from evacuation.models import DossierRequirement, Route
from evacuation.selectors import may_edit_routes

ROUTE_SAVED = _("The route has been saved.")
REQUIREMENT_SAVED = _("The requirement has been saved; dossiers of the route in draft have it.")
REQUIREMENT_REMOVED = _("The requirement has been removed.")


def platform_admin_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapped(request: Request, *args, **kwargs) -> HttpResponse:
        if not may_edit_routes(user=request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


def _route_url(route: Route) -> str:
    return reverse("evacuation:route_detail", args=[route.code])


@require_http_methods(["GET", "HEAD", "POST"])
@platform_admin_view
def route_list(request: Request) -> HttpResponse:
    """Every route with its number of requirements, and the form that adds one."""
    form = RouteForm(request.POST or None, adding=True, initial={"active": True, "position": 100})
    if request.method == "POST" and form.is_valid():
        try:
            route = services.route_save(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, ROUTE_SAVED)
            return redirect(_route_url(route))
    routes = Route.objects.annotate(count=Count("requirements"))
    return render(request, "evacuation/routes.html", {"routes": routes, "form": form})


def _route_initial(route: Route) -> dict:
    return {
        "name": route.name,
        **initial_translations(route, "name"),
        "active": route.active,
        "position": route.position,
    }


def _detail(request: Request, route: Route, form, requirement_form) -> HttpResponse:
    requirements = (
        route.requirements.select_related("document_type")
        .prefetch_related("also_accepts")
        .order_by("position", "id")
    )
    return render(
        request,
        "evacuation/route_detail.html",
        {
            "route": route,
            "form": form,
            "requirement_form": requirement_form,
            "requirements": requirements,
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
@platform_admin_view
def route_detail(request: Request, code: str) -> HttpResponse:
    """The route (rename, retire, move) and its requirements."""
    route = get_object_or_404(Route, code=code)
    form = RouteForm(request.POST or None, adding=False, initial=_route_initial(route))
    if request.method == "POST" and form.is_valid():
        done = save_form(
            request,
            form,
            lambda: services.route_save(by=request.user, route=route, **form.cleaned_data),
            ROUTE_SAVED,
            to=_route_url(route),
        )
        if done:
            return done
    return _detail(request, route, form, RequirementForm(initial={"required": True}))


@require_POST
@platform_admin_view
def requirement_save(request: Request, code: str, pk: int | None = None) -> HttpResponse:
    """Adds a requirement (no ``pk``) or changes one; the route's draft dossiers follow."""
    route = get_object_or_404(Route, code=code)
    requirement = None
    if pk is not None:
        requirement = get_object_or_404(DossierRequirement, pk=pk, route=route)
    form = RequirementForm(request.POST)
    if form.is_valid():
        done = save_form(
            request,
            form,
            lambda: services.requirement_save(
                by=request.user, route=route, requirement=requirement, **form.cleaned_data
            ),
            REQUIREMENT_SAVED,
            to=_route_url(route),
        )
        if done:
            return done
    return _detail(request, route, RouteForm(adding=False, initial=_route_initial(route)), form)


@require_POST
@platform_admin_view
def requirement_remove(request: Request, code: str, pk: int) -> HttpResponse:
    route = get_object_or_404(Route, code=code)
    requirement = get_object_or_404(DossierRequirement, pk=pk, route=route)
    services.requirement_remove(by=request.user, requirement=requirement)
    messages.success(request, REQUIREMENT_REMOVED)
    return redirect(_route_url(route))
