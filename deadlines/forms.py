"""Forms of the deadline pages. They validate input; the services write."""

from __future__ import annotations

from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from casework import limits
from casework.forms import LimitedForm, text_field
from deadlines.models import DeadlineKind


class DateInput(forms.DateInput):
    input_type = "date"


class TimeInput(forms.TimeInput):
    input_type = "time"


class DeadlineForm(LimitedForm):
    kind = forms.ModelChoiceField(label=_("Kind"), queryset=DeadlineKind.objects.all())
    due_date = forms.DateField(label=_("Due date"), widget=DateInput)
    assignee: forms.ModelChoiceField[User] = forms.ModelChoiceField(
        label=_("Assignee"),
        queryset=None,
        required=False,
        empty_label=_("The case's assigned caseworkers"),
    )
    note = text_field(_("Note (encrypted with the case's notes)"), limits.SHORT_TEXT)

    def __init__(self, *args, caseworkers, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        assignee = cast(forms.ModelChoiceField, self.fields["assignee"])
        assignee.queryset = caseworkers
        # Labels set per instance: the stubs allow only overriding the method in a subclass.
        assignee.label_from_instance = lambda u: u.display_name or u.email  # type: ignore[method-assign,assignment]
        kind = cast(forms.ModelChoiceField, self.fields["kind"])
        kind.label_from_instance = lambda k: k.label  # type: ignore[method-assign,assignment]


class DeadlineChangeForm(LimitedForm):
    due_date = forms.DateField(label=_("New due date"), widget=DateInput)
    note = text_field(_("Note (encrypted with the case's notes)"), limits.SHORT_TEXT)
    reason = text_field(
        _("Why it changes"),
        limits.SHORT_TEXT,
        help_text=_("Kept in the deadline's history, encrypted with the case's notes."),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = True


class PreferencesForm(LimitedForm):
    email_enabled = forms.BooleanField(label=_("Send me e-mail reminders"), required=False)
    quiet_start = forms.TimeField(
        label=_("Quiet hours from (UTC)"), required=False, widget=TimeInput
    )
    quiet_end = forms.TimeField(
        label=_("Quiet hours until (UTC)"), required=False, widget=TimeInput
    )


class CheckInScheduleForm(LimitedForm):
    interval_hours = forms.IntegerField(
        label=_("Check in every (hours)"), min_value=1, max_value=720, initial=48
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)
