from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from api.services import INTAKE_MAX_DAYS, PERSONAL_MAX_DAYS


class PersonalTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=80,
        help_text=_("What the token is for, so you recognise it later (e.g. “my laptop script”)."),
    )
    days = forms.IntegerField(
        label=_("Valid for (days)"),
        min_value=1,
        max_value=PERSONAL_MAX_DAYS,
        initial=PERSONAL_MAX_DAYS,
    )


class IntakeTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=80,
        help_text=_("Which tool or partner uses it (e.g. “partner hotline form”)."),
    )
    days = forms.IntegerField(
        label=_("Valid for (days)"), min_value=1, max_value=INTAKE_MAX_DAYS, initial=90
    )
