"""Crypto-shredding: a section's data key destroyed, with what derives from it."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from audit.services import record
from casework.envelope import erase_document_content, shred_section
from casework.guards import lock_case
from casework.models import Case, PersonIndex
from casework.sections import SECTIONS, Section
from casework.services.indexes import INDEX_SECTION


@transaction.atomic
def case_shred(*, case: Case, by: User | None, sections: Iterable[str] | None = None) -> list[str]:
    """Destroys the data keys of ``sections`` (all when None): their content is unreadable
    everywhere from now on. Blind indexes derived from them and the encrypted documents go
    too. The case shell and its statistics fields stay. Returns the sections shredded now."""
    chosen = list(SECTIONS if sections is None else sections)
    unknown = [s for s in chosen if s not in SECTIONS]
    if unknown:
        raise ValidationError(_("Unknown section."))
    lock_case(case)
    done = [s for s in chosen if shred_section(case_id=case.pk, section=s)]
    kinds = [kind for kind, section in INDEX_SECTION.items() if section in done]
    if kinds:
        PersonIndex.objects.filter(person__case=case, kind__in=kinds).delete()
    if Section.DOCUMENTS in done:
        erase_document_content(case_id=case.pk)
    record("case.shredded", actor=by, obj=case, org=case.organisation_id, sections=sorted(done))
    return done
