"""A case page's opened panels (casework.selectors.case_panels) as the API's section
objects (api.serializers). Plain reshaping: the opening, refusing and erasing happened in the
selector, under the request's key scope."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from casework.models import Case
from casework.sections import Section


def _identity(case: Case, content: dict) -> dict:
    return {"pseudonym": case.person.pseudonym, **content}


def _contact(case: Case, content: dict) -> dict:
    return content


def _location(case: Case, content: dict) -> dict:
    location = content.get("location")
    values = {key: content.get(key) for key in ("entered_on", "region", "risk_region")}
    values.update(stay_expires=content.get("stay_expires"), route_notes=content.get("route_notes"))
    return {
        "country": location.country_id if location is not None else None,
        "legal_basis": location.legal_basis if location is not None else None,
        **values,
    }


def _legal(case: Case, content: dict) -> dict:
    exposures = []
    for entry in content["exposures"]:
        row = entry["row"]
        exposures.append(
            {
                "id": row.pk,
                "article": row.article,
                "article_now": str(entry["article_now"]),
                "during_mobilisation": row.during_mobilisation,
                "procedural_stage": row.procedural_stage,
                "wanted_level": row.wanted_level,
                "exit_ban": row.exit_ban,
                "passport_confiscated": row.passport_confiscated,
                "absence_start": entry.get("absence_start"),
                "esummons_placed_on": entry.get("esummons_placed_on"),
                "details": entry.get("details"),
            }
        )
    return {"exposures": exposures}


def _version(entry: dict) -> dict:
    row = entry["row"]
    return {
        "id": row.pk,
        "version": row.version,
        "language": row.language,
        "consent_dossier": row.consent_dossier,
        "recorded_month": row.recorded_month,
        "text": entry.get("text"),
    }


def _testimony(case: Case, content: dict) -> dict:
    return {
        "statements": [
            {
                "number": statement["number"],
                "versions": [_version(statement["current"])]
                + [_version(e) for e in statement["earlier"]],
            }
            for statement in content["statements"]
        ]
    }


def _documents(case: Case, content: dict) -> dict:
    return {
        "documents": [
            {
                "id": entry["row"].pk,
                "document_type": entry["row"].document_type.code,
                "content_type": entry["row"].content_type,
                "size": entry["row"].size,
                "uploaded_month": entry["row"].uploaded_month,
                "original_name": entry.get("original_name"),
                "description": entry.get("description"),
            }
            for entry in content["documents"]
        ]
    }


def _notes(case: Case, content: dict) -> dict:
    return {
        "notes": [
            {
                "id": entry["row"].pk,
                "written_month": entry["row"].written_month,
                "text": entry.get("text"),
            }
            for entry in content["notes"]
        ]
    }


SHAPES: dict[str, Callable[[Case, dict], dict]] = {
    Section.IDENTITY: _identity,
    Section.CONTACT: _contact,
    Section.LOCATION: _location,
    Section.LEGAL: _legal,
    Section.TESTIMONY: _testimony,
    Section.DOCUMENTS: _documents,
    Section.NOTES: _notes,
}


def section_content(case: Case, section: str, panel: dict[str, Any]) -> dict[str, Any]:
    return SHAPES[section](case, panel["content"])
