"""The user's own sessions, and the choice of the active organisation."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts.forms.org import SwitchOrganisationForm
from accounts.http import AuthenticatedHttpRequest
from accounts.selectors import membership_for, session_public_id, sessions_of
from accounts.services import sessions as services


@require_GET
def session_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    current = request.session.session_key
    rows = [
        {
            "public_id": session_public_id(session.session_key),
            "device": session.device_label,
            "started": session.created_at,
            "last_seen": session.last_seen,
            "current": session.session_key == current,
        }
        for session in sessions_of(user=request.user)
    ]
    # The current session first, so that "this one" is never mistaken for another.
    rows.sort(key=lambda row: not row["current"])
    return render(
        request,
        "accounts/sessions.html",
        {"sessions": rows, "has_others": any(not row["current"] for row in rows)},
    )


@require_POST
def session_end(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
    try:
        services.session_end(
            user=request.user, public_id=public_id, current_key=request.session.session_key
        )
    except services.SessionNotFound:
        raise Http404 from None
    except services.SessionIsCurrent as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, services.SESSION_ENDED)
    return redirect("accounts:sessions")


@require_POST
def sessions_end_others(request: AuthenticatedHttpRequest) -> HttpResponse:
    services.sessions_end_others(user=request.user, current_key=request.session.session_key)
    messages.success(request, services.OTHER_SESSIONS_ENDED)
    return redirect("accounts:sessions")


@require_POST
def switch_organisation(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = SwitchOrganisationForm(request.POST)
    if not form.is_valid():
        raise Http404
    membership = membership_for(
        user=request.user, organisation_id=form.cleaned_data["organisation"]
    )
    if membership is None:
        raise Http404
    services.organisation_switch(user=request.user, membership=membership, session=request.session)
    return redirect("dashboard")
