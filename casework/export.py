"""The person's complete file as a JSON-ready dict (subject-access requests).

Shredded sections are named as such; nothing is silently left out. Each section's sealed
fields come from its models (casework.fields.sealed_field_names), so a new sealed field is
exported without a change here.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import date
from typing import Any

from django.db import models

from casework import envelope
from casework.models import Case
from casework.sections import Section

FORMAT = "waypoint-case-export-1"


def _month(value) -> str | None:
    return value.strftime("%Y-%m") if value else None


def _date(value) -> str | None:
    return value.isoformat() if value else None


def _user(user) -> str | None:
    return (user.display_name or user.email) if user else None


def _sealed(case: Case, obj: models.Model, section: str) -> dict[str, Any]:
    """The row's sealed fields of that section, dates as ISO text."""
    values = case.envelope.open_section(obj, section)
    return {name: _date(v) if isinstance(v, date) else v for name, v in values.items()}


def _shell(case: Case) -> dict[str, Any]:
    location = getattr(case, "location", None)
    return {
        "status": case.status,
        "risk_level": case.risk_level,
        "intake_channel": case.intake_channel,
        "legal_category": case.legal_category,
        "service_category": case.service_category,
        "opened": _month(case.opened_month),
        "closed": _month(case.closed_month),
        "verified_by": _user(case.verified_by),
        "verified": _month(case.verified_month),
        "assigned_caseworkers": [_user(u) for u in case.assigned_caseworkers.all()],
        "status_history": [
            {
                "month": _month(c.changed_month),
                "from": c.from_status or None,
                "to": c.to_status,
                "by": _user(c.changed_by),
            }
            for c in case.status_changes.select_related("changed_by")
        ],
        "country": location.country_id if location else None,
    }


def _person(case: Case, section: str, include_files: bool) -> dict[str, Any]:
    return _sealed(case, case.person, section)


def _location(case: Case, section: str, include_files: bool) -> dict[str, Any] | None:
    location = getattr(case, "location", None)
    if location is None:
        return None
    return {
        "country": location.country_id,
        "legal_basis": location.legal_basis,
        "since": _month(location.since_month),
        **_sealed(case, location, section),
    }


def _legal(case: Case, section: str, include_files: bool) -> list[dict[str, Any]]:
    return [
        {
            "article": e.article,
            "during_mobilisation": e.during_mobilisation,
            "computed_part": e.computed_part or None,
            "procedural_stage": e.procedural_stage,
            "wanted_level": e.wanted_level,
            "exit_ban": e.exit_ban,
            "passport_confiscated": e.passport_confiscated,
            **_sealed(case, e, section),
        }
        for e in case.exposures.all()
    ]


def _testimony(case: Case, section: str, include_files: bool) -> list[dict[str, Any]]:
    rows = case.testimonies.select_related("recorded_by", "screened_by")
    return [
        {
            "statement": t.number,
            "version": t.version,
            "recorded": _month(t.recorded_month),
            "recorded_by": _user(t.recorded_by),
            "language": t.language,
            "consent_to_use_in_dossier": t.consent_dossier,
            "screening": t.screening,
            "screened_by": _user(t.screened_by),
            "screened": _month(t.screened_month),
            **_sealed(case, t, section),
        }
        for t in rows.order_by("number", "version")
    ]


def _documents(case: Case, section: str, include_files: bool) -> list[dict[str, Any]]:
    items = []
    for d in case.documents.select_related("document_type").order_by("seq"):
        item = {
            "type": d.document_type.code,
            "uploaded": _month(d.uploaded_month),
            "content_type": d.content_type,
            "size": d.size,
            **_sealed(case, d, section),
        }
        if include_files:
            data = envelope.read_document_file(case_id=case.pk, document=d)
            item["content_base64"] = base64.b64encode(data).decode("ascii")
        items.append(item)
    return items


def _notes(case: Case, section: str, include_files: bool) -> list[dict[str, Any]]:
    return [
        {
            "written": _month(n.written_month),
            "author": _user(n.author),
            **_sealed(case, n, section),
        }
        for n in case.notes.select_related("author").order_by("seq")
    ]


SECTION_EXPORT: dict[str, Callable[[Case, str, bool], Any]] = {
    Section.IDENTITY: _person,
    Section.CONTACT: _person,
    Section.LOCATION: _location,
    Section.LEGAL: _legal,
    Section.TESTIMONY: _testimony,
    Section.DOCUMENTS: _documents,
    Section.NOTES: _notes,
}


def case_export_data(*, case: Case, include_files: bool = True) -> dict[str, Any]:
    """Everything Waypoint holds about the case, decrypted. Raises SealedDataUnreadable if
    a sealed value fails to open (never exports half-read data silently)."""
    with envelope.key_scope():
        gone = envelope.shredded_sections(case_id=case.pk)
        out: dict[str, Any] = {
            "format": FORMAT,
            "reference": case.reference,
            "organisation": case.organisation.name,
            "case": _shell(case),
            "pseudonym": case.person.pseudonym,
            "shredded_sections": sorted(gone),
        }
        for section, build in SECTION_EXPORT.items():
            out[section] = (
                {"shredded": True} if section in gone else build(case, section, include_files)
            )
    return out
