"""Forms for invitations, the org admin pages and the organisation switcher."""

from __future__ import annotations

from django import forms
from django.contrib.auth.password_validation import password_validators_help_text_html
from django.utils.translation import gettext_lazy as _

from accounts.models import Role

PASSWORDS_DIFFER = _("The two passwords are not the same.")


class InviteForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "off", "autofocus": True}),
        help_text=_("The invitation link is sent to this address and works only for it."),
    )
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.CASEWORKER)

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("New role"), choices=Role.choices)


class SwitchOrganisationForm(forms.Form):
    organisation = forms.UUIDField(widget=forms.HiddenInput)


class AcceptInvitationForm(forms.Form):
    """A new account's password (checked again by the service against Django's validators,
    with the e-mail address, so a password resembling it is refused)."""

    display_name = forms.CharField(
        label=_("Display name (optional)"),
        max_length=80,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
        help_text=_(
            "How colleagues see you in Waypoint. A first name or a nickname is enough; "
            "you may leave it empty."
        ),
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data  # what Form.clean() returns (typed as "or None")
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", PASSWORDS_DIFFER)
        return cleaned
