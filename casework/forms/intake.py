"""The intake form: a new case with, optionally, its contact, where the person is, the first
statement and documents, in one submission (casework.services.case_intake)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from casework import limits
from casework.forms.cases import CaseCreateForm
from casework.forms.fields import DateInput, LinesField, PastDateField, text_field
from casework.models import DocumentType, Language, LegalBasis

# How many documents the intake takes; more are added on the case page.
DOCUMENT_SLOTS = 3

ERR_DOCUMENT_WITHOUT_TYPE = _("Choose the type of this document.")
ERR_LOCATION_WITHOUT_COUNTRY = _("Choose the country the person is in to record these details.")
ERR_CONSENT_WITHOUT_STATEMENT = _("Write the statement the consent is for.")

LOCATION_DETAILS = ("region", "legal_basis", "entered_on", "stay_expires")


class IntakeForm(CaseCreateForm):
    """CaseCreateForm's fields (the person and the case), then the optional sections. The
    template renders them in fieldsets by SECTIONS."""

    phones = LinesField(
        label=_("Phone numbers"), help_text=_("With country code, one per line: +7 916 …")
    )
    contact_handles = LinesField(
        label=_("Messengers and other contacts"),
        help_text=_("One per line, e.g. “Signal: …” or “Telegram: @…”."),
    )
    region = forms.CharField(
        label=_("Region"),
        max_length=limits.NAME,
        required=False,
        help_text=_("Coarse only: a region or province, never an address."),
    )
    legal_basis = forms.ChoiceField(
        label=_("Legal basis of stay"), choices=[("", "—"), *LegalBasis.choices], required=False
    )
    entered_on = PastDateField(
        label=_("Entered this country on"),
        required=False,
        help_text=_("The stay limit counts from this day."),
    )
    stay_expires = forms.DateField(label=_("Stay expires on"), required=False, widget=DateInput)
    statement_language = forms.ChoiceField(
        label=_("Language of the statement"), choices=Language.choices, required=False
    )
    statement = text_field(_("First statement"), limits.STATEMENT, rows=8)
    consent_dossier = forms.BooleanField(
        label=_("The person consents to this statement being used in a dossier"),
        required=False,
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The keyboard starts on the first field; Tab walks the parts in order, Enter saves.
        self.fields["pseudonym"].widget.attrs["autofocus"] = True
        types = DocumentType.objects.filter(is_active=True)
        for slot in range(1, DOCUMENT_SLOTS + 1):
            self.fields[f"document_type_{slot}"] = forms.ModelChoiceField(
                label=_("Type of document %(number)s") % {"number": slot},
                queryset=types,
                required=False,
            )
            self.fields[f"file_{slot}"] = forms.FileField(
                label=_("Document %(number)s") % {"number": slot},
                required=False,
                help_text=_("JPEG, PNG or WebP images and PDF documents."),
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("country") is None and any(data.get(f) for f in LOCATION_DETAILS):
            self.add_error("country", ERR_LOCATION_WITHOUT_COUNTRY)
        if data.get("consent_dossier") and not (data.get("statement") or "").strip():
            self.add_error("statement", ERR_CONSENT_WITHOUT_STATEMENT)
        for slot in range(1, DOCUMENT_SLOTS + 1):
            if data.get(f"file_{slot}") and data.get(f"document_type_{slot}") is None:
                self.add_error(f"document_type_{slot}", ERR_DOCUMENT_WITHOUT_TYPE)
        return data

    def focus_order(self) -> list[str]:
        return [field.name for _key, _legend, fields in self.sections() for field in fields]

    def sections(self) -> list[tuple[str, Any, list]]:
        """(id, legend, bound fields) of each fieldset, in order."""
        names = {
            "person": [
                "pseudonym",
                "legal_name",
                "date_of_birth",
                "intake_channel",
                "legal_category",
                "service_category",
                "risk_level",
            ],
            "contact": ["phones", "contact_handles"],
            "location": ["country", *LOCATION_DETAILS],
            "statement": ["statement", "statement_language", "consent_dossier"],
            "documents": [
                f"{kind}_{slot}"
                for slot in range(1, DOCUMENT_SLOTS + 1)
                for kind in ("document_type", "file")
            ],
        }
        legends = {
            "person": _("Person and case"),
            "contact": _("Contact (optional)"),
            "location": _("Where the person is (optional)"),
            "statement": _("First statement (optional)"),
            "documents": _("Documents (optional)"),
        }
        return [(key, legends[key], [self[n] for n in fields]) for key, fields in names.items()]
