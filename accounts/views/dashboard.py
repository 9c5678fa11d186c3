"""The landing page of a signed-in, verified user."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from accounts.http import AuthenticatedHttpRequest
from accounts.models import Role
from accounts.selectors import active_membership, member_counts
from accounts.services.invitations import SESSION_INVITATION

# Roles that see the case widgets (deadlines, intakes, referrals).
CASE_ROLES = frozenset({Role.CASEWORKER, Role.LAWYER, Role.ORG_ADMIN})


@require_http_methods(["GET", "HEAD"])
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    membership = active_membership(request)
    memberships = getattr(request, "memberships", None)
    if memberships is None:
        memberships = [membership] if membership else []
    context = {
        "membership": membership,
        "memberships": memberships,
        "other_memberships": [m for m in memberships if m != membership],
        "pending_invitation": bool(request.session.get(SESSION_INVITATION)),
        "show_case_widgets": membership is not None and membership.role in CASE_ROLES,
        "is_org_admin": membership is not None and membership.role == Role.ORG_ADMIN,
    }
    if membership is not None and context["is_org_admin"]:
        context["counts"] = member_counts(organisation=membership.organisation)
    return render(request, "dashboard.html", context)
