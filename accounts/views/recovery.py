"""Account recovery: the org admin's side (start it for a member, see the link once) and the
person's side (open the link, choose a new password, then enrol a second factor).

Access on the admin's side is that of the other member pages (accounts.views.org): 404 when
the admin is not a member of the member's organisation, 403 without the org admin role, and
the object check runs before re-authentication. The person's side needs no account session:
``/recover/<token>/`` keeps only the token's hash in the session and redirects at once, so
the token does not stay in the address bar or the history.
"""

from __future__ import annotations

import time

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from accounts.forms.passwords import NewPasswordForm
from accounts.http import AuthenticatedHttpRequest
from accounts.models import Membership
from accounts.security import (
    SESSION_ORG,
    SESSION_SEEN,
    SESSION_STARTED,
    open_from_session,
    require_recent_second_factor,
    seal_in_session,
)
from accounts.selectors import member_for_admin
from accounts.services import recovery as services
from accounts.services.invitations import MAX_TOKEN_LENGTH, token_hash
from accounts.views.invitations import PASSWORD_BACKEND

PASSWORD_SET = _("Your new password is set. Now set up a second factor to finish.")

# The admin's session holds the fresh link, sealed, between the POST and the page showing it.
SESSION_RECOVERY_LINK = "wp_recovery_link"


def _link_purpose(target: Membership) -> str:
    return f"recovery-link:{target.pk}"


def _recovery_hours() -> int:
    return int(services.RECOVERY_LIFETIME.total_seconds() // 3600)


# --- The org admin's side --------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
def member_recover(request: AuthenticatedHttpRequest, pk) -> HttpResponse:
    target = member_for_admin(user=request.user, pk=pk)
    return _member_recover(request, target=target)


@require_recent_second_factor
def _member_recover(request: AuthenticatedHttpRequest, *, target: Membership) -> HttpResponse:
    """GET explains what recovery does; POST does it and sends the admin to the link."""
    refusal = services.recovery_refusal(target=target.user, by=request.user)
    errors = [str(refusal)] if refusal is not None else []
    if request.method == "POST" and refusal is None:
        try:
            _recovery, token = services.recovery_start(membership=target, by=request.user)
        except ValidationError as exc:
            errors = [str(message) for message in exc.messages]
        else:
            link = services.recovery_link(token).encode()
            seal_in_session(request, SESSION_RECOVERY_LINK, _link_purpose(target), link)
            messages.success(request, services.RECOVERY_STARTED)
            return redirect("accounts:member_recovery_link", pk=target.pk)
    context = {
        "target": target,
        "organisation": target.organisation,
        "errors": errors,
        "hours": _recovery_hours(),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/member_recover.html", context, status=status)


@require_GET
def member_recovery_link(request: AuthenticatedHttpRequest, pk) -> HttpResponse:
    """Shows the link just made, once (post/redirect/get: reloading makes no new link)."""
    target = member_for_admin(user=request.user, pk=pk)
    raw = open_from_session(request, SESSION_RECOVERY_LINK, _link_purpose(target), pop=True)
    context = {
        "target": target,
        "organisation": target.organisation,
        "link": raw.decode() if raw else "",
        "hours": _recovery_hours(),
    }
    return render(request, "accounts/recovery_link.html", context)


# --- The person's side -----------------------------------------------------------------------


def _invalid(request: HttpRequest, error: services.RecoveryError) -> HttpResponse:
    return render(
        request,
        "accounts/recovery_invalid.html",
        {"message": error.message},
        status=error.status,
    )


@login_not_required
@require_GET
def open_link(request: HttpRequest, token: str) -> HttpResponse:
    if len(token) > MAX_TOKEN_LENGTH:
        return _invalid(request, services.RecoveryError(services.RECOVERY_UNKNOWN, status=404))
    request.session[services.SESSION_RECOVERY] = token_hash(token)
    return redirect("accounts:recovery_accept")


@login_not_required
@sensitive_post_parameters("new_password1", "new_password2")
@require_http_methods(["GET", "HEAD", "POST"])
def accept(request: HttpRequest) -> HttpResponse:
    digest = request.session.get(services.SESSION_RECOVERY) or ""
    try:
        recovery = services.recovery_by_hash(digest)
    except services.RecoveryError as exc:
        return _invalid(request, exc)
    if request.user.is_authenticated:
        return _invalid(request, services.RecoveryError(services.RECOVERY_SIGNED_IN))
    form = NewPasswordForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            recovery = services.recovery_complete(
                digest=digest, password=form.cleaned_data["new_password1"]
            )
        except services.RecoveryError as exc:
            return _invalid(request, exc)
        except ValidationError as exc:
            form.add_error("new_password1", exc)
        else:
            return _signed_in_for_enrolment(request, recovery)
    return render(
        request,
        "accounts/recovery_accept.html",
        {"recovery": recovery, "form": form},
        status=400 if form.errors else 200,
    )


def _signed_in_for_enrolment(request: HttpRequest, recovery) -> HttpResponse:
    request.session.pop(services.SESSION_RECOVERY, None)
    # The password step only (login() rotates the session key): the account has no second
    # factor now, so the middleware lets this session reach nothing but enrolment.
    login(request, recovery.user, backend=PASSWORD_BACKEND)
    now = int(time.time())
    request.session[SESSION_STARTED] = now
    request.session[SESSION_SEEN] = now
    request.session[SESSION_ORG] = str(recovery.organisation_id)
    messages.success(request, PASSWORD_SET)
    return redirect("accounts:enrol")
