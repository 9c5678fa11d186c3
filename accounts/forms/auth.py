"""Forms of the sign-in pages and of the second-factor pages.

They only validate shape; the services decide (and audit) whether a password or code is right.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class NextField(forms.CharField):
    widget = forms.HiddenInput

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 2000)
        super().__init__(**kwargs)


class LoginForm(forms.Form):
    # The field is named "username" because django-axes reads that name (AXES_USERNAME_FORM_FIELD).
    username = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    next = NextField()


class SecondFactorForm(forms.Form):
    """A code from an authenticator app, or a backup code."""

    code = forms.CharField(
        label=_("Code"),
        max_length=64,
        help_text=_("The 6-digit code from your authenticator app, or one of your backup codes."),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "autofocus": True,
            }
        ),
    )
    next = NextField()


class TOTPEnrolForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the app"),
        max_length=16,
        help_text=_("After adding Waypoint to the app, type the 6-digit code it shows."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"}
        ),
    )
    name = forms.CharField(
        label=_("Name for this app (optional)"),
        max_length=64,
        required=False,
        help_text=_("So you can tell your devices apart, e.g. “work phone”."),
    )
