"""Triage from the case list: reassigning several cases at once (org admins)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.models import Membership, Role
from casework import selectors, services
from casework.forms.triage import BulkAssignForm
from casework.web import forbidden, org_view


@require_POST
@org_view
def case_bulk_assign(request: AuthenticatedHttpRequest, *, membership: Membership) -> HttpResponse:
    """Gives the chosen cases of the organisation to a caseworker: one accountable, audited
    assignment per case, all or none. Errors go back to the list as messages."""
    if membership.role != Role.ORG_ADMIN:
        return forbidden(request, services.ERR_BULK_ADMIN)
    org = membership.organisation
    form = BulkAssignForm(
        request.POST,
        cases=selectors.case_list(user=request.user, organisation=org),
        caseworkers=selectors.caseworkers_of(organisation_id=org.pk),
        members=selectors.assignees_of(organisation=org),
    )
    back = reverse("casework:case_list")
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect(back)
    data = form.cleaned_data
    try:
        count = services.cases_reassign(
            cases=list(data["cases"]),
            by=request.user,
            to=data["to"],
            remove=data["remove"],
            reason=data["reason"],
            explanation=data["explanation"],
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
        return redirect(back)
    messages.success(
        request,
        ngettext("%(n)d case reassigned.", "%(n)d cases reassigned.", count) % {"n": count},
    )
    return redirect(f"{back}?assignee={data['to'].pk}")
