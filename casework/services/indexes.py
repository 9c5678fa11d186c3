"""Blind index rows of a person: rebuilt from the sealed values whenever they change."""

from __future__ import annotations

from datetime import date
from typing import Any

from casework.envelope import IndexKind, blind_index
from casework.models import Person, PersonIndex
from casework.sections import Section

# Which blind indexes derive from which section (shredding a section drops its indexes).
INDEX_SECTION = {
    IndexKind.NAME: Section.IDENTITY,
    IndexKind.BIRTH_DATE: Section.IDENTITY,
    IndexKind.PASSPORT: Section.IDENTITY,
    IndexKind.PHONE: Section.CONTACT,
}


def reindex(person: Person, organisation_id: Any, kinds: dict[str, list[Any]]) -> None:
    """Replaces the person's index entries of the given kinds."""
    PersonIndex.objects.filter(person=person, kind__in=list(kinds)).delete()
    rows, seen = [], set()
    for kind, values in kinds.items():
        for value in values:
            digest = blind_index(organisation_id=organisation_id, kind=kind, value=value)
            if digest is not None and (kind, digest) not in seen:
                seen.add((kind, digest))
                rows.append(
                    PersonIndex(
                        organisation_id=organisation_id, person=person, kind=kind, digest=digest
                    )
                )
    PersonIndex.objects.bulk_create(rows)


def identity_index(legal_name: str, aliases: list[str], dob: date | None, passports: list[str]):
    return {
        IndexKind.NAME: [legal_name, *aliases],
        IndexKind.BIRTH_DATE: [dob] if dob else [],
        IndexKind.PASSPORT: passports,
    }
