"""What a reader sees of a case's sections: each one opened, refused with its reason, or
erased. The fields each section shows come from the models' sealed fields
(casework.fields.sealed_field_names), so a sealed field is added in one place: its model.

Nothing here records the reading: the caller writes one audit event for the sections it was
given (casework.services.section_viewed), after the page is built.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.db import models
from django.utils import timezone

from accounts.models import User
from casework.envelope import load_case_keys
from casework.envelope.epochs import erasure_statement
from casework.legal import (
    ABSENCE_ARTICLES,
    absence_history,
    absence_part,
    current_article,
    esummons_deemed_served,
)
from casework.models import Article, Case, Region, Screening
from casework.sections import Section
from casework.selectors.access import section_refusals


def row_values(case: Case, obj: models.Model, section: str) -> dict[str, Any]:
    """The opened values of every field of ``obj`` that ``section`` seals (for an edit form's
    first values). Raises what the envelope raises (KeyRefused, SectionShredded, …)."""
    return case.envelope.open_section(obj, section)


def _person(case: Case, section: str) -> dict[str, Any]:
    return row_values(case, case.person, section)


def _location(case: Case, section: str) -> dict[str, Any]:
    location = getattr(case, "location", None)
    content: dict[str, Any] = {"location": location}
    if location is not None:
        content.update(row_values(case, location, section))
        code = content.get("risk_region")
        # The region of higher risk the person is in (None: none recorded).
        content["region_of_risk"] = (
            Region.objects.select_related("country").filter(code=code).first() if code else None
        )
    return content


def _legal(case: Case, section: str) -> dict[str, Any]:
    today = timezone.now().date()
    exposures = []
    for exposure in case.exposures.all():
        values = row_values(case, exposure, section)
        start, mobilised = values["absence_start"], exposure.during_mobilisation
        live = absence_part(absence_start=start, today=today, mobilisation=mobilised)
        now = current_article(article=exposure.article, part=live)
        exposures.append(
            {
                "row": exposure,
                "live_part": live,
                # The article and part as the days absent have made it, and when each part
                # began (the recorded article is shown as such when it differs).
                "article_now": Article(now).label,
                "recorded_differs": now != exposure.article,
                "parts": [
                    (Article(part).label, began)
                    for part, began in absence_history(
                        absence_start=start, today=today, mobilisation=mobilised
                    )
                ]
                if exposure.article in ABSENCE_ARTICLES
                else [],
                "esummons_served_on": esummons_deemed_served(values["esummons_placed_on"]),
                **values,
            }
        )
    return {"exposures": exposures}


def _statements(entries: list[dict]) -> list[dict]:
    """Statements with their versions, newest version first (entries: {"row", "text"})."""
    grouped: dict[int, list[dict]] = {}
    for entry in entries:
        grouped.setdefault(entry["row"].number, []).append(entry)
    return [
        {"number": number, "current": versions[0], "earlier": versions[1:]}
        for number, versions in sorted(grouped.items())
    ]


def _testimony(case: Case, section: str) -> dict[str, Any]:
    rows = case.testimonies.select_related("recorded_by", "screened_by")
    entries = [{"row": t, **row_values(case, t, section)} for t in rows]
    return {"statements": _statements(entries), "screening_choices": Screening.choices}


def _documents(case: Case, section: str) -> dict[str, Any]:
    rows = case.documents.select_related("document_type")
    return {"documents": [{"row": d, **row_values(case, d, section)} for d in rows]}


def _notes(case: Case, section: str) -> dict[str, Any]:
    rows = case.notes.select_related("author")
    return {"notes": [{"row": n, **row_values(case, n, section)} for n in rows]}


# How each section's content is gathered for the case page.
CONTENT: dict[str, Callable[[Case, str], dict[str, Any]]] = {
    Section.IDENTITY: _person,
    Section.CONTACT: _person,
    Section.LOCATION: _location,
    Section.LEGAL: _legal,
    Section.TESTIMONY: _testimony,
    Section.DOCUMENTS: _documents,
    Section.NOTES: _notes,
}


def case_panels(
    *, user: User, case: Case, sections: Iterable[str], assigned: bool
) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """Per section either ``{"content": …}``, ``{"refused": message}`` or
    ``{"shredded": True, "erased": what is true here and in older copies}``, and the
    sections that were opened (for the audit event). Call inside the page's key scope. Up to
    four access queries (none when the case's row answered them: selectors.case_for), one
    for the keys and erased sections, and a query per section's rows."""
    sections = list(sections)
    refusals = section_refusals(user=user, case=case, sections=sections, assigned=assigned)
    openable = [s for s in sections if refusals[s] is None]
    # Every key the page opens, unwrapped from one query rather than one per section, which
    # also says which sections were erased (told only to those who may open them).
    gone = load_case_keys(case=case, sections=openable) if openable else {}
    panels: dict[str, dict[str, Any]] = {}
    opened: list[str] = []
    for section in sections:
        refusal = refusals[section]
        if refusal is not None:
            panels[section] = {"refused": refusal}
        elif section in gone:
            panels[section] = {"shredded": True, "erased": erasure_statement(gone[section])}
        else:
            panels[section] = {"content": CONTENT[section](case, section)}
            opened.append(section)
    return panels, opened
