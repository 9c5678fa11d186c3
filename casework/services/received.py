"""Cases opened by the system from an intake channel (the Telegram bot, the contact page, the
API): no user opens them and nobody is assigned until a caseworker takes the intake on from
the triage queue. Also what the triage queue does to such a case: take it on, merge it into
another case of the organisation, or discard it (shredded).

These services are called by the intake app with its own checks done first (the caller is a
caseworker or admin of the organisation; the case is still at intake). They seal without a
user's key scope: the person's words are written by the system, not by a reader."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation, User
from audit.services import record
from casework import limits
from casework.envelope import (
    create_case_keys,
    empty_values,
    new_storage_name,
    read_document_file,
    write_document_file,
)
from casework.guards import lock_case, seal
from casework.legal import service_category_for
from casework.models import (
    Case,
    CaseStatusChange,
    Document,
    DocumentType,
    LegalCategory,
    LocationOpening,
    Person,
    RiskLevel,
    ServiceCategory,
    Status,
    Testimony,
    this_month,
)
from casework.selectors import caseworkers_of, is_assigned_caseworker
from casework.services.history import track
from casework.services.references import next_reference
from casework.services.shredding import case_shred
from casework.uploads import UploadRefused, clean_upload

ERR_NOT_AT_INTAKE = _("This intake has already been taken on, merged or discarded.")
ERR_CATEGORY_UNKNOWN = _("Choose the legal and the service category.")
ERR_MERGE_SAME = _("Choose another case to merge into.")
ERR_MERGE_TARGET = _("You can merge only into a case of this organisation you are assigned to.")
ERR_TAKE_CASEWORKER = _("Only caseworkers of this organisation can take on an intake.")
# The document type a photo sent through a channel is filed under.
RECEIVED_DOCUMENT_TYPE = "photo"


def _lock_both(first: Case, second: Case) -> None:
    """Takes two case locks in one order (by id), so two merges never deadlock."""
    for case in sorted((first, second), key=lambda c: c.pk.int):
        lock_case(case)


@transaction.atomic
def case_receive(
    *,
    organisation: Organisation,
    intake_channel: str,
    pseudonym: str,
    statement: str = "",
    language: str = "ru",
    contact_handles: list[str] | None = None,
    risk_level: str = RiskLevel.MEDIUM,
) -> Case:
    """Opens a case at intake for a person who wrote through a channel: the shell with both
    categories "not yet known", one data key per section, the person (identity empty), the
    contact handles and the first statement sealed. Nobody is assigned. Writes case.created
    with no actor."""
    pseudonym = limits.check_text(pseudonym.strip(), limits.PSEUDONYM)
    year = this_month().year
    reference, number = next_reference(organisation=organisation, year=year)
    case = Case.objects.create(
        organisation=organisation,
        reference=reference,
        year=year,
        number=number,
        intake_channel=intake_channel,
        legal_category=LegalCategory.UNKNOWN,
        service_category=ServiceCategory.UNKNOWN,
        risk_level=risk_level,
    )
    create_case_keys(case_id=case.pk)
    person = Person(case=case, pseudonym=pseudonym)
    handles = [h.strip()[: limits.NAME] for h in contact_handles or [] if h.strip()]
    seal(case, person, {**empty_values(Person), "contact_handles": handles})
    person.save()
    CaseStatusChange.objects.create(case=case, to_status=case.status, changed_by=None)
    track(
        case,
        legal_category=case.legal_category,
        service_category=case.service_category,
        country=None,
    )
    if statement.strip():
        _statement(case, statement, language)
    record("case.created", actor=None, obj=case, org=organisation, status=case.status)
    return case


def _statement(
    case: Case, text: str, language: str, number: int | None = None, version: int = 1
) -> Testimony:
    if number is None:
        number = (case.testimonies.aggregate(n=Max("number"))["n"] or 0) + 1
    testimony = Testimony(case=case, number=number, version=version, recorded_by=None)
    testimony.language = language if language in ("ru", "uk", "en") else "other"
    seal(case, testimony, {"text": text.strip()})
    testimony.save()
    return testimony


@transaction.atomic
def case_receive_contact(*, case: Case, contact_handle: str) -> None:
    """Adds a way to reach the person (sealed in the contact section), if not there yet."""
    handle = contact_handle.strip()[: limits.NAME]
    if not handle:
        return
    lock_case(case)
    person = Person.objects.get(case=case)
    handles = case.envelope.open(person, "contact_handles")
    if handle not in handles and len(handles) < limits.LINES:
        seal(case, person, {"contact_handles": [*handles, handle]})
        person.save(update_fields=["contact_handles"])


@transaction.atomic
def case_receive_document(*, case: Case, data: bytes, original_name: str) -> Document:
    """Stores a file a person sent through a channel: checked and cleaned like an upload
    (images rebuilt from their pixels, EXIF and GPS gone), encrypted in chunks. A refused file
    raises ValidationError and leaves nothing."""
    try:
        clean = clean_upload(data)
    except UploadRefused as refused:
        raise ValidationError(refused.message) from None
    lock_case(case)
    seq = (case.documents.aggregate(n=Max("seq"))["n"] or 0) + 1
    document = Document(
        case=case,
        document_type=DocumentType.objects.get(code=RECEIVED_DOCUMENT_TYPE),
        uploaded_by=None,
        seq=seq,
        content_type=clean.content_type,
        size=len(clean.data),
        storage_name=new_storage_name(),
    )
    seal(case, document, {"original_name": original_name.strip()[:200], "description": ""})
    document.save()
    write_document_file(case_id=case.pk, document=document, data=clean.data)
    record("document.uploaded", actor=None, obj=case, org=case.organisation_id, count=seq)
    return document


def require_at_intake(case: Case) -> Case:
    """The case row, locked, if it is still at intake with nobody assigned; ValidationError
    (ERR_NOT_AT_INTAKE) otherwise."""
    lock_case(case)
    locked = Case.objects.get(pk=case.pk)
    if locked.status != Status.INTAKE or locked.assigned_caseworkers.exists():
        raise ValidationError(ERR_NOT_AT_INTAKE)
    return locked


@transaction.atomic
def case_take_on(
    *, case: Case, by: User, legal_category: str, service_category: str, risk_level: str
) -> Case:
    """A caseworker takes an intake on: sets the categories, is assigned (location and route
    opened to them, as to a case's creator) and moves the case to triage."""
    if not caseworkers_of(organisation_id=case.organisation_id).filter(pk=by.pk).exists():
        raise PermissionDenied(ERR_TAKE_CASEWORKER)
    if LegalCategory.UNKNOWN in (legal_category, service_category) or not legal_category:
        raise ValidationError(ERR_CATEGORY_UNKNOWN)
    service_category = service_category_for(
        legal_category=legal_category, service_category=service_category
    )
    locked = require_at_intake(case)
    case.legal_category, case.service_category = legal_category, service_category
    case.risk_level = risk_level
    case.full_clean(exclude=["organisation", "reference", "year", "number", "verified_by"])
    case.status = Status.TRIAGE
    case.save(update_fields=["legal_category", "service_category", "risk_level", "status"])
    case.assigned_caseworkers.add(by)
    LocationOpening.objects.get_or_create(case=case, user=by, defaults={"opened_by": by})
    CaseStatusChange.objects.create(
        case=case, from_status=locked.status, to_status=Status.TRIAGE, changed_by=by
    )
    track(case, legal_category=legal_category, service_category=service_category)
    record("case.assigned", actor=by, obj=case, org=case.organisation_id, count=1)
    record(
        "case.status.changed",
        actor=by,
        obj=case,
        org=case.organisation_id,
        status=Status.TRIAGE,
        from_status=locked.status,
    )
    return case


def _close(case: Case, by: User | None) -> None:
    locked = Case.objects.get(pk=case.pk)
    case.status = Status.CLOSED
    case.closed_month = this_month()
    case.save(update_fields=["status", "closed_month"])
    CaseStatusChange.objects.create(
        case=case, from_status=locked.status, to_status=Status.CLOSED, changed_by=by
    )


@transaction.atomic
def case_discard_intake(*, case: Case, by: User) -> list[str]:
    """Discards an intake nobody took on: every section shredded (case.shredded), the case
    closed. The shell stays for the numbering and the statistics. Returns the sections
    shredded."""
    require_at_intake(case)
    done = case_shred(case=case, by=by)
    _close(case, by)
    return done


def _copy_documents(source: Case, target: Case) -> None:
    seq = target.documents.aggregate(n=Max("seq"))["n"] or 0
    for document in source.documents.select_related("document_type").order_by("seq"):
        data = read_document_file(case_id=source.pk, document=document)
        name = source.envelope.open(document, "original_name")
        seq += 1
        copy = Document(
            case=target,
            document_type=document.document_type,
            uploaded_by=None,
            seq=seq,
            content_type=document.content_type,
            size=document.size,
            storage_name=new_storage_name(),
        )
        seal(target, copy, {"original_name": name, "description": ""})
        copy.save()
        write_document_file(case_id=target.pk, document=copy, data=data)


def merge_check(*, source: Case, target: Case, by: User) -> None:
    """Checks that ``source`` (still at intake) may be merged into ``target`` by ``by`` (an
    assigned caseworker of the target, same organisation) and takes both case locks. Call
    inside the merging transaction, before anything of the source is moved."""
    if source.pk == target.pk:
        raise ValidationError(ERR_MERGE_SAME)
    if target.organisation_id != source.organisation_id or not is_assigned_caseworker(
        user=by, case=target
    ):
        raise ValidationError(ERR_MERGE_TARGET)
    _lock_both(source, target)
    require_at_intake(source)


@transaction.atomic
def case_merge_intake(*, source: Case, target: Case, by: User) -> None:
    """Moves what an intake holds into another case of the organisation that ``by`` is
    assigned to: its statements (as new statements of the target, sealed under the target's
    keys), its contact handles and documents. The intake is then shredded and closed. The
    caller moves its own rows (intake conversations) inside the same transaction, before."""
    merge_check(source=source, target=target, by=by)
    first = target.testimonies.aggregate(n=Max("number"))["n"] or 0
    for testimony in source.testimonies.order_by("number", "version"):
        text = source.envelope.open(testimony, "text")
        _statement(target, text, testimony.language, first + testimony.number, testimony.version)
    handles = source.envelope.open(Person.objects.get(case=source), "contact_handles")
    for handle in handles:
        case_receive_contact(case=target, contact_handle=handle)
    _copy_documents(source, target)
    record("case.section.updated", actor=by, obj=target, org=target.organisation_id)
    case_shred(case=source, by=by)
    _close(source, by)
