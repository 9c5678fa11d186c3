"""Changing one's own password (current password and a recent second factor required)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from accounts.forms.passwords import PasswordChangeForm
from accounts.http import AuthenticatedHttpRequest
from accounts.security import require_recent_second_factor
from accounts.services import passwords as services


@sensitive_post_parameters("current_password", "new_password1", "new_password2")
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@require_recent_second_factor
def password_change(request: AuthenticatedHttpRequest) -> HttpResponse:
    """On success every other session of the user ends and this one gets a new key. A POST
    after the re-authentication window comes back here, empty, after the second factor."""
    form = PasswordChangeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_change(
                request=request,
                user=request.user,
                current_password=form.cleaned_data["current_password"],
                new_password=form.cleaned_data["new_password1"],
            )
        except services.WrongPassword as exc:
            form.add_error("current_password", exc.message)
        except ValidationError as exc:
            form.add_error("new_password1", exc)
        else:
            # Keeps this session signed in under the new password, with a new key.
            update_session_auth_hash(request, request.user)
            messages.success(request, services.PASSWORD_CHANGED)
            return redirect("accounts:security")
    return render(
        request,
        "accounts/password_change.html",
        {"form": form},
        status=400 if form.errors else 200,
    )
