"""Opening and accepting an invitation.

``/invite/<token>/`` keeps only the token's hash in the session and redirects at once, so the
token does not stay in the address bar, the history or a bookmark. ``/invite/accept/`` shows
the organisation and role and, depending on who is there:

- nobody signed in and no account for the address: choose a password, the account and the
  membership are created, and the person continues to second-factor enrolment;
- nobody signed in and an account exists: sign in to it first, then come back and accept;
- signed in with the invited address: accept with one button;
- signed in with another address: the wrong-e-mail error, nothing changes.
"""

from __future__ import annotations

import time
from typing import cast

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.forms.org import AcceptInvitationForm
from accounts.http import AuthenticatedHttpRequest
from accounts.models import User
from accounts.security import SESSION_ORG, SESSION_SEEN, SESSION_STARTED
from accounts.services.invitations import (
    INVITATION_UNKNOWN,
    INVITATION_WRONG_EMAIL,
    MAX_TOKEN_LENGTH,
    SESSION_INVITATION,
    InvitationError,
    invitation_accept_existing_user,
    invitation_accept_new_user,
    invitation_by_hash,
    token_hash,
)

WELCOME = _("Welcome to {organisation}.")
# The backend that checked the password (axes' backend only counts failures).
PASSWORD_BACKEND = "django.contrib.auth.backends.ModelBackend"  # noqa: S105 - a class path


def _invalid(request: HttpRequest, error: InvitationError) -> HttpResponse:
    return render(
        request,
        "accounts/invitation_invalid.html",
        {"message": error.message},
        status=error.status,
    )


@login_not_required
@require_GET
def open_link(request: HttpRequest, token: str) -> HttpResponse:
    if len(token) > MAX_TOKEN_LENGTH:
        return _invalid(request, InvitationError(INVITATION_UNKNOWN, status=404))
    request.session[SESSION_INVITATION] = token_hash(token)
    return redirect("accounts:invitation_accept")


@login_not_required
@require_http_methods(["GET", "HEAD", "POST"])
def accept(request: HttpRequest) -> HttpResponse:
    digest = request.session.get(SESSION_INVITATION)
    try:
        invitation = invitation_by_hash(digest)
    except InvitationError as exc:
        return _invalid(request, exc)
    context = {"invitation": invitation, "organisation": invitation.organisation}
    if request.user.is_authenticated:
        signed_in = cast(AuthenticatedHttpRequest, request)  # the line above checks it
        return _accept_signed_in(signed_in, digest, invitation, context)
    if User.objects.filter(email__iexact=invitation.email).exists():
        return render(request, "accounts/invitation_accept.html", {**context, "mode": "sign_in"})
    return _accept_new(request, digest, context)


def _accept_signed_in(
    request: AuthenticatedHttpRequest, digest, invitation, context: dict
) -> HttpResponse:
    """A person who already has an account, signed in as the invited address, joins."""
    if request.user.email.lower() != invitation.email.lower():
        return _invalid(request, InvitationError(INVITATION_WRONG_EMAIL))
    if request.method != "POST":
        return render(request, "accounts/invitation_accept.html", {**context, "mode": "existing"})
    try:
        acceptance = invitation_accept_existing_user(digest=digest, user=request.user)
    except InvitationError as exc:
        return _invalid(request, exc)
    request.session.pop(SESSION_INVITATION, None)
    request.session[SESSION_ORG] = str(acceptance.membership.organisation_id)
    messages.success(request, str(WELCOME).format(organisation=invitation.organisation.name))
    return redirect("dashboard")


def _accept_new(request: HttpRequest, digest, context: dict) -> HttpResponse:
    """A new person chooses a password, then goes on to enrol a second factor."""
    form = AcceptInvitationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            acceptance = invitation_accept_new_user(
                digest=digest,
                password=form.cleaned_data["password1"],
                display_name=form.cleaned_data["display_name"],
                language=getattr(request, "LANGUAGE_CODE", ""),
            )
        except InvitationError as exc:
            return _invalid(request, exc)
        except ValidationError as exc:
            form.add_error("password1", exc)
        else:
            request.session.pop(SESSION_INVITATION, None)
            # The password step only (login() rotates the session key): the middleware lets
            # this session reach nothing but second-factor enrolment.
            login(request, acceptance.user, backend=PASSWORD_BACKEND)
            now = int(time.time())
            request.session[SESSION_STARTED] = now
            request.session[SESSION_SEEN] = now
            request.session[SESSION_ORG] = str(acceptance.membership.organisation_id)
            return redirect("accounts:enrol")
    return render(
        request,
        "accounts/invitation_accept.html",
        {**context, "mode": "new", "form": form},
        status=400 if form.errors else 200,
    )
