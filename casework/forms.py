"""Forms of the case pages. They validate input; the services write."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from casework import limits
from casework.envelope import IndexKind
from casework.limits import LIMIT_HELP, LINES_LIMIT_HELP, grouped
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


def _lines(value: str) -> list[str]:
    return [line.strip() for line in (value or "").splitlines() if line.strip()]


class DateInput(forms.DateInput):
    input_type = "date"


class PastDateField(forms.DateField):
    widget = DateInput

    def validate(self, value) -> None:
        super().validate(value)
        if value and value > timezone.now().date():
            raise forms.ValidationError(ERR_FUTURE)


class LimitedForm(forms.Form):
    """A form that states each text field's length limit under it (casework.limits)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, LinesField):
                stated = LINES_LIMIT_HELP % {"count": limits.LINES, "limit": grouped(limits.NAME)}
            elif getattr(field, "max_length", None) and not isinstance(
                field.widget, forms.HiddenInput
            ):
                stated = LIMIT_HELP % {"limit": grouped(field.max_length)}
            else:
                continue
            field.help_text = format_lazy("{} {}", field.help_text, stated).strip()


def text_field(label, limit: int, *, rows: int = 3, required: bool = False, **kwargs):
    """A text area of at most ``limit`` characters (the form states the limit)."""
    return forms.CharField(
        label=label,
        max_length=limit,
        required=required,
        widget=forms.Textarea(attrs={"rows": rows}),
        **kwargs,
    )


class LinesField(forms.CharField):
    """Several values, one per line: at most limits.LINES of them, each of at most
    limits.NAME characters."""

    widget = forms.Textarea(attrs={"rows": 3})

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", LINES_HELP)
        kwargs.setdefault("max_length", (limits.NAME + 1) * limits.LINES)
        super().__init__(*args, **kwargs)

    def validate(self, value) -> None:
        super().validate(value)
        limits.check_lines(value)

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return "\n".join(value)
        return value

    def to_python(self, value) -> list[str]:
        return _lines(super().to_python(value))


def _country_choices():
    return [("", "—")] + [(c.code, f"{c.name} ({c.code})") for c in Country.objects.all()]


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
        label=_("Service category"), choices=ServiceCategory.choices
    )
    risk_level = forms.ChoiceField(
        label=_("Risk"), choices=RiskLevel.choices, initial=RiskLevel.MEDIUM
    )
    country = forms.ChoiceField(label=_("Country now"), required=False, choices=())

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = _country_choices()

    def clean_country(self) -> Country | None:
        code = self.cleaned_data.get("country")
        return Country.objects.filter(code=code).first() if code else None


class ShellForm(LimitedForm):
    risk_level = forms.ChoiceField(label=_("Risk"), choices=RiskLevel.choices)
    intake_channel = forms.ChoiceField(label=_("Intake channel"), choices=IntakeChannel.choices)
    legal_category = forms.ChoiceField(label=_("Legal category"), choices=LegalCategory.choices)
    service_category = forms.ChoiceField(
        label=_("Service category"), choices=ServiceCategory.choices
    )


class StatusForm(LimitedForm):
    status = forms.ChoiceField(label=_("New status"), choices=Status.choices)


class AssignForm(LimitedForm):
    caseworkers = forms.ModelMultipleChoiceField(
        label=_("Assigned caseworkers"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, caseworkers, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["caseworkers"].queryset = caseworkers
        self.fields["caseworkers"].label_from_instance = lambda u: u.display_name or u.email


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


class LocationForm(LimitedForm):
    country = forms.ChoiceField(label=_("Country"), choices=())
    region = forms.CharField(
        label=_("Region"),
        max_length=limits.NAME,
        required=False,
        help_text=_("Coarse only: a region or province, never an address."),
    )
    legal_basis = forms.ChoiceField(
        label=_("Legal basis of stay"), choices=[("", "—"), *LegalBasis.choices], required=False
    )
    stay_expires = forms.DateField(label=_("Stay expires on"), required=False, widget=DateInput)
    route_notes = text_field(_("Route notes"), limits.TEXT, rows=4)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = _country_choices()[1:]

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

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = [("", _("Any"))] + _country_choices()[1:]


class SearchForm(LimitedForm):
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
    value = forms.CharField(label=_("Exact value"), max_length=limits.NAME)

    def clean_value(self) -> str:
        value = self.cleaned_data["value"].strip()
        if not value:
            raise forms.ValidationError(ERR_SEARCH_EMPTY)
        return value


# --- Access: consent, referrals, break-glass, lawyers ---------------------------------------


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"


class ConsentForm(LimitedForm):
    purpose = forms.ChoiceField(label=_("Purpose"), choices=())
    recipient = forms.ModelChoiceField(label=_("Recipient organisation"), queryset=None)
    sections = forms.MultipleChoiceField(
        label=_("Sections the client agrees to share"),
        choices=(),
        widget=forms.CheckboxSelectMultiple,
    )
    given_by = forms.ChoiceField(label=_("Given by"), choices=())
    expires_at = forms.DateTimeField(label=_("Valid until"), widget=DateTimeInput)

    def __init__(self, *args, organisations, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["purpose"].choices = ConsentPurpose.choices
        self.fields["given_by"].choices = ConsentGiver.choices
        self.fields["sections"].choices = Section.choices
        self.fields["recipient"].queryset = organisations


class ReferralForm(LimitedForm):
    to_organisation = forms.ModelChoiceField(label=_("Refer to"), queryset=None)
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
        self.fields["to_organisation"].queryset = organisations
        self.fields["sections"].choices = Section.choices
        self.fields["actions"].choices = ReferralAction.choices
        self.fields["reason"].choices = ReferralReason.choices


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
        self.fields["reason"].choices = BreakGlassReason.choices


class LawyerGrantForm(LimitedForm):
    lawyer = forms.ModelChoiceField(label=_("Lawyer"), queryset=None)
    sections = forms.MultipleChoiceField(
        label=_("Sections the lawyer may open"),
        choices=(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, lawyers, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lawyer"].queryset = lawyers
        self.fields["lawyer"].label_from_instance = lambda u: u.display_name or u.email
        self.fields["sections"].choices = Section.choices
