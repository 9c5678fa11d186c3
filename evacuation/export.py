"""The dossier export: one PDF bundle, built in memory and never written to disk in clear.

Cover sheet, index, the included documents in checklist order (PDFs merged page by page,
images one per page, re-encoded from their pixels), then the statement. Every page carries
the watermark "Waypoint export <code> — for <recipient>"; the code names the export in
DossierExport, and through it the exporting user, who is never printed (a caseworker's name
on paper sent to a consulate endangers them). No document information, no XMP, nothing that
acts or embeds: every merged PDF and the bundle go through casework.pdf.sanitise_pdf.
"""

from __future__ import annotations

import base64
import re
import secrets
from contextlib import ExitStack
from dataclasses import dataclass, field
from io import BytesIO
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image

from accounts.models import User
from casework import envelope
from casework.models import Document
from casework.sections import Section
from casework.selectors import section_refusal
from casework.uploads import PDF
from evacuation.models import Dossier, DossierDocument, DossierExport, DossierItem, DossierStatus
from vault import age as vault_age

# pikepdf and WeasyPrint are imported where used: loading them takes time (about a second for
# WeasyPrint) and logs a line, and the pages and services importing this module rarely export.
if TYPE_CHECKING:
    import pikepdf
    import weasyprint

EXPORTABLE_STATUSES = frozenset(
    {DossierStatus.APPROVED, DossierStatus.SUBMITTED, DossierStatus.DECIDED}
)
# What the bundle opens besides the cover: documents, the excerpt, the exposure summary.
SECTIONS_READ = (Section.DOCUMENTS, Section.TESTIMONY, Section.LEGAL)

ERR_NOT_EXPORTABLE = gettext_lazy(
    "Only a dossier the lawyer has approved can be exported (approved, submitted or decided)."
)
ERR_NO_RECIPIENT = gettext_lazy("Say who receives the export: their name is printed on every page.")
ERR_UNSAFE_DOCUMENT = gettext_lazy(
    "A PDF in this dossier cannot be made safe to export (a dynamic XFA form, for one). "
    "Replace it with a printed or scanned copy, and export again."
)
ERR_AGE_KEY = gettext_lazy(
    "This is not an age public key. It is one line starting with “age1”; nothing was exported."
)

# No 0/O, 1/I/L: the code is read off paper and typed back in.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_PREFIX = "WX-"
CODE_LENGTH = 8
CODE_RE = re.compile(rf"{CODE_PREFIX}[{CODE_ALPHABET}]{{{CODE_LENGTH}}}")

TEMPLATE = "evacuation/export_pdf.html"


def new_code() -> str:
    """A fresh export code, e.g. ``WX-7KQ3M9TD`` (40 bits; checked unused: one query)."""
    while True:
        code = CODE_PREFIX + "".join(secrets.choice(CODE_ALPHABET) for _i in range(CODE_LENGTH))
        if not DossierExport.objects.filter(code=code).exists():
            return code


def age_recipient(key: str):
    """The parsed age public key, None when ``key`` is blank; ValidationError when invalid."""
    if not key.strip():
        return None
    try:
        return vault_age.age_recipient(key)
    except vault_age.AgeKeyError:
        raise ValidationError(ERR_AGE_KEY) from None


def encrypt(data: bytes, recipient) -> bytes:
    return vault_age.encrypt_to(recipient, data)


def watermark_text(*, code: str, recipient: str) -> str:
    return _("Waypoint export %(code)s — for %(recipient)s") % {
        "code": code,
        "recipient": recipient,
    }


@dataclass
class _Part:
    """One included document: a PDF (merged as is) or an image (one page)."""

    document: Document
    pdf: pikepdf.Pdf | None = None
    image_url: str = ""
    first_page: int = 0

    @property
    def page_count(self) -> int:
        return len(self.pdf.pages) if self.pdf is not None else 1


@dataclass
class _Entry:
    item: DossierItem
    parts: list[_Part] = field(default_factory=list)


def _render(part: str, context: dict) -> weasyprint.Document:
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    html = render_to_string(
        TEMPLATE, {**context, "part": part, "language": translation.get_language()}
    )
    # Only data: URLs (the page images): the renderer fetches nothing from disk or network.
    fetcher = URLFetcher(allowed_protocols={"data"})
    return HTML(string=html, url_fetcher=fetcher).render()


def _image_url(data: bytes) -> str:
    """The image rebuilt from its pixels as a plain JPEG (no EXIF, XMP, ICC or comment),
    whatever the stored file carries, as a data: URL."""
    with Image.open(BytesIO(data)) as image:
        image.load()
        rgba = image.convert("RGBA")
    clean = Image.new("RGB", rgba.size, "white")
    clean.paste(rgba, mask=rgba.getchannel("A"))
    out = BytesIO()
    clean.save(out, format="JPEG", quality=90)
    return "data:image/jpeg;base64," + base64.b64encode(out.getvalue()).decode("ascii")


def _open_pdf(data: bytes, stack: ExitStack) -> pikepdf.Pdf:
    import pikepdf

    # Kept open until the bundle is saved: pikepdf copies page streams lazily.
    return stack.enter_context(pikepdf.open(BytesIO(data)))


def _entries(dossier: Dossier, stack: ExitStack) -> list[_Entry]:
    """The checklist in order with its documents, decrypted in memory. Reads the files with
    envelope.read_document_file, not services.document_read: the export is audited as one event
    (dossier.exported) rather than one download per document."""
    links = DossierDocument.objects.select_related("document__document_type")
    items = (
        dossier.items.select_related("document_type")
        .prefetch_related(Prefetch("links", queryset=links))
        .order_by("position", "id")
    )
    entries = []
    for item in items:
        entry = _Entry(item=item)
        for link in item.links.all():
            document = link.document
            data = envelope.read_document_file(case_id=dossier.case_id, document=document)
            if document.content_type == PDF:
                # Stored files were cleaned on upload, but perhaps by an older, weaker cleaner.
                pdf = _open_pdf(data, stack)
                _sanitise(pdf)
                entry.parts.append(_Part(document=document, pdf=pdf))
            else:
                entry.parts.append(_Part(document=document, image_url=_image_url(data)))
        entries.append(entry)
    return entries


def _cover(dossier: Dossier, by: User) -> dict:
    """Route, destination and reference; the legal name and date of birth only for a user
    who may open the identity section, else the pseudonym."""
    case = dossier.case
    application = dossier.visa_application
    person = case.person
    cover = {
        "route": application.get_route_display(),
        "destination": application.destination.label,
        "reference": case.reference,
        "pseudonym": person.pseudonym,
        "legal_name": None,
    }
    if section_refusal(user=by, case=case, section=Section.IDENTITY) is None:
        cover.update(case.envelope.open_many(person, ("legal_name", "date_of_birth")))
    return cover


def _number(entries: list[_Entry], first: int) -> int:
    """Sets each part's first page, counting from ``first``; returns the next page."""
    page = first
    for entry in entries:
        for part in entry.parts:
            part.first_page = page
            page += part.page_count
    return page


def _front(context: dict, entries: list[_Entry]) -> weasyprint.Document:
    """Cover and index. The index's page numbers depend on its own length: render until the
    front matter's page count stops changing (twice, in practice)."""
    pages = 1
    for _attempt in range(4):
        statement_page = _number(entries, pages + 1)
        front = _render("front", {**context, "index": entries, "statement_page": statement_page})
        if len(front.pages) == pages:
            break
        pages = len(front.pages)
    return front


def _append(bundle: pikepdf.Pdf, data: bytes, stack: ExitStack) -> None:
    bundle.pages.extend(_open_pdf(data, stack).pages)


def _stamp(bundle: pikepdf.Pdf, text: str, stack: ExitStack) -> None:
    """Overlays the watermark on every page, rendered once per page size."""
    import pikepdf

    marks: dict[tuple[float, float], pikepdf.Page] = {}
    for page in bundle.pages:
        box = pikepdf.Rectangle(page.cropbox)
        size = (round(float(box.width), 2), round(float(box.height), 2))
        if size not in marks:
            rendered = _render(
                "watermark", {"watermark": text, "page_size": f"{size[0]}pt {size[1]}pt"}
            )
            marks[size] = _open_pdf(rendered.write_pdf(), stack).pages[0]
        page.add_overlay(marks[size], box)


def _sanitise(pdf: pikepdf.Pdf) -> None:
    """No document information (Producer, dates), no XMP, nothing that acts or embeds, on
    every PDF merged and on the bundle (casework.pdf)."""
    from casework.pdf import PdfRefused, sanitise_pdf

    try:
        sanitise_pdf(pdf)
    except PdfRefused:
        raise ValidationError(ERR_UNSAFE_DOCUMENT) from None


def build_bundle(*, dossier: Dossier, by: User, code: str, recipient: str) -> bytes:
    """The export's PDF bytes, in the active language. Decrypts every included document in
    memory; renders the generated pages with WeasyPrint (about 0.1 s each)."""
    import pikepdf

    case = dossier.case
    statement = case.envelope.open_many(dossier, ("testimony_excerpt", "exposure_summary"))
    context = {
        **_cover(dossier, by),
        "recipient": recipient,
        "code": code,
        "exported_on": timezone.localdate(),
    }
    with ExitStack() as stack:
        entries = _entries(dossier, stack)
        bundle = stack.enter_context(pikepdf.new())
        _append(bundle, _front(context, entries).write_pdf(), stack)
        for entry in entries:
            for part in entry.parts:
                if part.pdf is not None:
                    bundle.pages.extend(part.pdf.pages)
                else:
                    page = _render(
                        "image", {"document": part.document, "image_url": part.image_url}
                    )
                    _append(bundle, page.write_pdf(), stack)
        _append(bundle, _render("statement", statement).write_pdf(), stack)
        _stamp(bundle, watermark_text(code=code, recipient=recipient), stack)
        _sanitise(bundle)
        out = BytesIO()
        bundle.save(out, min_version="1.7", deterministic_id=True, fix_metadata_version=False)
    return out.getvalue()
