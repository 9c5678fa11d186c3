"""A new intake in one submission: the case and the person, then (each optional) the
contact, where the person is, the first statement and documents. All or nothing: the
services it composes run in one transaction with their audit events deferred to the end
(lock order: every service takes the case lock before writing; the chain lock comes last)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import Organisation, User
from audit.services import deferred
from casework.models import Case, Country, Document, DocumentType
from casework.services.cases import case_create
from casework.services.documents import document_upload
from casework.services.people import location_update, person_update_contact
from casework.services.records import testimony_add

T = TypeVar("T")


@dataclass(frozen=True)
class IntakeLocation:
    country: Country
    legal_basis: str = ""
    region: str = ""
    entered_on: date | None = None
    stay_expires: date | None = None


@dataclass(frozen=True)
class IntakeStatement:
    text: str
    language: str
    consent_dossier: bool = False


@dataclass(frozen=True)
class IntakeDocument:
    document_type: DocumentType
    data: bytes
    original_name: str


def _part(key: str, call: Callable[[], T]) -> T:
    """Runs one part; its ValidationError comes out keyed by the part ("contact",
    "location", "statement", "document_2"…) so the page puts the message where it belongs."""
    try:
        return call()
    except ValidationError as error:
        raise ValidationError({key: error.messages}) from None


def _fill(
    case: Case,
    by: User,
    *,
    phones: list[str],
    contact_handles: list[str],
    location: IntakeLocation | None,
    statement: IntakeStatement | None,
) -> None:
    if phones or contact_handles:
        _part(
            "contact",
            lambda: person_update_contact(
                case=case, by=by, phones=phones, contact_handles=contact_handles
            ),
        )
    if location is not None and (
        location.legal_basis or location.region or location.entered_on or location.stay_expires
    ):
        _part(
            "location",
            lambda: location_update(case=case, by=by, route_notes="", **vars(location)),
        )
    if statement is not None:
        _part(
            "statement",
            lambda: testimony_add(
                case=case,
                by=by,
                language=statement.language,
                text=statement.text,
                consent_dossier=statement.consent_dossier,
            ),
        )


def _upload(case: Case, by: User, given: IntakeDocument) -> Document:
    return document_upload(
        case=case,
        by=by,
        document_type=given.document_type,
        data=given.data,
        original_name=given.original_name,
    )


def case_intake(
    *,
    organisation: Organisation,
    by: User,
    case: dict[str, Any],
    phones: Sequence[str] = (),
    contact_handles: Sequence[str] = (),
    location: IntakeLocation | None = None,
    statement: IntakeStatement | None = None,
    documents: Sequence[IntakeDocument] = (),
) -> Case:
    """Opens the case (``case``: case_create's fields, the country included) and records
    what else was given. Bad input anywhere raises ValidationError keyed by the part ("case",
    "contact", "location", "statement", "document_<n>" counted from 1) and leaves nothing: no
    row, no audit event, no document (documents are stored in the same transaction)."""
    with transaction.atomic(), deferred():
        opened = _part("case", lambda: case_create(organisation=organisation, by=by, **case))
        _fill(
            opened,
            by,
            phones=list(phones),
            contact_handles=list(contact_handles),
            location=location,
            statement=statement,
        )
        for number, given in enumerate(documents, start=1):
            _part(f"document_{number}", partial(_upload, opened, by, given))
    return opened
