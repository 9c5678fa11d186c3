"""Forms of the case pages: opening a case, its details, status and assignment, its sections,
and the case list's filters and search. They validate input; the services write."""

from __future__ import annotations

from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from casework import limits
from casework.envelope import IndexKind
from casework.forms.fields import (
    ERR_UNKNOWN_COUNTRY,
    DateInput,
    LimitedForm,
    LinesField,
    PastDateField,
    choose_from,
    country_choices,
    frozen_label,
    person_label,
    text_field,
)
from casework.models import (
    Article,
    AssignmentReason,
    Country,
    DocumentType,
    IntakeChannel,
    Language,
    LegalBasis,
    LegalCategory,
    ProceduralStage,
    Region,
    RiskLevel,
    Screening,
    ServiceCategory,
    Status,
    StayedReason,
    WantedLevel,
)

ERR_SEARCH_EMPTY = _("Type what to search for.")
SERVICE_CATEGORY_HELP = _("Not needed for a resident of occupied Ukraine.")


class CaseCreateForm(LimitedForm):
    pseudonym = forms.CharField(
        label=_("Pseudonym"),
        max_length=limits.PSEUDONYM,
        help_text=_("Shown everywhere instead of the name. Do not use the real name."),
    )
    legal_name = forms.CharField(
        label=_("Legal name"),
        max_length=limits.NAME,
        required=False,
        help_text=_("Encrypted. Used for exact search."),
    )
    date_of_birth = PastDateField(label=_("Date of birth"), required=False)
    intake_channel = forms.ChoiceField(label=_("Intake channel"), choices=IntakeChannel.choices)
    legal_category = forms.ChoiceField(label=_("Legal category"), choices=LegalCategory.choices)
    service_category = forms.ChoiceField(
        label=_("Service category"),
        choices=[("", "—"), *ServiceCategory.choices],
        required=False,
        help_text=SERVICE_CATEGORY_HELP,
    )
    risk_level = forms.ChoiceField(
        label=_("Risk"), choices=RiskLevel.choices, initial=RiskLevel.MEDIUM
    )
    country = forms.ChoiceField(label=_("Country now"), required=False, choices=())

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["country"]).choices = country_choices()

    def clean_country(self) -> Country | None:
        code = self.cleaned_data.get("country")
        return Country.objects.filter(code=code).first() if code else None


class ShellForm(LimitedForm):
    risk_level = forms.ChoiceField(label=_("Risk"), choices=RiskLevel.choices)
    intake_channel = forms.ChoiceField(label=_("Intake channel"), choices=IntakeChannel.choices)
    legal_category = forms.ChoiceField(label=_("Legal category"), choices=LegalCategory.choices)
    service_category = forms.ChoiceField(
        label=_("Service category"),
        choices=[("", "—"), *ServiceCategory.choices],
        required=False,
        help_text=SERVICE_CATEGORY_HELP,
    )


class StatusForm(LimitedForm):
    # Every status: a move the workflow refuses gets the workflow's reason, not "invalid".
    status = forms.ChoiceField(label=_("New status"), choices=Status.choices)
    stayed_reason = forms.ChoiceField(
        label=_("Why the person stayed in Russia"),
        choices=[("", "—"), *StayedReason.choices],
        required=False,
        help_text=_("Only for the outcome “Stayed in Russia”."),
    )


class AssignForm(LimitedForm):
    caseworkers: forms.ModelMultipleChoiceField[User] = forms.ModelMultipleChoiceField(
        label=_("Assigned caseworkers"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
    )

    reason = forms.ChoiceField(
        label=_("Why do you assign someone to a case you are not assigned to?"),
        choices=[("", "—"), *AssignmentReason.choices],
        required=False,
    )
    explanation = text_field(
        _("Explain"),
        limits.SHORT_TEXT,
        help_text=_(
            "Kept encrypted with the case notes. The assigned caseworkers are told who "
            "assigned whom, and why."
        ),
    )

    def __init__(self, *args, caseworkers, from_outside: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        choose_from(self, "caseworkers", caseworkers, person_label)
        if from_outside:
            self.fields["reason"].required = True
            self.fields["explanation"].required = True
        else:
            del self.fields["reason"], self.fields["explanation"]


class LocationOpenForm(LimitedForm):
    colleague: forms.ModelChoiceField[User] = forms.ModelChoiceField(
        label=_("Open location and route to"), queryset=None
    )

    def __init__(self, *args, colleagues, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        choose_from(self, "colleague", colleagues, person_label)


class IdentityForm(LimitedForm):
    pseudonym = forms.CharField(label=_("Pseudonym"), max_length=limits.PSEUDONYM)
    legal_name = forms.CharField(label=_("Legal name"), max_length=limits.NAME, required=False)
    aliases = LinesField(label=_("Other names and spellings"))
    date_of_birth = PastDateField(label=_("Date of birth"), required=False)
    citizenships = LinesField(
        label=_("Citizenships"), help_text=_("Two-letter country codes, one per line.")
    )
    passport_numbers = LinesField(label=_("Passport numbers"))
    relatives_at_risk = text_field(_("Relatives at risk of reprisals"), limits.SHORT_TEXT)

    def clean_citizenships(self) -> list[str]:
        codes = [c.upper() for c in self.cleaned_data["citizenships"]]
        known = set(Country.objects.filter(code__in=codes).values_list("code", flat=True))
        if set(codes) - known:
            raise forms.ValidationError(ERR_UNKNOWN_COUNTRY)
        return codes


class ContactForm(LimitedForm):
    phones = LinesField(
        label=_("Phone numbers"), help_text=_("With country code, one per line: +7 916 …")
    )
    contact_handles = LinesField(
        label=_("Messengers and other contacts"),
        help_text=_("One per line, e.g. “Signal: …” or “Telegram: @…”."),
    )


def _region_label(region: Region) -> str:
    return f"{region.label}, {region.country.label}: {region.get_risk_level_display()}"


class LocationForm(LimitedForm):
    country = forms.ChoiceField(label=_("Country"), choices=())
    region = forms.CharField(
        label=_("Region"),
        max_length=limits.NAME,
        required=False,
        help_text=_("Coarse only: a region or province, never an address."),
    )
    risk_region = forms.ModelChoiceField(
        label=_("Region of higher risk"),
        queryset=Region.objects.none(),
        to_field_name="code",
        required=False,
        help_text=_("If the person is in one of these regions: its risk may exceed the country's."),
    )
    legal_basis = forms.ChoiceField(
        label=_("Legal basis of stay"), choices=[("", "—"), *LegalBasis.choices], required=False
    )
    entered_on = forms.DateField(
        label=_("Entered this country on"),
        required=False,
        widget=DateInput,
        help_text=_(
            "The stay limit counts from this day, with earlier stays recorded as border crossings."
        ),
    )
    stay_expires = forms.DateField(label=_("Stay expires on"), required=False, widget=DateInput)
    route_notes = text_field(_("Route notes"), limits.TEXT, rows=4)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["country"]).choices = country_choices()[1:]
        regions = cast(forms.ModelChoiceField, self.fields["risk_region"])
        regions.queryset = Region.objects.select_related("country")
        regions.label_from_instance = _region_label  # type: ignore[method-assign,assignment]

    def clean_country(self) -> Country:
        country = Country.objects.filter(code=self.cleaned_data["country"]).first()
        if country is None:
            raise forms.ValidationError(ERR_UNKNOWN_COUNTRY)
        return country


class ExposureForm(LimitedForm):
    article = forms.ChoiceField(label=_("Article"), choices=Article.choices)
    during_mobilisation = forms.BooleanField(
        label=_("During mobilisation (since September 2022)"), required=False, initial=True
    )
    absence_start = PastDateField(
        label=_("Absence from the unit began on"),
        required=False,
        help_text=_("Encrypted. The part of art. 337 is computed from it."),
    )
    esummons_placed_on = PastDateField(
        label=_("E-summons placed in the register on"),
        required=False,
        help_text=_("Encrypted. It counts as served 7 days later, opened or not."),
    )
    procedural_stage = forms.ChoiceField(
        label=_("Procedural stage"), choices=ProceduralStage.choices
    )
    wanted_level = forms.ChoiceField(label=_("Wanted"), choices=WantedLevel.choices)
    exit_ban = forms.BooleanField(label=_("Exit ban"), required=False)
    passport_confiscated = forms.BooleanField(
        label=_("Foreign passport confiscated or surrendered"), required=False
    )
    details = text_field(
        _("Details"),
        limits.SHORT_TEXT,
        help_text=_("Never write unit numbers or deployment places."),
    )


class TestimonyForm(LimitedForm):
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
    text = text_field(_("Statement"), limits.STATEMENT, rows=12, required=True)
    consent_dossier = forms.BooleanField(
        label=_("The person consents to this statement being used in a dossier"),
        required=False,
    )


class ScreeningForm(LimitedForm):
    screening = forms.ChoiceField(label=_("War-crimes screening"), choices=Screening.choices)


class NoteForm(LimitedForm):
    text = text_field(_("Note"), limits.TEXT, rows=4, required=True)


class DocumentForm(LimitedForm):
    document_type = forms.ModelChoiceField(
        label=_("Type"), queryset=DocumentType.objects.filter(is_active=True)
    )
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "JPEG, PNG or WebP images and PDF documents. Location and camera data are removed."
        ),
    )
    description = forms.CharField(label=_("Description"), max_length=limits.NAME, required=False)


class FilterForm(LimitedForm):
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
    assignee = forms.ModelChoiceField(
        label=_("Assigned to"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Anyone"),
    )

    def __init__(self, *args, assignees=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        countries = [("", _("Any"))] + country_choices()[1:]
        cast(forms.ChoiceField, self.fields["country"]).choices = countries
        if assignees is None:
            del self.fields["assignee"]
        else:
            choose_from(self, "assignee", assignees, frozen_label)


class SearchForm(LimitedForm):
    """Exact search through the blind index. Sent by POST so the value never sits in a URL."""

    kind = forms.ChoiceField(
        label=_("Search by"),
        choices=[
            ("reference", _("Case reference (or part of it)")),
            ("pseudonym", _("Pseudonym (or part of it)")),
            (IndexKind.NAME, _("Legal name or other name")),
            (IndexKind.BIRTH_DATE, _("Date of birth (YYYY-MM-DD)")),
            (IndexKind.PHONE, _("Phone number")),
            (IndexKind.PASSPORT, _("Passport number")),
        ],
    )
    value = forms.CharField(label=_("Exact value"), max_length=limits.NAME)

    def clean_value(self) -> str:
        value = self.cleaned_data["value"].strip()
        if not value:
            raise forms.ValidationError(ERR_SEARCH_EMPTY)
        return value
