"""Forms of the evacuation pages. They parse input; the services validate what the data means
(a known country, dates in order, a document of this case) and say what is wrong."""

from __future__ import annotations

import re
import uuid
from typing import cast

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from casework import limits
from casework.forms import DateInput, LimitedForm, text_field
from casework.models import Country, DocumentType, Testimony
from casework.translations import collect_translations, language_fields
from evacuation.models import (
    Decision,
    DossierStatus,
    PlanStatus,
    ReviewDecision,
    Route,
    StepKind,
    StepStatus,
)

ERR_BAD_DOCUMENT = _("Choose documents from the list.")
ERR_BAD_ITEM = _("Choose a checklist item from the list.")


def _country_choices():
    countries = sorted(Country.objects.all(), key=lambda c: c.label.casefold())
    return [("", "—")] + [(c.code, f"{c.label} ({c.code})") for c in countries]


class ServiceChecked(forms.ChoiceField):
    """A select whose value the service checks, so the person reads the service's message
    ("Unknown country: choose one from the list.") rather than a generic one."""

    def valid_value(self, value) -> bool:
        return True


class ServiceCheckedMultiple(forms.MultipleChoiceField):
    """Several values the view and the service check (a document of another case)."""

    def valid_value(self, value) -> bool:
        return True


class CountryCodesField(forms.CharField):
    """Country codes in order of travel, separated by commas or spaces."""

    # A CharField whose cleaned value is a list of codes, not a string.
    def to_python(self, value) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        return [code.upper() for code in re.split(r"[\s,;]+", text) if code]

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return ", ".join(value)
        return value


def _text(label, limit: int = limits.TEXT, rows: int = 3, **kwargs) -> forms.CharField:
    return text_field(label, limit, rows=rows, **kwargs)


def _date(label, **kwargs) -> forms.DateField:
    return forms.DateField(label=label, required=False, widget=DateInput, **kwargs)


class PlanForm(LimitedForm):
    status = forms.ChoiceField(label=_("Status"), choices=PlanStatus.choices)
    origin_region = forms.CharField(
        label=_("Leaving from (region)"),
        max_length=limits.NAME,
        required=False,
        help_text=_("Coarse only: a region or province, never an address."),
    )
    transit_countries = CountryCodesField(
        label=_("Transit countries, in order of travel"),
        max_length=limits.NAME,
        required=False,
        help_text=_("Two-letter country codes separated by commas, such as KZ, AM."),
    )
    destination = ServiceChecked(label=_("Destination country"), required=False, choices=())
    fallback_notes = _text(_("If a step fails"), rows=4)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["destination"]).choices = _country_choices()


class StepForm(LimitedForm):
    kind = forms.ChoiceField(label=_("Step"), choices=StepKind.choices)
    country = ServiceChecked(label=_("Country"), required=False, choices=())
    planned_on = _date(_("Planned for"))
    done_on = _date(
        _("Done on"), help_text=_("For a border crossing: the day of entry into the country.")
    )
    status = forms.ChoiceField(label=_("Status"), choices=StepStatus.choices)
    notes = _text(
        _("Notes"), limits.SHORT_TEXT, help_text=_("Never write addresses, unit numbers or names.")
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["country"]).choices = _country_choices()


class VisaForm(LimitedForm):
    # The routes offered (platform admins edit them); the service checks the choice.
    route = ServiceChecked(label=_("Route"), choices=())
    destination = ServiceChecked(label=_("Destination country"), choices=())
    decision = forms.ChoiceField(label=_("Decision"), choices=Decision.choices)
    consulate = forms.CharField(
        label=_("Consulate"),
        max_length=limits.NAME,
        required=False,
        help_text=_("Sealed with the location and route."),
    )
    appointment_on = _date(_("Appointment"))
    submitted_on = _date(_("Submitted on"))
    decision_due = _date(_("Decision due"))
    decided_on = _date(_("Decided on"))
    refusal_reasons = _text(_("Reasons given for a refusal"))
    appeal_deadline = _date(_("Appeal deadline"))
    valid_until = _date(_("Visa valid until"))
    enter_by = _date(_("Enter by"))
    entered_on = _date(_("Entered on"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["destination"]).choices = _country_choices()
        current = self.initial.get("route")
        routes = Route.objects.filter(Q(active=True) | Q(code=current or ""))
        cast(forms.ChoiceField, self.fields["route"]).choices = [(r.code, str(r)) for r in routes]


class DossierItemForm(LimitedForm):
    """The case documents to include under one checklist item. Values are document ids; the
    view looks them up and the service refuses a document of another case."""

    documents = ServiceCheckedMultiple(
        label=_("Documents to include"),
        required=False,
        choices=(),
        widget=forms.CheckboxSelectMultiple,
    )
    override_reason = _text(
        _("Why a document of another type belongs here"),
        limits.SHORT_TEXT,
        rows=2,
        help_text=_(
            "Only needed for a document of another type than the item's. The reviewing "
            "lawyer sees this reason."
        ),
    )

    def __init__(self, *args, documents: list[tuple[str, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["documents"]).choices = documents

    def clean_documents(self) -> list[uuid.UUID]:
        try:
            ids = [uuid.UUID(value) for value in self.cleaned_data["documents"]]
        except ValueError:
            raise forms.ValidationError(ERR_BAD_DOCUMENT) from None
        return list(dict.fromkeys(ids))


class DossierContentsForm(LimitedForm):
    testimony: forms.ModelChoiceField[Testimony] = forms.ModelChoiceField(
        label=_("Statement the excerpt comes from"),
        queryset=None,
        required=False,
        help_text=_("Only statements the person consented to use in a dossier."),
    )
    testimony_excerpt = _text(_("Testimony excerpt"), limits.STATEMENT, rows=8)
    exposure_summary = _text(_("Legal exposure summary"), rows=6)

    def __init__(self, *args, statements, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["testimony"])
        field.queryset = statements
        # A label set per instance: the stubs allow only overriding the method in a subclass.
        field.label_from_instance = lambda t: (  # type: ignore[method-assign,assignment]
            _("Statement %(number)s, version %(version)s")
            % {"number": t.number, "version": t.version}
        )


class VetForm(LimitedForm):
    note = _text(
        _("Vetting note"),
        limits.SHORT_TEXT,
        help_text=_("Who vetted the person and how. Encrypted with the legal section."),
    )


class ReviewerForm(LimitedForm):
    lawyer = forms.ChoiceField(label=_("Reviewing lawyer"), choices=())

    def __init__(self, *args, lawyers, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.lawyers = {str(u.pk): u for u in lawyers}
        cast(forms.ChoiceField, self.fields["lawyer"]).choices = [("", "—")] + [
            (pk, u.display_name or u.email) for pk, u in self.lawyers.items()
        ]

    def clean_lawyer(self):
        return self.lawyers[self.cleaned_data["lawyer"]]


class CommentForm(LimitedForm):
    # Optional here: the service says "Write the comment first."
    text = _text(_("Comment"))
    item = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def clean_item(self) -> uuid.UUID | None:
        value = self.cleaned_data["item"]
        if not value:
            return None
        try:
            return uuid.UUID(value)
        except ValueError:
            raise forms.ValidationError(ERR_BAD_ITEM) from None


class ReviewForm(LimitedForm):
    decision = forms.ChoiceField(
        label=_("Your decision"), choices=ReviewDecision.choices, widget=forms.RadioSelect
    )
    comment = _text(_("Comment"), help_text=_("Required when you request changes."))


class MarkForm(LimitedForm):
    status = forms.ChoiceField(
        label=_("What happened"),
        choices=[
            (DossierStatus.SUBMITTED, _("Submitted to the consulate or authority")),
            (DossierStatus.DECIDED, _("Decided")),
        ],
    )


class RouteForm(LimitedForm):
    """A route as a platform admin adds or changes it (the code only when adding)."""

    code = forms.CharField(
        label=_("Code"),
        max_length=24,
        help_text=_("Lower-case letters, digits and underscores, e.g. “dublin”. Never changes."),
    )
    name = forms.CharField(label=_("Name"), max_length=limits.NAME)
    active = forms.BooleanField(label=_("Offered for new applications"), required=False)
    position = forms.IntegerField(label=_("Position in lists"), min_value=0, max_value=32767)

    def __init__(self, *args, adding: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The name in each other language, under the English one (the platform admins edit
        # every language here; an empty one shows the English name).
        self.fields.update(language_fields("name", _("Name"), max_length=limits.NAME))
        self.order_fields(["code", "name", *self.fields])
        if not adding:
            del self.fields["code"]

    def clean(self) -> dict:
        """The names in other languages become ``name_translations`` ({language: name})."""
        data = super().clean() or {}
        data["name_translations"] = collect_translations(data, "name")
        return data


class RequirementForm(LimitedForm):
    """A document type a route's dossier needs (or may have)."""

    document_type: forms.ModelChoiceField[DocumentType] = forms.ModelChoiceField(
        label=_("Document type"), queryset=DocumentType.objects.all()
    )
    required = forms.BooleanField(label=_("Required"), required=False)
    also_accepts: forms.ModelMultipleChoiceField[DocumentType] = forms.ModelMultipleChoiceField(
        label=_("Also accepts"),
        queryset=DocumentType.objects.all(),
        required=False,
        help_text=_("Other types that satisfy this item without a reason (hold Ctrl to pick)."),
    )
    position = forms.IntegerField(
        label=_("Position in the checklist"), min_value=0, max_value=32767
    )
