"""Forms of who may open a case: consent, referrals, break-glass, lawyers' grants."""

from __future__ import annotations

from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Membership, Organisation, User
from casework import limits
from casework.forms.fields import DateTimeInput, LimitedForm, choose_from, person_label, text_field
from casework.models import (
    BreakGlassReason,
    ConsentConfirmation,
    ConsentGiver,
    ConsentPurpose,
    ReferralAction,
    ReferralReason,
)
from casework.sections import Section

CONFIRMED_VIA_LABEL = _("How the client confirmed")
CONFIRMED_AT_LABEL = _("When the client confirmed")


class ConsentForm(LimitedForm):
    """A consent; given by the client, also how and when they gave it. Who gives it defaults
    to the intake channel's: a relative's request starts from the relative (pending)."""

    purpose = forms.ChoiceField(label=_("Purpose"), choices=())
    recipient: forms.ModelChoiceField[Organisation] = forms.ModelChoiceField(
        label=_("Recipient organisation"), queryset=None
    )
    sections = forms.MultipleChoiceField(
        label=_("Sections the client agrees to share"),
        choices=(),
        widget=forms.CheckboxSelectMultiple,
    )
    given_by = forms.ChoiceField(label=_("Given by"), choices=(), widget=forms.RadioSelect)
    confirmed_via = forms.ChoiceField(label=CONFIRMED_VIA_LABEL, choices=(), required=False)
    confirmed_at = forms.DateTimeField(
        label=CONFIRMED_AT_LABEL,
        required=False,
        widget=DateTimeInput,
        help_text=_(
            "Only when the client gave it, to you or a colleague. A relative's consent is "
            "confirmed later, on the case page; until then it opens nothing."
        ),
    )
    expires_at = forms.DateTimeField(label=_("Valid until"), widget=DateTimeInput)

    def __init__(self, *args, organisations, intake_channel: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["purpose"]).choices = ConsentPurpose.choices
        cast(forms.ChoiceField, self.fields["given_by"]).choices = ConsentGiver.choices
        self.fields["given_by"].initial = ConsentGiver.default_for(intake_channel)
        cast(forms.ChoiceField, self.fields["confirmed_via"]).choices = [
            ("", "—"),
            *ConsentConfirmation.choices,
        ]
        cast(forms.ChoiceField, self.fields["sections"]).choices = Section.choices
        choose_from(self, "recipient", organisations)


class ConsentConfirmForm(LimitedForm):
    """How and when the client confirmed a consent a relative gave."""

    confirmed_via = forms.ChoiceField(
        label=CONFIRMED_VIA_LABEL, choices=(), widget=forms.RadioSelect
    )
    confirmed_at = forms.DateTimeField(
        label=CONFIRMED_AT_LABEL,
        widget=DateTimeInput,
        help_text=_("Ask the client yourself: a relative cannot confirm for them."),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["confirmed_via"]).choices = ConsentConfirmation.choices


class ReferralForm(LimitedForm):
    to_organisation: forms.ModelChoiceField[Organisation] = forms.ModelChoiceField(
        label=_("Refer to"), queryset=None
    )
    recipient: forms.ModelChoiceField[Membership] = forms.ModelChoiceField(
        label=_("Name a person there (optional)"),
        queryset=None,
        required=False,
        help_text=_(
            "Without a name, whoever of that organisation accepts holds the referral, and "
            "their admin can give it to colleagues."
        ),
    )
    sections = forms.MultipleChoiceField(
        label=_("Sections to share"), choices=(), widget=forms.CheckboxSelectMultiple
    )
    actions = forms.MultipleChoiceField(
        label=_("They may"), choices=(), widget=forms.CheckboxSelectMultiple
    )
    reason = forms.ChoiceField(label=_("Reason"), choices=())
    expires_at = forms.DateTimeField(label=_("Until"), widget=DateTimeInput)

    def __init__(self, *args, organisations, people, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        choose_from(self, "to_organisation", organisations)
        choose_from(
            self, "recipient", people, lambda m: f"{person_label(m.user)} — {m.organisation.name}"
        )
        cast(forms.ChoiceField, self.fields["sections"]).choices = Section.choices
        cast(forms.ChoiceField, self.fields["actions"]).choices = ReferralAction.choices
        cast(forms.ChoiceField, self.fields["reason"]).choices = ReferralReason.choices

    def clean_recipient(self):
        """The named person as a user (the service checks they belong to the organisation)."""
        membership = self.cleaned_data.get("recipient")
        return membership.user if membership is not None else None


class ReferralAssignForm(LimitedForm):
    members: forms.ModelMultipleChoiceField[User] = forms.ModelMultipleChoiceField(
        label=_("Who holds this referral"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, members, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        choose_from(self, "members", members, person_label)


class BreakGlassForm(LimitedForm):
    reason = forms.ChoiceField(label=_("Reason"), choices=())
    explanation = text_field(
        _("Explain why you must open this case now"),
        limits.SHORT_TEXT,
        rows=4,
        required=True,
        help_text=_(
            "Kept encrypted with the case notes. The assigned caseworkers are told that you "
            "opened the case."
        ),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["reason"]).choices = BreakGlassReason.choices


class LawyerGrantForm(LimitedForm):
    lawyer: forms.ModelChoiceField[User] = forms.ModelChoiceField(label=_("Lawyer"), queryset=None)
    sections = forms.MultipleChoiceField(
        label=_("Sections the lawyer may open"),
        choices=(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, lawyers, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        choose_from(self, "lawyer", lawyers, person_label)
        cast(forms.ChoiceField, self.fields["sections"]).choices = Section.choices
