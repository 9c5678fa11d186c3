"""The token pages: a person's own personal access tokens (from the security page) and an
organisation's intake tokens (for its admins). Making a token needs a second factor given
within the re-authentication window; its full text is shown once, in the answer to the POST
that made it, and stored nowhere (not in the session, not in a message)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.models import Membership
from accounts.panels import Panel
from accounts.security import (
    has_recent_second_factor,
    reauth_url,
    require_recent_second_factor,
)
from accounts.selectors import active_membership, org_admin_required
from api import selectors, services
from api.forms import IntakeTokenForm, PersonalTokenForm

TOKEN_REVOKED = _("The token was revoked: it opens nothing any more.")


def _errors(form, error: ValidationError) -> None:
    for message in error.messages:
        form.add_error(None, message)


def _personal_page(request, form, *, issued=None, status: int = 200) -> HttpResponse:
    return render(
        request,
        "api/personal_tokens.html",
        {
            "form": form,
            "issued": issued,
            "tokens": selectors.personal_tokens_of(user=request.user),
            "membership": active_membership(request),
            "can_create": has_recent_second_factor(request),
            "reauth_url": reauth_url(reverse("api:personal_tokens")),
        },
        status=status,
    )


@require_http_methods(["GET", "HEAD", "POST"])
def personal_tokens(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _personal_create(request)
    return _personal_page(request, PersonalTokenForm())


@require_recent_second_factor(return_to="api:personal_tokens")
def _personal_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    membership = active_membership(request)
    if membership is None:
        raise Http404
    form = PersonalTokenForm(request.POST)
    if form.is_valid():
        try:
            issued = services.personal_token_create(
                user=request.user, organisation=membership.organisation, **form.cleaned_data
            )
        except ValidationError as error:
            _errors(form, error)
        else:
            return _personal_page(request, PersonalTokenForm(), issued=issued)
    return _personal_page(request, form, status=400)


def _revoke(request, token) -> None:
    try:
        services.token_revoke(token=token, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, TOKEN_REVOKED)


@require_POST
def personal_token_revoke(request: AuthenticatedHttpRequest, pk) -> HttpResponse:
    _revoke(request, selectors.personal_token_for(user=request.user, pk=pk))
    return redirect("api:personal_tokens")


def _intake_page(request, membership, form, *, issued=None, status: int = 200) -> HttpResponse:
    return render(
        request,
        "api/intake_tokens.html",
        {
            "form": form,
            "issued": issued,
            "organisation": membership.organisation,
            "tokens": selectors.intake_tokens_of(organisation=membership.organisation),
            "can_create": has_recent_second_factor(request),
            "reauth_url": reauth_url(reverse("api:intake_tokens")),
        },
        status=status,
    )


@require_http_methods(["GET", "HEAD", "POST"])
@org_admin_required
def intake_tokens(request: AuthenticatedHttpRequest, *, membership: Membership) -> HttpResponse:
    if request.method == "POST":
        return _intake_create(request, membership=membership)
    return _intake_page(request, membership, IntakeTokenForm())


@require_recent_second_factor(return_to="api:intake_tokens")
def _intake_create(request: AuthenticatedHttpRequest, *, membership: Membership) -> HttpResponse:
    form = IntakeTokenForm(request.POST)
    if form.is_valid():
        try:
            issued = services.intake_token_create(
                organisation=membership.organisation, by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            _errors(form, error)
        else:
            return _intake_page(request, membership, IntakeTokenForm(), issued=issued)
    return _intake_page(request, membership, form, status=400)


@require_POST
def intake_token_revoke(request: AuthenticatedHttpRequest, pk) -> HttpResponse:
    token = selectors.intake_token_for(user=request.user, pk=pk)
    _revoke(request, token)
    return redirect("api:intake_tokens")


# --- Panels on the accounts pages (accounts.panels) ---------------------------------------------


def personal_tokens_panel(request) -> Panel | None:
    return Panel(
        "api/_personal_tokens_panel.html",
        {"tokens": [t for t in selectors.personal_tokens_of(user=request.user) if t.is_live()]},
    )


def intake_tokens_panel(request) -> Panel | None:
    membership = active_membership(request)
    if membership is None:
        return None
    tokens = selectors.intake_tokens_of(organisation=membership.organisation)
    return Panel("api/_intake_tokens_panel.html", {"tokens": [t for t in tokens if t.is_live()]})
