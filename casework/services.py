"""Writes to case files. Keyword-only, typed, each in one transaction with its audit event.

Every service that touches a section's content checks that ``by`` may open that section
(selectors.section_refusal) and raises PermissionDenied otherwise: views check first, this
is the second lock on the door. Bad input raises ValidationError with one of the message
constants below and writes nothing.
"""

from __future__ import annotations

import re
from calendar import monthrange
from datetime import date
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation, User
from audit.services import record
from casework import crypto
from casework.crypto import IndexKind, SectionShredded
from casework.models import (
    Article,
    Case,
    CaseCounter,
    CaseNumbering,
    CaseStatusChange,
    Country,
    Document,
    DocumentType,
    LegalExposure,
    Location,
    Note,
    Person,
    PersonIndex,
    Screening,
    Status,
    Testimony,
    this_month,
)
from casework.sections import SECTIONS, Section
from casework.selectors import caseworkers_of, is_assigned_caseworker, section_refusal
from casework.signals import case_dates_changed
from casework.uploads import UploadRefused, clean_upload

if TYPE_CHECKING:
    from collections.abc import Iterable

ERR_PSEUDONYM = _("Give the person a pseudonym: it is what everyone sees in lists.")
ERR_NOT_CASEWORKER = _("Only caseworkers of this organisation can open a case.")
ERR_SHREDDED = _("This section was erased for good: nothing can be added to it.")
ERR_UNKNOWN_CASEWORKER = _("Choose caseworkers of this organisation.")
ERR_NO_CASEWORKER = _("A case needs at least one assigned caseworker.")
ERR_SAME_STATUS = _("The case already has this status.")
ERR_ALREADY_VERIFIED = _("This person has already been verified.")
ERR_DOCUMENT_TYPE = _("Choose a document type.")
ERR_EMPTY_TEXT = _("Write the text first.")
ERR_FUTURE_DATE = _("This date lies in the future.")

# Which blind indexes derive from which section (shredding a section drops its indexes).
INDEX_SECTION = {
    IndexKind.NAME: Section.IDENTITY,
    IndexKind.BIRTH_DATE: Section.IDENTITY,
    IndexKind.PASSPORT: Section.IDENTITY,
    IndexKind.PHONE: Section.CONTACT,
}


def _require_assigned(*, by: User, case: Case) -> None:
    if not is_assigned_caseworker(user=by, case=case):
        raise PermissionDenied


def _require_section(*, by: User, case: Case, section: str, write: bool = True) -> None:
    if section_refusal(user=by, case=case, section=section, write=write) is not None:
        raise PermissionDenied


def _seal(case: Case, obj: Any, values: dict[str, Any]) -> None:
    try:
        case.envelope.seal_many(obj, values)
    except SectionShredded:
        raise ValidationError(ERR_SHREDDED) from None


def _refresh_deadlines(*, case: Case, by: User) -> None:
    # Computed deadlines (art. 337 thresholds, stay limits) follow their source dates: the
    # deadlines app, which builds on casework, listens.
    case_dates_changed.send(sender=Case, case=case, by=by)


def _clean_lines(values: Iterable[str]) -> list[str]:
    return [v.strip() for v in values if v and v.strip()]


# --- References -----------------------------------------------------------------------------


def _prefix_candidates(organisation: Organisation) -> list[str]:
    words = [w for w in re.split(r"[^A-Za-z0-9]+", organisation.slug.upper()) if w]
    if not words:
        words = ["C"]
    initials = "".join(w[0] for w in words)[:4]
    first = initials if len(initials) >= 2 else words[0][:2]
    longer = words[0][:3] if len(words) == 1 else initials + words[-1][1:2]
    return [first, longer] + [f"{first}{n}" for n in range(2, 100)]


def _prefix(organisation: Organisation) -> str:
    existing = CaseNumbering.objects.filter(organisation=organisation).first()
    if existing:
        return existing.prefix
    for candidate in _prefix_candidates(organisation):
        if CaseNumbering.objects.filter(prefix=candidate).exists():
            continue
        try:
            with transaction.atomic():
                return CaseNumbering.objects.create(
                    organisation=organisation, prefix=candidate
                ).prefix
        except IntegrityError:
            # Another request numbered this organisation, or took the prefix, just now.
            existing = CaseNumbering.objects.filter(organisation=organisation).first()
            if existing:
                return existing.prefix
    raise RuntimeError("no free case reference prefix")


def next_reference(*, organisation: Organisation, year: int) -> tuple[str, int]:
    """Claims the next number of the organisation and year. The UPDATE holds the counter row
    until the caller's transaction ends, so concurrent creations get distinct numbers."""
    prefix = _prefix(organisation)
    CaseCounter.objects.get_or_create(organisation=organisation, year=year)
    CaseCounter.objects.filter(organisation=organisation, year=year).update(last=F("last") + 1)
    number = CaseCounter.objects.filter(organisation=organisation, year=year).values_list(
        "last", flat=True
    )[0]
    return f"{prefix}-{year}-{number:04d}", number


# --- Blind indexes --------------------------------------------------------------------------


def _reindex(person: Person, organisation_id: Any, kinds: dict[str, list[Any]]) -> None:
    """Replaces the person's index entries of the given kinds."""
    PersonIndex.objects.filter(person=person, kind__in=list(kinds)).delete()
    rows, seen = [], set()
    for kind, values in kinds.items():
        for value in values:
            digest = crypto.blind_index(organisation_id=organisation_id, kind=kind, value=value)
            if digest is not None and (kind, digest) not in seen:
                seen.add((kind, digest))
                rows.append(
                    PersonIndex(
                        organisation_id=organisation_id, person=person, kind=kind, digest=digest
                    )
                )
    PersonIndex.objects.bulk_create(rows)


def _identity_index(legal_name: str, aliases: list[str], dob: date | None, passports: list[str]):
    return {
        IndexKind.NAME: [legal_name, *aliases],
        IndexKind.BIRTH_DATE: [dob] if dob else [],
        IndexKind.PASSPORT: passports,
    }


# --- The case -------------------------------------------------------------------------------


@transaction.atomic
def case_create(
    *,
    organisation: Organisation,
    by: User,
    pseudonym: str,
    intake_channel: str,
    legal_category: str,
    service_category: str,
    risk_level: str,
    legal_name: str = "",
    date_of_birth: date | None = None,
    country: Country | None = None,
) -> Case:
    """Opens a case: the shell, one data key per section, the person (identity sealed, blind
    indexes), the first status, the creator assigned. Writes case.created."""
    pseudonym = pseudonym.strip()
    if not pseudonym:
        raise ValidationError(ERR_PSEUDONYM)
    if not caseworkers_of(organisation_id=organisation.pk).filter(pk=by.pk).exists():
        raise ValidationError(ERR_NOT_CASEWORKER)
    if date_of_birth and date_of_birth > timezone.now().date():
        raise ValidationError(ERR_FUTURE_DATE)
    year = timezone.now().year
    reference, number = next_reference(organisation=organisation, year=year)
    case = Case.objects.create(
        organisation=organisation,
        reference=reference,
        year=year,
        number=number,
        intake_channel=intake_channel,
        legal_category=legal_category,
        service_category=service_category,
        risk_level=risk_level,
    )
    crypto.create_case_keys(case_id=case.pk)
    person = Person(case=case, pseudonym=pseudonym)
    _seal(
        case,
        person,
        {
            "legal_name": legal_name.strip(),
            "aliases": [],
            "date_of_birth": date_of_birth,
            "citizenships": [],
            "passport_numbers": [],
            "relatives_at_risk": "",
            "phones": [],
            "contact_handles": [],
        },
    )
    person.save()
    _reindex(person, organisation.pk, _identity_index(legal_name, [], date_of_birth, []))
    case.assigned_caseworkers.add(by)
    CaseStatusChange.objects.create(case=case, to_status=case.status, changed_by=by)
    if country is not None:
        location = Location(case=case, country=country)
        _seal(case, location, {"region": "", "stay_expires": None, "route_notes": ""})
        location.save()
    record("case.created", actor=by, obj=case, org=organisation, status=case.status)
    return case


@transaction.atomic
def case_change_status(*, case: Case, by: User, status: str) -> Case:
    """Moves the case to ``status`` (any status, the crisis branch included) and keeps the
    history. Closing sets the closing month; reopening clears it."""
    _require_assigned(by=by, case=case)
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if status not in Status.values:
        raise ValidationError(_("Choose one of the listed statuses."))
    if status == locked.status:
        raise ValidationError(ERR_SAME_STATUS)
    previous = locked.status
    case.status = status
    case.closed_month = this_month() if status == Status.CLOSED else None
    case.save(update_fields=["status", "closed_month"])
    CaseStatusChange.objects.create(
        case=case, from_status=previous, to_status=status, changed_by=by
    )
    record(
        "case.status.changed",
        actor=by,
        obj=case,
        org=case.organisation_id,
        status=status,
        from_status=previous,
    )
    return case


@transaction.atomic
def case_update_shell(*, case: Case, by: User, risk_level: str, **categories: str) -> Case:
    """Changes the risk level and the categories (coarse, in clear)."""
    _require_assigned(by=by, case=case)
    case.risk_level = risk_level
    for name in ("intake_channel", "legal_category", "service_category"):
        if name in categories:
            setattr(case, name, categories[name])
    case.full_clean(exclude=["organisation", "reference", "year", "number", "verified_by"])
    case.save(update_fields=["risk_level", "intake_channel", "legal_category", "service_category"])
    record("case.updated", actor=by, obj=case, org=case.organisation_id)
    return case


@transaction.atomic
def case_assign(*, case: Case, by: User, caseworkers: list[User]) -> Case:
    """Sets the assigned caseworkers (active caseworkers of the case's organisation)."""
    from casework.selectors import can_manage_assignment

    if not can_manage_assignment(user=by, case=case):
        raise PermissionDenied
    allowed = set(caseworkers_of(organisation_id=case.organisation_id).values_list("pk", flat=True))
    chosen = {u.pk for u in caseworkers}
    if not chosen:
        raise ValidationError(ERR_NO_CASEWORKER)
    if not chosen <= allowed:
        raise ValidationError(ERR_UNKNOWN_CASEWORKER)
    case.assigned_caseworkers.set(list(chosen))
    record("case.assigned", actor=by, obj=case, org=case.organisation_id, count=len(chosen))
    return case


@transaction.atomic
def case_verify(*, case: Case, by: User) -> Case:
    """Records that ``by`` (an assigned caseworker) verified the person: the location and
    route section opens."""
    _require_assigned(by=by, case=case)
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if locked.verified_by_id is not None:
        raise ValidationError(ERR_ALREADY_VERIFIED)
    case.verified_by = by
    case.verified_month = this_month()
    case.save(update_fields=["verified_by", "verified_month"])
    record("case.verified", actor=by, obj=case, org=case.organisation_id)
    return case


# --- Sections ---------------------------------------------------------------------------------


@transaction.atomic
def person_update_identity(
    *,
    case: Case,
    by: User,
    pseudonym: str,
    legal_name: str,
    aliases: list[str],
    date_of_birth: date | None,
    citizenships: list[str],
    passport_numbers: list[str],
    relatives_at_risk: str,
) -> Person:
    _require_section(by=by, case=case, section=Section.IDENTITY)
    pseudonym = pseudonym.strip()
    if not pseudonym:
        raise ValidationError(ERR_PSEUDONYM)
    if date_of_birth and date_of_birth > timezone.now().date():
        raise ValidationError(ERR_FUTURE_DATE)
    person = Person.objects.select_for_update().get(case=case)
    person.pseudonym = pseudonym
    aliases, passports = _clean_lines(aliases), _clean_lines(passport_numbers)
    _seal(
        case,
        person,
        {
            "legal_name": legal_name.strip(),
            "aliases": aliases,
            "date_of_birth": date_of_birth,
            "citizenships": [c.upper() for c in _clean_lines(citizenships)],
            "passport_numbers": passports,
            "relatives_at_risk": relatives_at_risk.strip(),
        },
    )
    person.save()
    _reindex(
        person,
        case.organisation_id,
        _identity_index(legal_name, aliases, date_of_birth, passports),
    )
    record(
        "case.section.updated",
        actor=by,
        obj=case,
        org=case.organisation_id,
        section=Section.IDENTITY,
    )
    return person


@transaction.atomic
def person_update_contact(
    *, case: Case, by: User, phones: list[str], contact_handles: list[str]
) -> Person:
    _require_section(by=by, case=case, section=Section.CONTACT)
    person = Person.objects.select_for_update().get(case=case)
    phones = _clean_lines(phones)
    _seal(case, person, {"phones": phones, "contact_handles": _clean_lines(contact_handles)})
    person.save()
    _reindex(person, case.organisation_id, {IndexKind.PHONE: phones})
    record(
        "case.section.updated",
        actor=by,
        obj=case,
        org=case.organisation_id,
        section=Section.CONTACT,
    )
    return person


@transaction.atomic
def location_update(
    *,
    case: Case,
    by: User,
    country: Country,
    legal_basis: str,
    region: str,
    stay_expires: date | None,
    route_notes: str,
) -> Location:
    _require_section(by=by, case=case, section=Section.LOCATION)
    location = Location.objects.select_for_update().filter(case=case).first()
    if location is None:
        location = Location(case=case, country=country)
    if location.country_id != country.pk:
        location.since_month = this_month()
    location.country = country
    location.legal_basis = legal_basis
    _seal(
        case,
        location,
        {
            "region": region.strip(),
            "stay_expires": stay_expires,
            "route_notes": route_notes.strip(),
        },
    )
    location.save()
    record(
        "case.section.updated",
        actor=by,
        obj=case,
        org=case.organisation_id,
        section=Section.LOCATION,
    )
    _refresh_deadlines(case=case, by=by)
    return location


# --- Legal exposure ---------------------------------------------------------------------------

# Art. 337: absence over 2 days, over 10 days, over one month; parts 2.1, 3.1 and 5 apply
# during mobilisation (since September 2022), parts 1, 3 and 4 otherwise.
ABSENCE_PARTS = {
    True: (Article.A337_2_1, Article.A337_3_1, Article.A337_5),
    False: (Article.A337_1, Article.A337_3, Article.A337_4),
}
ABSENCE_ARTICLES = frozenset(p for parts in ABSENCE_PARTS.values() for p in parts)


def _one_month_after(start: date) -> date:
    year, month = (start.year + 1, 1) if start.month == 12 else (start.year, start.month + 1)
    return start.replace(year=year, month=month, day=min(start.day, monthrange(year, month)[1]))


def absence_part(*, absence_start: date | None, today: date, mobilisation: bool = True) -> str:
    """The part of art. 337 that an absence since ``absence_start`` falls under on ``today``:
    over 2 days, over 10 days, over a month. "" when there is no absence date or it is 2 days
    or less."""
    if absence_start is None:
        return ""
    days = (today - absence_start).days
    short, medium, long = ABSENCE_PARTS[mobilisation]
    if today > _one_month_after(absence_start):
        return long
    if days > 10:
        return medium
    if days > 2:
        return short
    return ""


def _exposure_values(
    exposure: LegalExposure,
    *,
    article: str,
    during_mobilisation: bool,
    procedural_stage: str,
    wanted_level: str,
    exit_ban: bool,
    passport_confiscated: bool,
    absence_start: date | None,
) -> None:
    if absence_start and absence_start > timezone.now().date():
        raise ValidationError(ERR_FUTURE_DATE)
    exposure.article = article
    exposure.during_mobilisation = during_mobilisation
    exposure.procedural_stage = procedural_stage
    exposure.wanted_level = wanted_level
    exposure.exit_ban = exit_ban
    exposure.passport_confiscated = passport_confiscated
    exposure.computed_part = (
        absence_part(
            absence_start=absence_start,
            today=timezone.now().date(),
            mobilisation=during_mobilisation,
        )
        if article in ABSENCE_ARTICLES
        else ""
    )
    exposure.full_clean(exclude=["case", "absence_start", "details"])


@transaction.atomic
def exposure_add(
    *, case: Case, by: User, absence_start: date | None, details: str, **values: Any
) -> LegalExposure:
    _require_section(by=by, case=case, section=Section.LEGAL)
    exposure = LegalExposure(case=case)
    _exposure_values(exposure, absence_start=absence_start, **values)
    _seal(case, exposure, {"absence_start": absence_start, "details": details.strip()})
    exposure.save()
    record(
        "case.section.updated", actor=by, obj=case, org=case.organisation_id, section=Section.LEGAL
    )
    _refresh_deadlines(case=case, by=by)
    return exposure


@transaction.atomic
def exposure_update(
    *,
    exposure: LegalExposure,
    by: User,
    absence_start: date | None,
    details: str,
    **values: Any,
) -> LegalExposure:
    case = exposure.case
    _require_section(by=by, case=case, section=Section.LEGAL)
    exposure = LegalExposure.objects.select_for_update().get(pk=exposure.pk)
    _exposure_values(exposure, absence_start=absence_start, **values)
    _seal(case, exposure, {"absence_start": absence_start, "details": details.strip()})
    exposure.save()
    record(
        "case.section.updated", actor=by, obj=case, org=case.organisation_id, section=Section.LEGAL
    )
    _refresh_deadlines(case=case, by=by)
    return exposure


# --- Testimony, notes, documents --------------------------------------------------------------


@transaction.atomic
def testimony_add(
    *, case: Case, by: User, language: str, text: str, consent_dossier: bool
) -> Testimony:
    """A new statement (version 1)."""
    _require_section(by=by, case=case, section=Section.TESTIMONY)
    if not text.strip():
        raise ValidationError(ERR_EMPTY_TEXT)
    Case.objects.select_for_update().filter(pk=case.pk).first()
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
    _seal(case, testimony, {"text": text.strip()})
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
    _require_section(by=by, case=case, section=Section.TESTIMONY)
    if not text.strip():
        raise ValidationError(ERR_EMPTY_TEXT)
    Case.objects.select_for_update().filter(pk=case.pk).first()
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
    _seal(case, revised, {"text": text.strip()})
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
    _require_section(by=by, case=case, section=Section.TESTIMONY)
    if screening not in Screening.values:
        raise ValidationError(_("Choose one of the listed screening results."))
    testimony = Testimony.objects.select_for_update().get(pk=testimony.pk)
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
    _require_section(by=by, case=case, section=Section.NOTES)
    if not text.strip():
        raise ValidationError(ERR_EMPTY_TEXT)
    Case.objects.select_for_update().filter(pk=case.pk).first()
    seq = (case.notes.aggregate(n=Max("seq"))["n"] or 0) + 1
    note = Note(case=case, author=by, seq=seq)
    _seal(case, note, {"text": text.strip()})
    note.save()
    record("note.added", actor=by, obj=case, org=case.organisation_id, section=Section.NOTES)
    return note


@transaction.atomic
def document_upload(
    *,
    case: Case,
    by: User,
    document_type: DocumentType,
    data: bytes,
    original_name: str,
    description: str = "",
) -> Document:
    """Checks and cleans the file (casework.uploads), encrypts it to a new file and records
    it. A refused file raises ValidationError with the reason and leaves nothing behind."""
    _require_section(by=by, case=case, section=Section.DOCUMENTS)
    if document_type is None or not document_type.is_active:
        raise ValidationError(ERR_DOCUMENT_TYPE)
    if crypto.is_shredded(case_id=case.pk, section=Section.DOCUMENTS):
        raise ValidationError(ERR_SHREDDED)
    try:
        clean = clean_upload(data)
    except UploadRefused as refused:
        raise ValidationError(refused.message) from None
    Case.objects.select_for_update().filter(pk=case.pk).first()
    seq = (case.documents.aggregate(n=Max("seq"))["n"] or 0) + 1
    document = Document(
        case=case,
        document_type=document_type,
        uploaded_by=by,
        seq=seq,
        content_type=clean.content_type,
        size=len(clean.data),
        storage_name=crypto.new_storage_name(),
    )
    _seal(
        case,
        document,
        {"original_name": original_name.strip()[:200], "description": description.strip()},
    )
    crypto.write_document_file(case_id=case.pk, document=document, data=clean.data)
    try:
        document.save()
        record("document.uploaded", actor=by, obj=case, org=case.organisation_id, count=seq)
    except BaseException:
        crypto.delete_document_file(storage_name=document.storage_name)
        raise
    # If an outer transaction rolls back later, the file stays behind as an orphan: ciphertext
    # under this case's documents key, which no row names.
    return document


def document_read(*, document: Document, by: User) -> bytes:
    """The decrypted document for its download, audited (document.downloaded)."""
    case = document.case
    _require_section(by=by, case=case, section=Section.DOCUMENTS, write=False)
    data = crypto.read_document_file(case_id=case.pk, document=document)
    record(
        "document.downloaded",
        actor=by,
        obj=case,
        org=case.organisation_id,
        section=Section.DOCUMENTS,
        count=document.seq,
    )
    return data


def section_viewed(*, case: Case, by: User, sections: Iterable[str]) -> None:
    """One case.section.viewed event per section shown to ``by``."""
    for section in sections:
        record("case.section.viewed", actor=by, obj=case, org=case.organisation_id, section=section)


# --- Shredding and export -----------------------------------------------------------------------


@transaction.atomic
def case_shred(*, case: Case, by: User | None, sections: Iterable[str] | None = None) -> list[str]:
    """Destroys the data keys of ``sections`` (all when None): their content is unreadable
    everywhere from now on. Blind indexes derived from them and the encrypted document files
    go too. The case shell and its statistics fields stay. Returns the sections shredded now."""
    chosen = list(SECTIONS if sections is None else sections)
    unknown = [s for s in chosen if s not in SECTIONS]
    if unknown:
        raise ValidationError(_("Unknown section."))
    done = [s for s in chosen if crypto.shred_section(case_id=case.pk, section=s)]
    kinds = [kind for kind, section in INDEX_SECTION.items() if section in done]
    if kinds:
        PersonIndex.objects.filter(person__case=case, kind__in=kinds).delete()
    if Section.DOCUMENTS in done:
        names = list(case.documents.values_list("storage_name", flat=True))
        transaction.on_commit(lambda: [crypto.delete_document_file(storage_name=n) for n in names])
    record("case.shredded", actor=by, obj=case, org=case.organisation_id, sections=sorted(done))
    return done


def refresh_absence_parts(*, today: date | None = None) -> int:
    """Recomputes the clear ``computed_part`` of absence exposures (for reminders and
    statistics as days pass). Opens each exposure's absence start; returns how many changed."""
    today = today or timezone.now().date()
    changed = 0
    with crypto.key_scope():
        for exposure in LegalExposure.objects.filter(article__in=ABSENCE_ARTICLES):
            try:
                start = exposure.case.envelope.open(exposure, "absence_start")
            except crypto.SectionShredded:
                continue
            part = absence_part(
                absence_start=start, today=today, mobilisation=exposure.during_mobilisation
            )
            if part != exposure.computed_part:
                LegalExposure.objects.filter(pk=exposure.pk).update(computed_part=part)
                changed += 1
    return changed
