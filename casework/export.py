"""The person's complete file as a JSON-ready dict (subject-access requests).

Shredded sections are named as such; nothing is silently left out.
"""

from __future__ import annotations

import base64
from datetime import date
from typing import Any

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


def _sealed(opener, obj, section: str) -> dict[str, Any]:
    """The row's sealed fields of that section (casework.fields.sealed_field_names), dates as
    ISO text."""
    values = opener.open_section(obj, section)
    return {name: _date(v) if isinstance(v, date) else v for name, v in values.items()}


def case_export_data(*, case: Case, include_files: bool = True) -> dict[str, Any]:
    """Everything Waypoint holds about the case, decrypted. Raises SealedDataUnreadable if
    a sealed value fails to open (never exports half-read data silently)."""
    with envelope.key_scope():
        opener = case.envelope
        gone = envelope.shredded_sections(case_id=case.pk)
        person = case.person
        location = getattr(case, "location", None)
        out: dict[str, Any] = {
            "format": FORMAT,
            "reference": case.reference,
            "organisation": case.organisation.name,
            "case": {
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
            },
            "pseudonym": person.pseudonym,
            "shredded_sections": sorted(gone),
        }

        def section(name: str, build) -> None:
            out[name] = {"shredded": True} if name in gone else build()

        section(Section.IDENTITY, lambda: _sealed(opener, person, Section.IDENTITY))
        section(Section.CONTACT, lambda: _sealed(opener, person, Section.CONTACT))
        section(
            Section.LOCATION,
            lambda: (
                None
                if location is None
                else {
                    "country": location.country_id,
                    "legal_basis": location.legal_basis,
                    "since": _month(location.since_month),
                    **_sealed(opener, location, Section.LOCATION),
                }
            ),
        )
        section(
            Section.LEGAL,
            lambda: [
                {
                    "article": e.article,
                    "during_mobilisation": e.during_mobilisation,
                    "computed_part": e.computed_part or None,
                    "procedural_stage": e.procedural_stage,
                    "wanted_level": e.wanted_level,
                    "exit_ban": e.exit_ban,
                    "passport_confiscated": e.passport_confiscated,
                    **_sealed(opener, e, Section.LEGAL),
                }
                for e in case.exposures.all()
            ],
        )
        section(
            Section.TESTIMONY,
            lambda: [
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
                    **_sealed(opener, t, Section.TESTIMONY),
                }
                for t in case.testimonies.select_related("recorded_by", "screened_by").order_by(
                    "number", "version"
                )
            ],
        )

        def documents() -> list[dict[str, Any]]:
            items = []
            for d in case.documents.select_related("document_type").order_by("seq"):
                item = {
                    "type": d.document_type.code,
                    "uploaded": _month(d.uploaded_month),
                    "content_type": d.content_type,
                    "size": d.size,
                    **_sealed(opener, d, Section.DOCUMENTS),
                }
                if include_files:
                    data = envelope.read_document_file(case_id=case.pk, document=d)
                    item["content_base64"] = base64.b64encode(data).decode("ascii")
                items.append(item)
            return items

        section(Section.DOCUMENTS, documents)
        section(
            Section.NOTES,
            lambda: [
                {
                    "written": _month(n.written_month),
                    "author": _user(n.author),
                    **_sealed(opener, n, Section.NOTES),
                }
                for n in case.notes.select_related("author").order_by("seq")
            ],
        )
    return out
