"""Forms of the case pages. They validate input; the services write."""

from __future__ import annotations

from typing import cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation, User
from casework.envelope import IndexKind
from casework.models import (
    Article,
    BreakGlassReason,
    ConsentGiver,
    ConsentPurpose,
    Country,
    DocumentType,
    IntakeChannel,
    Language,
    LegalBasis,
    LegalCategory,
    ProceduralStage,
    ReferralAction,
    ReferralReason,
    RiskLevel,
    Screening,
    ServiceCategory,
    Status,
    WantedLevel,
)
from casework.sections import Section

ERR_FUTURE = _("This date lies in the future.")
ERR_UNKNOWN_COUNTRY = _("Use two-letter country codes from the list, such as RU or KZ.")
ERR_SEARCH_EMPTY = _("Type what to search for.")
LINES_HELP = _("One per line.")


def _lines(value: str | None) -> list[str]:
    return [line.strip() for line in (value or "").splitlines() if line.strip()]


class DateInput(forms.DateInput):
    input_type = "date"


class PastDateField(forms.DateField):
    widget = DateInput

    def validate(self, value) -> None:
        super().validate(value)
        if value and value > timezone.now().date():
            raise forms.ValidationError(ERR_FUTURE)


class LinesField(forms.CharField):
    """Several values, one per line."""

    widget = forms.Textarea(attrs={"rows": 3})

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", LINES_HELP)
        super().__init__(*args, **kwargs)

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return "\n".join(value)
        return value

    # A CharField whose cleaned value is a list of lines, not a string.
    def to_python(self, value) -> list[str]:  # type: ignore[override]
        return _lines(super().to_python(value))


def _country_choices():
    return [("", "—")] + [(c.code, f"{c.name} ({c.code})") for c in Country.objects.all()]


class CaseCreateForm(forms.Form):
    pseudonym = forms.CharField(
        label=_("Pseudonym"),
        max_length=80,
        help_text=_("Shown everywhere instead of the name. Do not use the real name."),
    )
    legal_name = forms.CharField(
        label=_("Legal name"),
        max_length=200,
        required=False,
        help_text=_("Encrypted. Used for exact search."),
    )
    date_of_birth = PastDateField(label=_("Date of birth"), required=False)
    intake_channel = forms.ChoiceField(label=_("Intake channel"), choices=IntakeChannel.choices)
    legal_category = forms.ChoiceField(label=_("Legal category"), choices=LegalCategory.choices)
    service_category = forms.ChoiceField(
        label=_("Service category"), choices=ServiceCategory.choices
    )
    risk_level = forms.ChoiceField(
        label=_("Risk"), choices=RiskLevel.choices, initial=RiskLevel.MEDIUM
    )
    country = forms.ChoiceField(label=_("Country now"), required=False, choices=())

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["country"]).choices = _country_choices()

    def clean_country(self) -> Country | None:
        code = self.cleaned_data.get("country")
        return Country.objects.filter(code=code).first() if code else None


class ShellForm(forms.Form):
    risk_level = forms.ChoiceField(label=_("Risk"), choices=RiskLevel.choices)
    intake_channel = forms.ChoiceField(label=_("Intake channel"), choices=IntakeChannel.choices)
    legal_category = forms.ChoiceField(label=_("Legal category"), choices=LegalCategory.choices)
    service_category = forms.ChoiceField(
        label=_("Service category"), choices=ServiceCategory.choices
    )


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=Status.choices)


class AssignForm(forms.Form):
    caseworkers: forms.ModelMultipleChoiceField[User] = forms.ModelMultipleChoiceField(
        label=_("Assigned caseworkers"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, caseworkers, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["caseworkers"])
        field.queryset = caseworkers
        # A label set per instance: the stubs allow only overriding the method in a subclass.
        field.label_from_instance = lambda u: u.display_name or u.email  # type: ignore[method-assign,assignment]


class IdentityForm(forms.Form):
    pseudonym = forms.CharField(label=_("Pseudonym"), max_length=80)
    legal_name = forms.CharField(label=_("Legal name"), max_length=200, required=False)
    aliases = LinesField(label=_("Other names and spellings"))
    date_of_birth = PastDateField(label=_("Date of birth"), required=False)
    citizenships = LinesField(
        label=_("Citizenships"), help_text=_("Two-letter country codes, one per line.")
    )
    passport_numbers = LinesField(label=_("Passport numbers"))
    relatives_at_risk = forms.CharField(
        label=_("Relatives at risk of reprisals"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_citizenships(self) -> list[str]:
        codes = [c.upper() for c in self.cleaned_data["citizenships"]]
        known = set(Country.objects.filter(code__in=codes).values_list("code", flat=True))
        if set(codes) - known:
            raise forms.ValidationError(ERR_UNKNOWN_COUNTRY)
        return codes


class ContactForm(forms.Form):
    phones = LinesField(
        label=_("Phone numbers"), help_text=_("With country code, one per line: +7 916 …")
    )
    contact_handles = LinesField(
        label=_("Messengers and other contacts"),
        help_text=_("One per line, e.g. “Signal: …” or “Telegram: @…”."),
    )


class LocationForm(forms.Form):
    country = forms.ChoiceField(label=_("Country"), choices=())
    region = forms.CharField(
        label=_("Region"),
        max_length=120,
        required=False,
        help_text=_("Coarse only: a region or province, never an address."),
    )
    legal_basis = forms.ChoiceField(
        label=_("Legal basis of stay"), choices=[("", "—"), *LegalBasis.choices], required=False
    )
    stay_expires = forms.DateField(label=_("Stay expires on"), required=False, widget=DateInput)
    route_notes = forms.CharField(
        label=_("Route notes"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["country"]).choices = _country_choices()[1:]

    def clean_country(self) -> Country:
        country = Country.objects.filter(code=self.cleaned_data["country"]).first()
        if country is None:
            raise forms.ValidationError(ERR_UNKNOWN_COUNTRY)
        return country


class ExposureForm(forms.Form):
    article = forms.ChoiceField(label=_("Article"), choices=Article.choices)
    during_mobilisation = forms.BooleanField(
        label=_("During mobilisation (since September 2022)"), required=False, initial=True
    )
    absence_start = PastDateField(
        label=_("Absence from the unit began on"),
        required=False,
        help_text=_("Encrypted. The part of art. 337 is computed from it."),
    )
    procedural_stage = forms.ChoiceField(
        label=_("Procedural stage"), choices=ProceduralStage.choices
    )
    wanted_level = forms.ChoiceField(label=_("Wanted"), choices=WantedLevel.choices)
    exit_ban = forms.BooleanField(label=_("Exit ban"), required=False)
    passport_confiscated = forms.BooleanField(
        label=_("Foreign passport confiscated or surrendered"), required=False
    )
    details = forms.CharField(
        label=_("Details"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Never write unit numbers or deployment places."),
    )


class TestimonyForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
    text = forms.CharField(label=_("Statement"), widget=forms.Textarea(attrs={"rows": 12}))
    consent_dossier = forms.BooleanField(
        label=_("The person consents to this statement being used in a dossier"),
        required=False,
    )


class ScreeningForm(forms.Form):
    screening = forms.ChoiceField(label=_("War-crimes screening"), choices=Screening.choices)


class NoteForm(forms.Form):
    text = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 4}))


class DocumentForm(forms.Form):
    document_type = forms.ModelChoiceField(
        label=_("Type"), queryset=DocumentType.objects.filter(is_active=True)
    )
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "JPEG, PNG or WebP images and PDF documents. Location and camera data are removed."
        ),
    )
    description = forms.CharField(label=_("Description"), max_length=500, required=False)


class FilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any")), ("crisis", _("Any crisis")), *Status.choices],
    )
    risk = forms.ChoiceField(
        label=_("Risk"), required=False, choices=[("", _("Any")), *RiskLevel.choices]
    )
    country = forms.ChoiceField(label=_("Country"), required=False, choices=())
    mine = forms.BooleanField(label=_("Assigned to me"), required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        countries = [("", _("Any"))] + _country_choices()[1:]
        cast(forms.ChoiceField, self.fields["country"]).choices = countries


class SearchForm(forms.Form):
    """Exact search through the blind index. Sent by POST so the value never sits in a URL."""

    kind = forms.ChoiceField(
        label=_("Search by"),
        choices=[
            (IndexKind.NAME, _("Legal name or other name")),
            (IndexKind.BIRTH_DATE, _("Date of birth (YYYY-MM-DD)")),
            (IndexKind.PHONE, _("Phone number")),
            (IndexKind.PASSPORT, _("Passport number")),
        ],
    )
    value = forms.CharField(label=_("Exact value"), max_length=200)

    def clean_value(self) -> str:
        value = self.cleaned_data["value"].strip()
        if not value:
            raise forms.ValidationError(ERR_SEARCH_EMPTY)
        return value


# --- Access: consent, referrals, break-glass, lawyers ---------------------------------------


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"


class ConsentForm(forms.Form):
    purpose = forms.ChoiceField(label=_("Purpose"), choices=())
    recipient: forms.ModelChoiceField[Organisation] = forms.ModelChoiceField(
        label=_("Recipient organisation"), queryset=None
    )
    sections = forms.MultipleChoiceField(
        label=_("Sections the client agrees to share"),
        choices=(),
        widget=forms.CheckboxSelectMultiple,
    )
    given_by = forms.ChoiceField(label=_("Given by"), choices=())
    expires_at = forms.DateTimeField(label=_("Valid until"), widget=DateTimeInput)

    def __init__(self, *args, organisations, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["purpose"]).choices = ConsentPurpose.choices
        cast(forms.ChoiceField, self.fields["given_by"]).choices = ConsentGiver.choices
        cast(forms.ChoiceField, self.fields["sections"]).choices = Section.choices
        cast(forms.ModelChoiceField, self.fields["recipient"]).queryset = organisations


class ReferralForm(forms.Form):
    to_organisation: forms.ModelChoiceField[Organisation] = forms.ModelChoiceField(
        label=_("Refer to"), queryset=None
    )
    sections = forms.MultipleChoiceField(
        label=_("Sections to share"), choices=(), widget=forms.CheckboxSelectMultiple
    )
    actions = forms.MultipleChoiceField(
        label=_("They may"), choices=(), widget=forms.CheckboxSelectMultiple
    )
    reason = forms.ChoiceField(label=_("Reason"), choices=())
    expires_at = forms.DateTimeField(label=_("Until"), widget=DateTimeInput)

    def __init__(self, *args, organisations, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["to_organisation"]).queryset = organisations
        cast(forms.ChoiceField, self.fields["sections"]).choices = Section.choices
        cast(forms.ChoiceField, self.fields["actions"]).choices = ReferralAction.choices
        cast(forms.ChoiceField, self.fields["reason"]).choices = ReferralReason.choices


class BreakGlassForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=())
    explanation = forms.CharField(
        label=_("Explain why you must open this case now"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        help_text=_(
            "Kept encrypted with the case notes. The assigned caseworkers are told that you "
            "opened the case."
        ),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["reason"]).choices = BreakGlassReason.choices


class LawyerGrantForm(forms.Form):
    lawyer: forms.ModelChoiceField[User] = forms.ModelChoiceField(label=_("Lawyer"), queryset=None)
    sections = forms.MultipleChoiceField(
        label=_("Sections the lawyer may open"),
        choices=(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, lawyers, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["lawyer"])
        field.queryset = lawyers
        # A label set per instance: the stubs allow only overriding the method in a subclass.
        field.label_from_instance = lambda u: u.display_name or u.email  # type: ignore[method-assign,assignment]
        cast(forms.ChoiceField, self.fields["sections"]).choices = Section.choices
