"""Opening a case: one intake page for the person, the case and (optionally) the contact,
where the person is, the first statement and documents, saved in one submission."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from accounts.http import AuthenticatedHttpRequest
from accounts.models import Membership
from casework import services
from casework.forms.intake import DOCUMENT_SLOTS, IntakeForm
from casework.uploads import too_large_message
from casework.web import org_view

CASE_CREATED = _("The case has been opened.")
CASE_FIELDS = (
    "pseudonym",
    "legal_name",
    "date_of_birth",
    "intake_channel",
    "legal_category",
    "service_category",
    "risk_level",
    "country",
)
# Where a part's refusal shows on the page (casework.services.case_intake's keys).
PART_FIELDS = {"case": None, "contact": "phones", "location": "region", "statement": "statement"}


def _documents(data: dict[str, Any]) -> tuple[list, list[int]]:
    """The documents given (IntakeDocument) and the slot of each, in slot order."""
    documents, slots = [], []
    for slot in range(1, DOCUMENT_SLOTS + 1):
        upload = data.get(f"file_{slot}")
        if upload:
            documents.append(
                services.IntakeDocument(
                    document_type=data[f"document_type_{slot}"],
                    data=upload.read(),
                    original_name=upload.name or "",
                )
            )
            slots.append(slot)
    return documents, slots


def _intake(request: AuthenticatedHttpRequest, membership: Membership, data: dict[str, Any]):
    """Calls the service with the form's data; returns the case, or the ValidationError
    with its messages keyed by form field."""
    documents, slots = _documents(data)
    location = None
    if data["country"] is not None:
        location = services.IntakeLocation(
            country=data["country"],
            legal_basis=data["legal_basis"],
            region=data["region"],
            entered_on=data["entered_on"],
            stay_expires=data["stay_expires"],
        )
    statement = None
    if data["statement"].strip():
        statement = services.IntakeStatement(
            text=data["statement"],
            language=data["statement_language"] or "ru",
            consent_dossier=data["consent_dossier"],
        )
    try:
        return services.case_intake(
            organisation=membership.organisation,
            by=request.user,
            case={name: data[name] for name in CASE_FIELDS},
            phones=data["phones"],
            contact_handles=data["contact_handles"],
            location=location,
            statement=statement,
            documents=documents,
        )
    except ValidationError as error:
        fields = {**PART_FIELDS, **{f"document_{i}": f"file_{s}" for i, s in enumerate(slots, 1)}}
        return {fields.get(part): texts for part, texts in error.message_dict.items()}


@require_http_methods(["GET", "HEAD", "POST"])
@org_view
def case_create(request: AuthenticatedHttpRequest, *, membership: Membership) -> HttpResponse:
    form = IntakeForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        too_large = [f for f in getattr(request, "uploads_too_large", ()) if f.startswith("file_")]
        valid = form.is_valid()
        for name in too_large:
            # The handler dropped the file; say why rather than nothing.
            form.add_error(name, too_large_message())
        if valid and not too_large:
            result = _intake(request, membership, form.cleaned_data)
            if not isinstance(result, dict):
                messages.success(request, CASE_CREATED)
                return redirect(result)
            for field, texts in result.items():
                for text in texts:
                    form.add_error(field, text)
    return render(request, "casework/intake.html", {"form": form})
