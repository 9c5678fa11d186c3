"""Organisation admin pages: members, invitations, roles, freezing.

Access: the list and invite pages act on the active organisation (no organisation: 404;
a member without the org admin role: 403). Pages on one member or invitation act on that
object's organisation: 404 when the user is not a member there, 403 without the role. The
object check runs before the re-authentication check, so an outsider is never sent to
re-authenticate for something they cannot reach.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts.forms.org import InviteForm, MemberRoleForm
from accounts.http import AuthenticatedHttpRequest
from accounts.models import Membership
from accounts.panels import panels_for
from accounts.security import require_recent_second_factor
from accounts.selectors import (
    invitation_for_admin,
    member_for_admin,
    members_of,
    org_admin_required,
    pending_invitations,
)
from accounts.services import invitations as invitation_services
from accounts.services import members as member_services

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def _messages_of(error: ValidationError) -> list[str]:
    return [str(message) for message in error.messages]


@require_http_methods(["GET", "HEAD"])
@org_admin_required
def members(request: AuthenticatedHttpRequest, *, membership: Membership) -> HttpResponse:
    organisation = membership.organisation
    return render(
        request,
        "accounts/members.html",
        {
            "organisation": organisation,
            "members": list(members_of(organisation=organisation)),
            "invitations": list(pending_invitations(organisation=organisation)),
            "panels": panels_for("org_admin", request),
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
@org_admin_required
@require_recent_second_factor
def invite(request: AuthenticatedHttpRequest, *, membership: Membership) -> HttpResponse:
    organisation = membership.organisation
    form = InviteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation_services.invitation_send(
                organisation=organisation,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                by=request.user,
            )
        except ValidationError as exc:
            for message in _messages_of(exc):
                form.add_error(None, message)
        else:
            messages.success(request, invitation_services.INVITATION_SENT)
            return redirect("accounts:members")
    return render(
        request,
        "accounts/invite.html",
        {
            "form": form,
            "organisation": organisation,
            "invitation_hours": int(settings.INVITATION_LIFETIME.total_seconds() // 3600),
        },
        status=400 if form.errors else 200,
    )


def _confirm_page(
    request: HttpRequest,
    *,
    target: Membership,
    action: str,
    form: MemberRoleForm | None = None,
    errors: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The confirmation page for a role change or a removal (both need a recent second
    factor, and re-authentication brings the admin back here with a GET)."""
    return render(
        request,
        "accounts/member_confirm.html",
        {
            "target": target,
            "action": action,
            "form": form,
            "errors": errors or [],
            "organisation": target.organisation,
        },
        status=status,
    )


@require_http_methods(["GET", "HEAD", "POST"])
def member_role(request: AuthenticatedHttpRequest, pk) -> HttpResponse:
    target = member_for_admin(user=request.user, pk=pk)
    return _member_role(request, target=target)


@require_recent_second_factor
def _member_role(request: AuthenticatedHttpRequest, *, target: Membership) -> HttpResponse:
    form = MemberRoleForm(
        request.POST if request.method == "POST" else None, initial={"role": target.role}
    )
    if request.method == "POST" and form.is_valid():
        try:
            member_services.member_change_role(
                membership=target, role=form.cleaned_data["role"], by=request.user
            )
        except ValidationError as exc:
            for message in _messages_of(exc):
                form.add_error(None, message)
        else:
            messages.success(request, member_services.ROLE_CHANGED)
            return _after_change(request, target)
    status = 400 if form.errors else 200
    return _confirm_page(request, target=target, action="role", form=form, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
def member_remove(request: AuthenticatedHttpRequest, pk) -> HttpResponse:
    target = member_for_admin(user=request.user, pk=pk)
    return _member_remove(request, target=target)


@require_recent_second_factor
def _member_remove(request: AuthenticatedHttpRequest, *, target: Membership) -> HttpResponse:
    if request.method == "POST":
        try:
            member_services.member_remove(membership=target, by=request.user)
        except ValidationError as exc:
            return _confirm_page(
                request, target=target, action="remove", errors=_messages_of(exc), status=400
            )
        messages.success(request, member_services.MEMBER_REMOVED)
        return _after_change(request, target)
    return _confirm_page(request, target=target, action="remove")


def _after_change(request: AuthenticatedHttpRequest, target: Membership) -> HttpResponse:
    # An admin who stepped down or left can no longer see the members page.
    if target.user_id == request.user.pk:
        return redirect("dashboard")
    return redirect("accounts:members")


def _act(request: AuthenticatedHttpRequest, change, success: StrOrPromise) -> HttpResponse:
    """Runs one member or invitation service; its refusal or the success becomes a message
    on the members page."""
    try:
        change()
    except ValidationError as exc:
        for message in _messages_of(exc):
            messages.error(request, message)
    else:
        messages.success(request, success)
    return redirect("accounts:members")


@require_POST
def member_freeze(request: AuthenticatedHttpRequest, pk) -> HttpResponse:
    target = member_for_admin(user=request.user, pk=pk)
    return _act(
        request,
        lambda: member_services.member_freeze(membership=target, by=request.user),
        member_services.MEMBER_FROZEN,
    )


@require_POST
def member_unfreeze(request: AuthenticatedHttpRequest, pk) -> HttpResponse:
    target = member_for_admin(user=request.user, pk=pk)
    return _act(
        request,
        lambda: member_services.member_unfreeze(membership=target, by=request.user),
        member_services.MEMBER_UNFROZEN,
    )


@require_POST
def invitation_revoke(request: AuthenticatedHttpRequest, pk) -> HttpResponse:
    invitation = invitation_for_admin(user=request.user, pk=pk)
    return _act(
        request,
        lambda: invitation_services.invitation_revoke(invitation=invitation, by=request.user),
        invitation_services.INVITATION_WITHDRAWN,
    )
