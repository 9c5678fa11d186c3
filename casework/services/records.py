"""Statements (versioned, screened), notes, and the record of what was read."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from audit.services import record
from casework.guards import lock_case, require_section, seal
from casework.models import Case, Note, Screening, Testimony, this_month
from casework.sections import Section
from casework.selectors import access_basis

ERR_EMPTY_TEXT = _("Write the text first.")


@transaction.atomic
def testimony_add(
    *, case: Case, by: User, language: str, text: str, consent_dossier: bool
) -> Testimony:
    """A new statement (version 1)."""
    require_section(by=by, case=case, section=Section.TESTIMONY)
    if not text.strip():
        raise ValidationError(ERR_EMPTY_TEXT)
    lock_case(case)
    number = (case.testimonies.aggregate(n=Max("number"))["n"] or 0) + 1
    testimony = Testimony(
        case=case,
        number=number,
        version=1,
        recorded_by=by,
        language=language,
        consent_dossier=consent_dossier,
    )
    testimony.full_clean(exclude=["case", "text", "recorded_by", "screened_by"])
    seal(case, testimony, {"text": text.strip()})
    testimony.save()
    record("testimony.added", actor=by, obj=case, org=case.organisation_id, version=1, count=number)
    return testimony


@transaction.atomic
def testimony_revise(
    *, testimony: Testimony, by: User, language: str, text: str, consent_dossier: bool
) -> Testimony:
    """Adds the next version of the statement; earlier versions stay as they were. A new
    version needs screening again."""
    case = testimony.case
    require_section(by=by, case=case, section=Section.TESTIMONY)
    if not text.strip():
        raise ValidationError(ERR_EMPTY_TEXT)
    lock_case(case)
    version = (
        case.testimonies.filter(number=testimony.number).aggregate(v=Max("version"))["v"] or 0
    ) + 1
    revised = Testimony(
        case=case,
        number=testimony.number,
        version=version,
        recorded_by=by,
        language=language,
        consent_dossier=consent_dossier,
    )
    revised.full_clean(exclude=["case", "text", "recorded_by", "screened_by"])
    seal(case, revised, {"text": text.strip()})
    revised.save()
    record(
        "testimony.revised",
        actor=by,
        obj=case,
        org=case.organisation_id,
        version=version,
        count=testimony.number,
    )
    return revised


@transaction.atomic
def testimony_screen(*, testimony: Testimony, by: User, screening: str) -> Testimony:
    """Records the war-crimes screening of this version, by whom and in which month."""
    case = testimony.case
    require_section(by=by, case=case, section=Section.TESTIMONY)
    if screening not in Screening.values:
        raise ValidationError(_("Choose one of the listed screening results."))
    lock_case(case)
    testimony = Testimony.objects.get(pk=testimony.pk)
    testimony.screening = screening
    testimony.screened_by = by if screening != Screening.NOT_SCREENED else None
    testimony.screened_month = this_month() if screening != Screening.NOT_SCREENED else None
    testimony.save(update_fields=["screening", "screened_by", "screened_month"])
    record(
        "testimony.screened",
        actor=by,
        obj=case,
        org=case.organisation_id,
        status=screening,
        version=testimony.version,
    )
    return testimony


@transaction.atomic
def note_add(*, case: Case, by: User, text: str) -> Note:
    require_section(by=by, case=case, section=Section.NOTES)
    if not text.strip():
        raise ValidationError(ERR_EMPTY_TEXT)
    lock_case(case)
    seq = (case.notes.aggregate(n=Max("seq"))["n"] or 0) + 1
    note = Note(case=case, author=by, seq=seq)
    seal(case, note, {"text": text.strip()})
    note.save()
    record("note.added", actor=by, obj=case, org=case.organisation_id, section=Section.NOTES)
    return note


def case_viewed(*, case: Case, by: User, sections: Iterable[str]) -> None:
    """One case.viewed event for one visit of a case page: the sections it opened and how
    the reader came to the case (assignment, an admin's assignment, break-glass, referral).
    Recorded on its own, outside any write: a read holds no lock."""
    record(
        "case.viewed",
        actor=by,
        obj=case,
        org=case.organisation_id,
        sections=sorted(set(sections)),
        access=access_basis(user=by, case=case),
    )


def section_viewed(*, case: Case, by: User, sections: Iterable[str]) -> None:
    """For a page that shows sealed content besides the case page (an edit form, a
    dossier): one case.viewed event when it opened any section, none otherwise."""
    opened = list(sections)
    if opened:
        case_viewed(case=case, by=by, sections=opened)
