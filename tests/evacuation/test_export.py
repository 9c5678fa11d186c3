"""The dossier export: a PDF bundle (cover, index, documents, statement) watermarked on every
page with the export's code and recipient, without metadata; behind a fresh second factor,
audited once, identifiable later from the code or the leaked file, optionally age-encrypted."""

from __future__ import annotations

import hashlib
import logging
import re
import tempfile
import time
from io import BytesIO, StringIO

import pikepdf
import pyrage
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils.html import escape
from PIL import Image
from pypdf import PdfReader, PdfWriter

from accounts.models import Role
from accounts.security import SESSION_2FA_AT
from audit.models import AuditEvent
from casework import services as casework_services
from casework.envelope import key_scope, write_document_file
from casework.models import DocumentChunk
from evacuation import services
from evacuation.export import (
    CODE_RE,
    ERR_AGE_KEY,
    ERR_NO_RECIPIENT,
    ERR_NOT_EXPORTABLE,
    ERR_UNSAFE_DOCUMENT,
    watermark_text,
)
from evacuation.models import DossierExport, DossierStatus, ReviewDecision
from evacuation.views.export import NO_DOSSIER_ROLE
from tests.casework.conftest import MARKER
from tests.casework.test_pdf import CORPUS, PAGE_ONE, assert_inert, benign_pdf, hostile, xfa_only
from tests.casework.test_uploads import (  # noqa: F401 - the exiftool fixture
    assert_no_metadata,
    exiftool,
    exiftool_present,
    jpeg_with_gps_xmp_comment,
    pdf_with_metadata,
)

pytestmark = pytest.mark.django_db

RECIPIENT = "Consulat général de France à Almaty"
EXCERPT = "Я отказался ехать на фронт и ушёл из части."
SUMMARY = "Art. 338 part 2: desertion during mobilisation, up to 15 years."
EXPORTED = "dossier.exported"


def png(seed: int) -> bytes:
    out = BytesIO()
    Image.new("RGB", (40, 30), (seed * 50 % 256, 90, 150)).save(out, format="PNG")
    return out.getvalue()


def two_page_pdf() -> bytes:
    with pikepdf.open(BytesIO(pdf_with_metadata())) as pdf:
        pdf.add_blank_page(page_size=(300, 400))
        out = BytesIO()
        pdf.save(out)
    return out.getvalue()


# Checklist item of the French humanitarian route -> the file linked to it.
FILES = {
    "internal-passport": two_page_pdf,
    "military-id": jpeg_with_gps_xmp_comment,
    "expert-opinion": lambda: png(1),
    "vetting-memo": lambda: png(2),
}


def approve(dossier, by, lawyer, files: dict[str, list[bytes]]):
    """The dossier with the checklist items named in ``files`` filled (uploaded in order),
    vetted, reviewed by ``lawyer`` and approved."""
    for item in dossier.items.select_related("document_type"):
        documents = [
            casework_services.document_upload(
                case=dossier.case,
                by=by,
                document_type=item.document_type,
                data=data,
                original_name=f"{MARKER}.bin",
            )
            for data in files.get(item.document_type.code, [])
        ]
        if documents:
            services.dossier_link(dossier=dossier, by=by, item=item, documents=documents)
    services.dossier_contents(
        dossier=dossier, by=by, testimony=None, testimony_excerpt=EXCERPT, exposure_summary=SUMMARY
    )
    services.dossier_vet(dossier=dossier, by=by, note="Vetted in person")
    services.dossier_assign_reviewer(dossier=dossier, by=by, lawyer=lawyer)
    services.dossier_submit_for_review(dossier=dossier, by=by)
    return services.dossier_review(dossier=dossier, by=lawyer, decision=ReviewDecision.APPROVED)


@pytest.fixture
def approved(dossier, caseworker_getlost, lawyer_intransit, referral_review):
    """The dossier with its required items filled (a two-page PDF, a JPEG with EXIF and GPS,
    two PNGs), vetted, reviewed by lawyer_intransit (referred organisation) and approved."""
    files = {code: [make()] for code, make in FILES.items()}
    return approve(dossier, caseworker_getlost, lawyer_intransit, files)


def store_as_is(document, data: bytes) -> None:
    """Replaces a stored file with ``data`` uncleaned: a file an older, weaker cleaner let in."""
    DocumentChunk.objects.filter(document=document).delete()
    write_document_file(case_id=document.case_id, document=document, data=data)


@pytest.fixture
def approved_hostile(dossier, caseworker_getlost, lawyer_intransit, referral_review):
    """The internal-passport item holds one stored PDF per kind of active content in the
    corpus of tests/casework/test_pdf.py, each stored as it came (not cleaned)."""
    files = {code: [make()] for code, make in FILES.items()}
    files["internal-passport"] = [benign_pdf() for _kind in CORPUS]
    dossier = approve(dossier, caseworker_getlost, lawyer_intransit, files)
    item = dossier.items.get(document_type__code="internal-passport")
    documents = [link.document for link in item.links.order_by("position")]
    for document, kind in zip(documents, CORPUS, strict=True):
        store_as_is(document, hostile(kind))
    return dossier


def export(dossier, by, recipient=RECIPIENT, age_recipient=""):
    with key_scope(user=by):
        return services.dossier_export(
            dossier=dossier, by=by, recipient=recipient, age_recipient=age_recipient
        )


def texts(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(BytesIO(data)).pages]


def flat(text: str) -> str:
    return " ".join(text.split())


def events(action: str = EXPORTED) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action))


def url(dossier) -> str:
    return reverse("evacuation:dossier_export", args=[dossier.case.reference, dossier.pk])


def stale_second_factor(client) -> None:
    session = client.session
    session[SESSION_2FA_AT] = int(time.time()) - 3600
    session.save()


# --- The bundle --------------------------------------------------------------------------


def test_the_bundle_holds_cover_index_documents_and_statement_in_order(
    approved, caseworker_getlost
):
    row, data = export(approved, caseworker_getlost)
    pages = [flat(t) for t in texts(data)]
    # Cover + index, 2 PDF pages, 3 images, the statement.
    front = len(pages) - 6
    assert front >= 1
    cover = pages[0]
    assert "Visa dossier" in cover
    assert "French humanitarian visa" in cover
    assert "France" in cover
    assert approved.case.reference in cover
    # The caseworker may open the identity section: the legal name, in Cyrillic.
    assert "Иванов Иван Иванович" in cover
    index = " ".join(pages[:front])
    assert "Index" in index
    # Index lines: "<item> Document <n> (<k> pages) <first page>", in checklist order.
    listed = [
        (int(seq), int(count), int(first))
        for seq, count, first in re.findall(r"Document (\d+) \((\d+) pages?\) (\d+)", index)
    ]
    assert [count for _, count, _ in listed] == [2, 1, 1, 1]
    assert [first for _, _, first in listed] == [front + 1, front + 3, front + 4, front + 5]
    reader = PdfReader(BytesIO(data))
    # The image pages are where the index says; the merged PDF's pages carry no image.
    assert [len(reader.pages[first - 1].images) for _, _, first in listed] == [0, 1, 1, 1]
    assert "Statement" in index
    statement = pages[-1]
    assert EXCERPT in statement
    assert SUMMARY in statement
    assert row.case == approved.case
    assert row.dossier == approved
    assert row.exported_by == caseworker_getlost
    assert not row.encrypted
    assert CODE_RE.fullmatch(row.code)


def test_every_page_carries_the_watermark_and_no_exporter_name(approved, caseworker_getlost):
    row, data = export(approved, caseworker_getlost)
    mark = flat(watermark_text(code=row.code, recipient=RECIPIENT))
    assert mark == f"Waypoint export {row.code} — for {RECIPIENT}"
    pages = texts(data)
    assert len(pages) >= 7
    for text in pages:
        assert mark in flat(text)
        assert caseworker_getlost.email not in text


def test_the_reviewing_lawyer_exports_with_the_pseudonym_only(
    approved, lawyer_intransit, caseworker_getlost
):
    # The referral shares testimony, legal and documents: not the identity section.
    row, data = export(approved, lawyer_intransit)
    cover = flat(texts(data)[0])
    assert "Heron" in cover
    assert "Иванов" not in cover
    assert row.exported_by == lawyer_intransit


@pytest.mark.usefixtures("exiftool_present")
def test_images_in_the_bundle_carry_no_metadata(approved, caseworker_getlost, tmp_path):
    _, data = export(approved, caseworker_getlost)
    assert MARKER.encode() not in data
    images = [image for page in PdfReader(BytesIO(data)).pages for image in page.images]
    assert len(images) == 3
    for image in images:
        assert MARKER.encode() not in image.data
        with Image.open(BytesIO(image.data)) as opened:
            assert not opened.getexif()
            assert not {"exif", "xmp", "icc_profile", "comment"} & set(opened.info)
        assert_no_metadata(exiftool(image.data, tmp_path))


@pytest.mark.usefixtures("exiftool_present")
def test_the_pdf_has_no_document_information_and_no_xmp(approved, caseworker_getlost, tmp_path):
    _, data = export(approved, caseworker_getlost)
    with pikepdf.open(BytesIO(data)) as pdf:
        info = pdf.trailer.get("/Info")
        assert info is None or len(info.keys()) == 0
        assert "/Metadata" not in pdf.Root
        assert not any(
            "/Metadata" in obj
            for obj in pdf.objects
            if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream)
        )
    assert not PdfReader(BytesIO(data)).metadata
    tags = exiftool(data, tmp_path)
    assert_no_metadata(tags)
    for name in ("Producer", "CreateDate", "ModifyDate", "Creator"):
        assert not any(key.endswith(":" + name) for key in tags), name


def test_no_active_or_embedded_content_survives_into_the_bundle(
    approved_hostile, caseworker_getlost
):
    _, data = export(approved_hostile, caseworker_getlost)
    assert_inert(data)
    pages = [flat(text) for text in texts(data)]
    assert sum(page.startswith(PAGE_ONE) for page in pages) == len(CORPUS)


def test_internal_links_of_merged_pdfs_lead_to_pages_of_the_bundle(
    approved_hostile, caseworker_getlost
):
    _, data = export(approved_hostile, caseworker_getlost)
    with pikepdf.open(BytesIO(data)) as pdf:
        pages = {page.obj.objgen for page in pdf.pages}
        targets = [annot.Dest[0].objgen for page in pdf.pages for annot in page.get("/Annots", [])]
    # Two links to the next page in each merged document, one more to its own first page.
    assert len(targets) >= 2 * len(CORPUS) + 1
    assert set(targets) <= pages


def test_a_stored_pdf_that_cannot_be_made_safe_stops_the_export(
    approved_hostile, caseworker_getlost
):
    item = approved_hostile.items.get(document_type__code="internal-passport")
    store_as_is(item.links.order_by("position").first().document, xfa_only())
    with pytest.raises(ValidationError) as error:
        export(approved_hostile, caseworker_getlost)
    assert error.value.messages == [str(ERR_UNSAFE_DOCUMENT)]
    assert not DossierExport.objects.exists()
    assert events() == []


# --- Who may export what -----------------------------------------------------------------


def test_an_export_logs_no_content_and_writes_no_file(
    approved, caseworker_getlost, caplog, _media_root, tmp_path, monkeypatch
):
    """The PDF is built in memory: nothing new in the media folder or the temporary folder,
    and no log line (ours or the PDF libraries') carries the recipient or the statement."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    tempfile.tempdir = None  # re-read TMPDIR
    before = {p for p in _media_root.rglob("*")}
    caplog.set_level(logging.DEBUG)
    row, data = export(approved, caseworker_getlost, recipient=f"{MARKER} consulate")
    tempfile.tempdir = None
    assert {p for p in _media_root.rglob("*")} == before
    assert list(scratch.iterdir()) == []
    for record in caplog.records:
        message = record.getMessage()
        assert MARKER not in message and EXCERPT not in message and row.code not in message


def test_a_draft_dossier_cannot_be_exported(dossier, caseworker_getlost):
    with pytest.raises(ValidationError) as error:
        export(dossier, caseworker_getlost)
    assert error.value.messages == [str(ERR_NOT_EXPORTABLE)]
    assert not DossierExport.objects.exists()
    assert events() == []


def test_an_export_needs_a_recipient(approved, caseworker_getlost):
    with pytest.raises(ValidationError) as error:
        export(approved, caseworker_getlost, recipient="   ")
    assert error.value.messages == [str(ERR_NO_RECIPIENT)]
    assert not DossierExport.objects.exists()


def test_only_the_caseworkers_and_the_reviewer_may_export(approved, colleague_getlost, make_member):
    other_lawyer = make_member("intransit", Role.LAWYER)
    for user in (colleague_getlost, other_lawyer):
        with pytest.raises(PermissionDenied):
            export(approved, user)
    assert not DossierExport.objects.exists()
    assert events() == []


def test_submitted_and_decided_dossiers_can_be_exported(approved, caseworker_getlost):
    services.dossier_mark(dossier=approved, by=caseworker_getlost, status=DossierStatus.SUBMITTED)
    approved.refresh_from_db()
    first, _ = export(approved, caseworker_getlost)
    services.dossier_mark(dossier=approved, by=caseworker_getlost, status=DossierStatus.DECIDED)
    approved.refresh_from_db()
    second, _ = export(approved, caseworker_getlost)
    assert first.code != second.code
    assert [e.data["export_id"] for e in events()] == [first.code, second.code]


# --- The page ------------------------------------------------------------------------------


def test_the_page_shows_the_form(approved, caseworker_getlost, signed_in):
    response = signed_in(caseworker_getlost).get(url(approved))
    assert response.status_code == 200
    assert 'name="recipient"' in response.text
    assert 'name="age_recipient"' in response.text


def test_the_page_of_a_draft_says_it_cannot_be_exported(dossier, caseworker_getlost, signed_in):
    response = signed_in(caseworker_getlost).get(url(dossier))
    assert response.status_code == 200
    assert str(ERR_NOT_EXPORTABLE) in response.text
    assert 'name="recipient"' not in response.text


def test_outsiders_get_404_and_members_without_a_role_403(
    approved, outsider, colleague_getlost, client, signed_in
):
    assert signed_in(outsider).get(url(approved)).status_code == 404
    client.logout()
    response = signed_in(colleague_getlost).get(url(approved))
    assert response.status_code == 403
    assert escape(str(NO_DOSSIER_ROLE)) in response.text


def test_without_a_fresh_second_factor_it_asks_to_reauthenticate_and_exports_nothing(
    approved, caseworker_getlost, signed_in
):
    client = signed_in(caseworker_getlost)
    stale_second_factor(client)
    reauth = reverse("accounts:reauth")
    response = client.get(url(approved))
    assert response.status_code == 302
    assert response["Location"].startswith(reauth)
    response = client.post(url(approved), {"recipient": RECIPIENT})
    assert response.status_code == 302
    assert response["Location"].startswith(reauth)
    assert not DossierExport.objects.exists()
    assert events() == []


def test_the_export_downloads_as_an_attachment_with_one_audit_event(
    approved, caseworker_getlost, signed_in
):
    client = signed_in(caseworker_getlost)
    before = AuditEvent.objects.count()
    response = client.post(url(approved), {"recipient": RECIPIENT})
    assert response.status_code == 200
    row = DossierExport.objects.get()
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="dossier-{row.code}.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox"
    assert response.content.startswith(b"%PDF")
    [event] = AuditEvent.objects.filter(seq__gt=before)
    assert event.action == EXPORTED
    assert event.data == {"export_id": row.code}
    assert event.actor_id == caseworker_getlost.pk
    assert row.sha256 == hashlib.sha256(response.content).hexdigest()
    with key_scope():
        assert approved.case.envelope.open(row, "recipient") == RECIPIENT


def test_age_encryption_round_trips(approved, caseworker_getlost, signed_in):
    identity = pyrage.x25519.Identity.generate()
    response = signed_in(caseworker_getlost).post(
        url(approved), {"recipient": RECIPIENT, "age_recipient": str(identity.to_public())}
    )
    assert response.status_code == 200
    row = DossierExport.objects.get()
    assert row.encrypted
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == f'attachment; filename="dossier-{row.code}.pdf.age"'
    assert not response.content.startswith(b"%PDF")
    plain = pyrage.decrypt(response.content, [identity])
    assert plain.startswith(b"%PDF")
    assert row.code in flat(texts(plain)[0])


def test_an_invalid_age_key_is_refused_and_nothing_is_exported(
    approved, caseworker_getlost, signed_in
):
    response = signed_in(caseworker_getlost).post(
        url(approved), {"recipient": RECIPIENT, "age_recipient": "age1notakey"}
    )
    assert response.status_code == 200
    assert str(ERR_AGE_KEY) in response.text
    assert not DossierExport.objects.exists()
    assert events() == []


# --- Which export leaked? ----------------------------------------------------------------


def identify(*args) -> str:
    out = StringIO()
    call_command("identify_export", *args, stdout=out)
    return out.getvalue()


def test_identify_export_names_the_export_from_its_code(approved, caseworker_getlost):
    row, _ = export(approved, caseworker_getlost)
    output = identify(row.code.lower())
    assert f"Export: {row.code}" in output
    assert f"Case: {approved.case.reference}" in output
    assert f"Dossier: {approved.pk}" in output
    assert f"Exported by: {caseworker_getlost.email}" in output
    assert f"Recipient: {RECIPIENT}" in output
    assert "Encrypted: no" in output
    assert f"SHA-256: {row.sha256}" in output
    [event] = events("dossier.export_identified")
    assert event.actor_id is None
    assert event.data == {"export_id": row.code}


def test_identify_export_reads_the_code_off_a_leaked_copy(
    approved, caseworker_getlost, lawyer_intransit, tmp_path
):
    export(approved, caseworker_getlost)
    row, data = export(approved, lawyer_intransit)
    # A copy re-saved by another program: other bytes, the same pages.
    writer = PdfWriter(clone_from=PdfReader(BytesIO(data)))
    copy = BytesIO()
    writer.write(copy)
    assert copy.getvalue() != data
    leaked = tmp_path / "leaked.pdf"
    leaked.write_bytes(copy.getvalue())
    output = identify("--file", str(leaked))
    assert f"Export: {row.code}" in output
    assert f"Exported by: {lawyer_intransit.email}" in output


def test_identify_export_refuses_an_unknown_code(approved):
    with pytest.raises(CommandError) as error:
        identify("WX-AAAAAAAA")
    assert str(error.value) == "No export has this code."
    assert error.value.returncode == 1
    assert events("dossier.export_identified") == []
