"""The case list, search, opening a case, the case page and the case shell's actions."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.models import Membership, Role
from audit.services import record
from casework import selectors, services, workflow
from casework.forms import (
    AssignForm,
    FilterForm,
    LocationOpenForm,
    SearchForm,
    ShellForm,
    StatusForm,
)
from casework.forms.triage import BulkAssignForm
from casework.models import Case, Status, StayedReason
from casework.sections import SECTIONS, Section
from casework.selectors import (
    can_manage_assignment,
    caseworkers_of,
    is_assigned_caseworker,
)
from casework.web import case_page_view, case_view, forbidden, org_view

PAGE_SIZE = 25
SEARCH_LIMIT = 100
REFERENCE, PSEUDONYM = "reference", "pseudonym"
STATUS_CHANGED = _("The status has been changed.")
ASSIGNMENT_SAVED = _("The assignment has been saved.")
VERIFIED = _("The person is marked as verified. Location and route are now open.")
SHELL_SAVED = _("The case details have been saved.")
LOCATION_OPENED = _("Location and route are now open to your colleague.")
NOT_ASSIGNED_ACTION = _("Only caseworkers assigned to this case can do this.")


def _add_errors(form, error: ValidationError) -> None:
    for message in error.messages:
        form.add_error(None, message)


def _list_context(request: AuthenticatedHttpRequest, membership: Membership, **extra) -> dict:
    """What every rendering of the case list shows besides the cases: the filter and search
    forms, the sort, and for org admins the bulk reassignment's choices."""
    org = membership.organisation
    is_admin = membership.role == Role.ORG_ADMIN
    context = {
        "filters": FilterForm(
            request.GET or None, assignees=selectors.assignees_of(organisation=org)
        ),
        "search": SearchForm(),
        "can_create": membership.role == Role.CASEWORKER,
        "sort": request.GET.get("sort", ""),
        "sorts": selectors.SORTS,
        "bulk": BulkAssignForm(
            cases=Case.objects.none(),
            caseworkers=caseworkers_of(organisation_id=org.pk),
            members=selectors.assignees_of(organisation=org),
        )
        if is_admin
        else None,
    }
    context.update(extra)
    return context


@require_http_methods(["GET", "HEAD"])
@org_view
def case_list(request: AuthenticatedHttpRequest, *, membership: Membership) -> HttpResponse:
    """The organisation's cases, filtered, sorted (``?sort=``, whitelisted) and paginated:
    a constant number of queries."""
    context = _list_context(request, membership)
    filters = context["filters"]
    chosen = filters.cleaned_data if filters.is_valid() else {}
    cases = selectors.case_listing(
        user=request.user,
        organisation=membership.organisation,
        status=chosen.get("status", ""),
        risk=chosen.get("risk", ""),
        country=chosen.get("country", ""),
        mine=bool(chosen.get("mine")),
        assignee=chosen.get("assignee"),
        sort=context["sort"],
    )
    # CaseListing takes only what Paginator uses (len() and slices); the stubs' protocol also
    # asks for iteration and integer indexes.
    paginator: Paginator[Case] = Paginator(cases, PAGE_SIZE)  # type: ignore[arg-type]
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    unsorted = query.copy()
    unsorted.pop("sort", None)
    context.update(
        page=page, cases=page.object_list, query=query.urlencode(), unsorted=unsorted.urlencode()
    )
    return render(request, "casework/case_list.html", context)


def _search(request: AuthenticatedHttpRequest, org, kind: str, value: str) -> list[Case]:
    if kind in (REFERENCE, PSEUDONYM):
        found = selectors.case_find(user=request.user, organisation=org, kind=kind, value=value)
    else:
        found = selectors.case_search(user=request.user, organisation=org, kind=kind, value=value)
    return list(found[:SEARCH_LIMIT])


@require_POST
@org_view
def case_search(request: AuthenticatedHttpRequest, *, membership: Membership) -> HttpResponse:
    """Search by reference or pseudonym (in clear on the list already), or exactly by blind
    index. POST, so the searched value never sits in a URL."""
    search = SearchForm(request.POST)
    results = None
    if search.is_valid():
        kind = search.cleaned_data["kind"]
        results = _search(request, membership.organisation, kind, search.cleaned_data["value"])
        record(
            "case.searched",
            actor=request.user,
            org=membership.organisation,
            method=kind,
            count=len(results),
        )
    context = _list_context(request, membership, search=search)
    context.update(cases=results or [], searched=results is not None)
    return render(request, "casework/case_list.html", context)


def open_sections(
    request: AuthenticatedHttpRequest, case: Case, sections, *, assigned: bool
) -> dict:
    """Opens the content of ``sections`` for the page (selectors.case_panels), records the
    visit (one case.viewed listing the sections opened), and returns the panels."""
    panels, opened = selectors.case_panels(
        user=request.user, case=case, sections=sections, assigned=assigned
    )
    services.case_viewed(case=case, by=request.user, sections=opened)
    return panels


@require_http_methods(["GET", "HEAD"])
@case_page_view
def case_detail(request: AuthenticatedHttpRequest, case: Case) -> HttpResponse:
    assigned = is_assigned_caseworker(user=request.user, case=case)
    panels = open_sections(request, case, SECTIONS, assigned=assigned)
    listed = [{"section": s, "label": Section(s).label, **panels[s]} for s in SECTIONS]
    access = _access_context(request, case, assigned=assigned)
    glass = access.get("break_glass")
    # The location holders are marked among the caseworkers (before verification, for the
    # owner's staff only): one query for both.
    holders_shown = not case.is_verified and bool(assigned or glass)
    caseworkers = selectors.assigned_caseworkers_of(case=case, location_holders=holders_shown)
    return render(
        request,
        "casework/case_detail.html",
        {
            "case": case,
            "panels": listed,
            # Sections the user may not open (or erased): named on the page, nothing loaded.
            "closed_panels": [p for p in listed if p.get("refused") or p.get("shredded")],
            "assigned": assigned,
            # Where the person is shows only to those who may open location and route.
            "sees_location": "content" in panels[Section.LOCATION],
            "region_of_risk": panels[Section.LOCATION].get("content", {}).get("region_of_risk"),
            **_location_openings(request, caseworkers, holders_shown, glass),
            "timeline": case.status_changes.select_related("changed_by"),
            # Partners (referred organisations) see no names of the owning organisation.
            "is_owner": assigned or selectors.is_owner_member(user=request.user, case=case),
            "caseworkers": caseworkers,
            "can_assign": can_manage_assignment(user=request.user, case=case),
            "status_form": StatusForm(initial={"status": case.status}),
            # Closing has its own page (it lists the deadlines and check-ins it cancels).
            "status_choices": [
                (value, Status(value).label)
                for value in workflow.allowed_targets(case)
                if value != Status.CLOSED
            ],
            "status_refusals": workflow.refusals(case) if assigned else [],
            "stayed_reasons": StayedReason.choices,
            **access,
        },
    )


def _location_openings(
    request: AuthenticatedHttpRequest, caseworkers: list, shown: bool, glass
) -> dict:
    """Before verification: which assigned caseworkers hold location and route, and whether
    the user may open them to the others (for the owner's staff only)."""
    if not shown:
        return {}
    holders = {worker.pk for worker in caseworkers if worker.holds_location}
    return {
        "location_holders": holders,
        "may_open_location": bool(glass) or request.user.pk in holders,
    }


def _access_context(request: AuthenticatedHttpRequest, case: Case, *, assigned: bool) -> dict:
    """Consent, referrals, break-glass and "who has seen this case" for the case page: shown
    to the owning organisation's assigned caseworkers and admins only."""
    owner_staff = assigned or selectors.is_owner_admin(user=request.user, case=case)
    if not owner_staff:
        return {"owner_staff": False}
    # An assigned caseworker is no org admin (one role per organisation): no break-glass.
    glass = None if assigned else selectors.active_break_glass(user=request.user, case=case)
    return {
        "owner_staff": True,
        "consents": selectors.page_consents(case=case),
        "referrals": selectors.page_referrals(case=case),
        "viewers": selectors.case_viewers(case=case),
        # Each break-glass and admin's assignment, with its explanation: for the assigned.
        "accountable": selectors.accountable_acts(user=request.user, case=case) if assigned else [],
        "break_glass": glass,
        "may_break_glass": not assigned and glass is None,
    }


@require_POST
@case_view
def case_status(request: AuthenticatedHttpRequest, case: Case) -> HttpResponse:
    if not is_assigned_caseworker(user=request.user, case=case):
        return forbidden(request, NOT_ASSIGNED_ACTION)
    form = StatusForm(request.POST)
    if form.is_valid():
        try:
            services.case_change_status(
                case=case,
                by=request.user,
                status=form.cleaned_data["status"],
                stayed_reason=form.cleaned_data["stayed_reason"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, STATUS_CHANGED)
            return redirect(case)
    return render(request, "casework/simple_form.html", _simple(case, form, _("Change the status")))


def _simple(case: Case, form, title, *, multipart: bool = False, intro: str = "") -> dict:
    return {"case": case, "form": form, "title": title, "multipart": multipart, "intro": intro}


@require_http_methods(["GET", "HEAD", "POST"])
@case_view
def case_shell(request: AuthenticatedHttpRequest, case: Case) -> HttpResponse:
    if not is_assigned_caseworker(user=request.user, case=case):
        return forbidden(request, NOT_ASSIGNED_ACTION)
    initial = {
        "risk_level": case.risk_level,
        "intake_channel": case.intake_channel,
        "legal_category": case.legal_category,
        "service_category": case.service_category,
    }
    form = ShellForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.case_update_shell(case=case, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, SHELL_SAVED)
            return redirect(case)
    return render(request, "casework/simple_form.html", _simple(case, form, _("Case details")))


@require_http_methods(["GET", "HEAD", "POST"])
@case_view
def case_assign(request: AuthenticatedHttpRequest, case: Case) -> HttpResponse:
    if not can_manage_assignment(user=request.user, case=case):
        return forbidden(request, NOT_ASSIGNED_ACTION)
    from_outside = not is_assigned_caseworker(user=request.user, case=case)
    form = AssignForm(
        request.POST or None,
        caseworkers=caseworkers_of(organisation_id=case.organisation_id),
        initial={"caseworkers": list(case.assigned_caseworkers.all())},
        from_outside=from_outside,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.case_assign(
                case=case,
                by=request.user,
                caseworkers=list(data["caseworkers"]),
                reason=data.get("reason", ""),
                explanation=data.get("explanation", ""),
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, ASSIGNMENT_SAVED)
            return redirect(case)
    return render(
        request, "casework/simple_form.html", _simple(case, form, _("Assigned caseworkers"))
    )


@require_POST
@case_view
def location_open(request: AuthenticatedHttpRequest, case: Case) -> HttpResponse:
    """Before verification: opens location and route to an assigned colleague."""
    if not selectors.may_open_location(user=request.user, case=case):
        return forbidden(request, services.ERR_CANNOT_OPEN)
    form = LocationOpenForm(request.POST, colleagues=case.assigned_caseworkers.all())
    if not form.is_valid():
        messages.error(request, " ".join(str(m) for e in form.errors.values() for m in e))
        return redirect(case)
    try:
        services.location_open(case=case, by=request.user, colleague=form.cleaned_data["colleague"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, LOCATION_OPENED)
    return redirect(case)


@require_http_methods(["GET", "HEAD", "POST"])
@case_view
def case_verify(request: AuthenticatedHttpRequest, case: Case) -> HttpResponse:
    if not is_assigned_caseworker(user=request.user, case=case):
        return forbidden(request, NOT_ASSIGNED_ACTION)
    if request.method == "POST":
        try:
            services.case_verify(case=case, by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, VERIFIED)
        return redirect(case)
    return render(request, "casework/verify.html", {"case": case})
