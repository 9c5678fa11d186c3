"""The case list's bulk reassignment: an org admin gives chosen cases to a caseworker."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from casework import limits
from casework.forms.fields import LimitedForm, choose_from, frozen_label, person_label, text_field
from casework.models import AssignmentReason, Case


class BulkAssignForm(LimitedForm):
    cases = forms.ModelMultipleChoiceField(
        label=_("Cases"),
        queryset=Case.objects.none(),
        widget=forms.MultipleHiddenInput,
        error_messages={"required": _("Choose at least one case.")},
    )
    to = forms.ModelChoiceField(label=_("Assign to"), queryset=User.objects.none())
    remove = forms.ModelChoiceField(
        label=_("Take off these cases"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Nobody"),
    )
    reason = forms.ChoiceField(
        label=_("Why do you reassign these cases?"),
        choices=[("", "—"), *AssignmentReason.choices],
    )
    explanation = text_field(
        _("Explain"),
        limits.SHORT_TEXT,
        help_text=_(
            "Kept encrypted with each case's notes. The assigned caseworkers are told who "
            "assigned whom, and why."
        ),
    )

    def __init__(self, *args, cases, caseworkers, members, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        choose_from(self, "cases", cases)
        choose_from(self, "to", caseworkers, person_label)
        choose_from(self, "remove", members, frozen_label)
        self.fields["explanation"].required = True
