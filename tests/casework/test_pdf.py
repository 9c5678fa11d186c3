"""PDF sanitising: a corpus made here, one file per kind of active or embedded content, placed
inline (direct objects) as a hostile file would. After clean_upload, and after the upload
service, storage and download, nothing that acts or embeds is left anywhere in the object
graph and the marker planted in scripts and embedded files is nowhere in the decompressed
bytes. A benign PDF keeps its pages, text, image, rotation and internal links."""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator
from io import BytesIO

import pikepdf
import pytest
from django.core.exceptions import ValidationError
from pikepdf import Array, Dictionary, Name, Stream, String
from pypdf import PdfReader

from casework import services
from casework.models import Document, DocumentChunk, DocumentType
from casework.pdf import ERR_PDF_DYNAMIC_FORM, ERR_PDF_TOO_DEEP, MAX_DEPTH, PdfRefused, sanitise_pdf
from casework.uploads import UploadRefused, clean_upload
from tests.casework.conftest import MARKER, stored_bytes

PAGE_ONE = "Waypoint benign page one"
PAGE_TWO = "Waypoint benign page two"

# What must not be left anywhere: keys, and names used as a type, subtype or action.
FORBIDDEN_KEYS = frozenset(
    {
        "/JS",
        "/JavaScript",
        "/AA",
        "/OpenAction",
        "/AcroForm",
        "/XFA",
        "/EmbeddedFiles",
        "/AF",
        "/EF",
        "/FS",
        "/RichMediaContent",
        "/RichMediaSettings",
        "/3DD",
        "/URI",
        "/Win",
        "/Metadata",
        "/PieceInfo",
    }
)
FORBIDDEN_NAMES = frozenset(
    {
        "/JavaScript",
        "/Launch",
        "/SubmitForm",
        "/ResetForm",
        "/ImportData",
        "/GoToR",
        "/GoToE",
        "/URI",
        "/Rendition",
        "/RichMedia",
        "/3D",
        "/Screen",
        "/FileAttachment",
        "/Widget",
        "/EmbeddedFile",
        "/Filespec",
    }
)


# --- Checking a result -------------------------------------------------------------------


def _children(obj) -> Iterator[tuple[str, object]]:
    if isinstance(obj, Array):
        for index, item in enumerate(obj):
            yield f"[{index}]", item
    else:
        for key in obj.keys():
            yield key, obj.get(key)


def forbidden(data: bytes) -> list[str]:
    """Every forbidden key or name in the file, found by walking the whole object graph from
    the trailer: indirect objects once each, direct (inline) dictionaries and arrays too."""
    found = []
    with pikepdf.open(BytesIO(data)) as pdf:
        seen: set[tuple[int, int]] = set()
        stack: list[tuple[str, object]] = [("trailer", pdf.trailer)]
        while stack:
            path, obj = stack.pop()
            if obj.is_indirect:
                if obj.objgen in seen:
                    continue
                seen.add(obj.objgen)
            for key, child in _children(obj):
                where = f"{path}{key if key.startswith('[') else '.' + key[1:]}"
                if key in FORBIDDEN_KEYS:
                    found.append(where)
                if isinstance(child, Name) and str(child) in FORBIDDEN_NAMES:
                    found.append(f"{where}={child}")
                if isinstance(child, Dictionary | Array | Stream):
                    stack.append((where, child))
    return found


def decompressed(data: bytes) -> bytes:
    """The file re-written by qpdf with every stream decoded and no object streams, so a
    marker inside a compressed script or embedded file shows as plain bytes."""
    out = BytesIO()
    with pikepdf.open(BytesIO(data)) as pdf:
        pdf.save(
            out,
            qdf=True,
            compress_streams=False,
            stream_decode_level=pikepdf.StreamDecodeLevel.all,
            object_stream_mode=pikepdf.ObjectStreamMode.disable,
        )
    return out.getvalue()


def assert_inert(data: bytes) -> None:
    assert forbidden(data) == []
    assert MARKER.encode() not in data
    assert MARKER.encode() not in decompressed(data)


# --- The corpus ----------------------------------------------------------------------------


def _text_page(pdf: pikepdf.Pdf, text: str) -> pikepdf.Page:
    font = pdf.make_indirect(
        Dictionary(Type=Name.Font, Subtype=Name.Type1, BaseFont=Name.Helvetica)
    )
    content = Stream(pdf, f"BT /F1 14 Tf 30 150 Td ({text}) Tj ET".encode())
    pdf.pages.append(
        pikepdf.Page(
            Dictionary(
                Type=Name.Page,
                MediaBox=Array([0, 0, 300, 300]),
                Resources=Dictionary(Font=Dictionary(F1=font)),
                Contents=content,
            )
        )
    )
    return pdf.pages[-1]


def _add_image(pdf: pikepdf.Pdf, page: pikepdf.Page) -> None:
    image = Stream(pdf, bytes([200, 30, 30]) * 16)
    image.Type, image.Subtype = Name.XObject, Name.Image
    image.Width = image.Height = 4
    image.ColorSpace, image.BitsPerComponent = Name.DeviceRGB, 8
    page.Resources.XObject = Dictionary(Im1=image)
    page.contents_add(Stream(pdf, b"q 40 0 0 40 200 40 cm /Im1 Do Q"))


def benign() -> pikepdf.Pdf:
    """Two text pages (Helvetica), an image on the first, the second turned 90 degrees; on
    the first page a link to the second by explicit destination and one by named
    destination; a bookmark to the second page."""
    pdf = pikepdf.new()
    first = _text_page(pdf, PAGE_ONE)
    second = _text_page(pdf, PAGE_TWO)
    second.Rotate = 90
    _add_image(pdf, first)
    pdf.Root.Names = Dictionary(
        Dests=Dictionary(Names=Array([String("second"), Array([second.obj, Name.Fit])]))
    )
    _annotate(pdf, Dest=Array([second.obj, Name.Fit]))
    _annotate(pdf, A=Dictionary(S=Name.GoTo, D=String("second")))
    outline = pdf.make_indirect(
        Dictionary(Title=String("Page two"), Dest=Array([second.obj, Name.Fit]))
    )
    pdf.Root.Outlines = pdf.make_indirect(
        Dictionary(Type=Name.Outlines, First=outline, Last=outline, Count=1)
    )
    outline.Parent = pdf.Root.Outlines
    return pdf


def _annotate(pdf: pikepdf.Pdf, subtype: Name = Name.Link, page: int = 0, **entries) -> None:
    """An annotation (indirect, as usual) whose entries are inline dictionaries."""
    annotation = Dictionary(Type=Name.Annot, Subtype=subtype, Rect=Array([20, 20, 120, 60]))
    for key, value in entries.items():
        annotation[Name("/" + key)] = value
    target = pdf.pages[page]
    if "/Annots" not in target:
        target.Annots = Array()
    target.Annots.append(pdf.make_indirect(annotation))


def _js(extra: str = "") -> Dictionary:
    return Dictionary(S=Name.JavaScript, JS=String(f"app.alert('{MARKER}{extra}')"))


def _packed(pdf: pikepdf.Pdf, data: bytes, **entries) -> Stream:
    """A Flate-compressed stream: its content is not visible in the file's raw bytes."""
    stream = Stream(pdf, zlib.compress(data))
    stream.Filter = Name.FlateDecode
    for key, value in entries.items():
        stream[Name("/" + key)] = value
    return stream


def _filespec(pdf: pikepdf.Pdf, name: str = "notes.txt") -> Dictionary:
    payload = _packed(pdf, f"embedded {MARKER} payload".encode(), Type=Name.EmbeddedFile)
    return Dictionary(Type=Name.Filespec, F=String(name), UF=String(name), EF=Dictionary(F=payload))


def _acroform(pdf: pikepdf.Pdf) -> Dictionary:
    if "/AcroForm" not in pdf.Root:
        pdf.Root.AcroForm = Dictionary(Fields=Array())
    return pdf.Root.AcroForm


def _names(pdf: pikepdf.Pdf) -> Dictionary:
    if "/Names" not in pdf.Root:
        pdf.Root.Names = Dictionary()
    return pdf.Root.Names


def _field(pdf: pikepdf.Pdf, name: str, **entries) -> None:
    """A text field merged with its widget, shown on the first page, with a value."""
    appearance = Stream(pdf, b"/Tx BMC BT /F1 10 Tf 2 5 Td (filled) Tj ET EMC")
    appearance.Type, appearance.Subtype = Name.XObject, Name.Form
    appearance.BBox = Array([0, 0, 100, 20])
    appearance.Resources = pdf.pages[0].Resources
    widget = Dictionary(
        Type=Name.Annot,
        Subtype=Name.Widget,
        FT=Name.Tx,
        T=String(name),
        V=String("filled"),
        Rect=Array([20, 200, 120, 220]),
        P=pdf.pages[0].obj,
        AP=Dictionary(N=appearance),
    )
    for key, value in entries.items():
        widget[Name("/" + key)] = value
    widget = pdf.make_indirect(widget)
    _acroform(pdf).Fields.append(widget)
    page = pdf.pages[0]
    if "/Annots" not in page:
        page.Annots = Array()
    page.Annots.append(widget)


def _launch(pdf):
    win = Dictionary(F=String("cmd.exe"), P=String(f"/c {MARKER}"))
    _annotate(pdf, A=Dictionary(S=Name.Launch, F=String("cmd.exe"), Win=win))


def _submit_form(pdf):
    target = Dictionary(FS=Name.URL, F=String(f"https://collect.example/{MARKER}"))
    _annotate(pdf, A=Dictionary(S=Name.SubmitForm, F=target, Flags=4))


def _rich_media(pdf):
    assets = Dictionary(Names=Array([String("clip.swf"), _filespec(pdf, "clip.swf")]))
    content = Dictionary(Assets=assets, Configurations=Array())
    settings = Dictionary(Activation=Dictionary(Condition=Name.PO))
    _annotate(pdf, Name.RichMedia, RichMediaContent=content, RichMediaSettings=settings)


def _three_d(pdf):
    model = _packed(pdf, f"U3D {MARKER} model".encode(), Type=Name("/3D"), Subtype=Name.U3D)
    _annotate(pdf, Name("/3D"), **{"3DD": model, "3DA": Dictionary(A=Name.PO)})


def _xfa(pdf):
    template = _packed(pdf, f"<xdp:xdp><script>{MARKER}</script></xdp:xdp>".encode())
    _acroform(pdf).XFA = Array([String("template"), template])
    _field(pdf, "xfa-backed")


def _field_actions(pdf):
    _field(pdf, "name", A=_js("-field"), AA=Dictionary(K=_js("-keystroke"), F=_js("-format")))
    _field(pdf, "button", FT=Name.Btn, A=Dictionary(S=Name.ResetForm))


def _additional_actions(pdf):
    pdf.pages[0].AA = Dictionary(O=_js("-page-open"), C=_js("-page-close"))
    pdf.Root.AA = Dictionary(WC=_js("-will-close"), DP=_js("-did-print"))
    _annotate(pdf, Dest=Array([pdf.pages[0].obj, Name.Fit]), AA=Dictionary(E=_js("-enter")))


def _names_javascript(pdf):
    script = Dictionary(S=Name.JavaScript, JS=_packed(pdf, f"app.alert('{MARKER}')".encode()))
    _names(pdf).JavaScript = Dictionary(Names=Array([String("startup"), script]))


def _names_embedded_files(pdf):
    tree = Dictionary(Names=Array([String("notes.txt"), _filespec(pdf)]))
    _names(pdf).EmbeddedFiles = tree


def _root_af(pdf):
    spec = _filespec(pdf, "source.txt")
    spec.AFRelationship = Name.Source
    pdf.Root.AF = Array([spec])


def _open_action(pdf):
    follow = Dictionary(S=Name.Launch, F=String(f"{MARKER}.exe"))
    pdf.Root.OpenAction = Dictionary(S=Name.JavaScript, JS=String(MARKER), Next=follow)


def _goto_then_script(pdf):
    """A harmless internal link whose action chain continues with a script."""
    goto = Dictionary(S=Name.GoTo, D=Array([pdf.pages[0].obj, Name.Fit]), Next=_js("-next"))
    _annotate(pdf, A=goto)


def _stray(pdf):
    """Actions where no viewer looks for them: still nothing of them may remain."""
    pdf.pages[0].Resources.Private = Dictionary(Hook=_js("-stray"), List=Array([_js("-list")]))


def _outline_action(pdf):
    item = pdf.make_indirect(Dictionary(Title=String("Open"), A=_js("-outline")))
    pdf.Root.Outlines = pdf.make_indirect(
        Dictionary(Type=Name.Outlines, First=item, Last=item, Count=1)
    )
    item.Parent = pdf.Root.Outlines


CORPUS: dict[str, Callable[[pikepdf.Pdf], None]] = {
    "link-javascript": lambda pdf: _annotate(pdf, A=_js()),
    "launch": _launch,
    "submit-form": _submit_form,
    "import-data": lambda pdf: _annotate(
        pdf, A=Dictionary(S=Name.ImportData, F=String(f"{MARKER}.fdf"))
    ),
    "goto-remote": lambda pdf: _annotate(
        pdf, A=Dictionary(S=Name.GoToR, F=String(f"{MARKER}.pdf"), D=Array([0, Name.Fit]))
    ),
    "goto-embedded": lambda pdf: _annotate(
        pdf,
        A=Dictionary(S=Name.GoToE, F=_filespec(pdf, "inner.pdf"), D=Array([0, Name.Fit])),
    ),
    "uri": lambda pdf: _annotate(
        pdf, A=Dictionary(S=Name.URI, URI=String(f"https://tracker.example/{MARKER}"))
    ),
    "rendition": lambda pdf: _annotate(
        pdf, Name.Screen, A=Dictionary(S=Name.Rendition, OP=0, JS=String(MARKER))
    ),
    "rich-media": _rich_media,
    "3d": _three_d,
    "xfa": _xfa,
    "field-actions": _field_actions,
    "additional-actions": _additional_actions,
    "names-javascript": _names_javascript,
    "names-embedded-files": _names_embedded_files,
    "root-af": _root_af,
    "file-attachment": lambda pdf: _annotate(
        pdf, Name.FileAttachment, FS=_filespec(pdf), Contents=String("attached")
    ),
    "open-action": _open_action,
    "goto-then-script": _goto_then_script,
    "outline-action": _outline_action,
    "stray-actions": _stray,
}


def _saved(pdf: pikepdf.Pdf) -> bytes:
    out = BytesIO()
    pdf.save(out)
    return out.getvalue()


def benign_pdf() -> bytes:
    with benign() as pdf:
        return _saved(pdf)


def hostile(*kinds: str) -> bytes:
    """The benign PDF with the given kinds of active content planted (all when none given)."""
    with benign() as pdf:
        for kind in kinds or CORPUS:
            CORPUS[kind](pdf)
        return _saved(pdf)


def xfa_only() -> bytes:
    """A dynamic XFA form: no fields, one placeholder page; the real form is the XFA."""
    pdf = pikepdf.new()
    _text_page(pdf, "Please wait...")
    template = _packed(pdf, f"<xdp:xdp>{MARKER}</xdp:xdp>".encode())
    pdf.Root.AcroForm = Dictionary(Fields=Array(), XFA=template)
    pdf.Root.NeedsRendering = True
    return _saved(pdf)


# --- Tests -----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", CORPUS)
def test_the_corpus_really_carries_active_content(kind):
    original = hostile(kind)
    assert forbidden(original)
    assert MARKER.encode() in decompressed(original)


@pytest.mark.parametrize("kind", CORPUS)
def test_an_uploaded_pdf_keeps_nothing_that_acts_or_embeds(kind):
    clean = clean_upload(hostile(kind))
    assert_inert(clean.data)
    first, second = (flat(text) for text in texts(clean.data))
    assert first.startswith(PAGE_ONE)  # then what a flattened form field shows
    assert second == PAGE_TWO


def test_a_pdf_with_everything_at_once_is_stored_and_downloaded_inert(
    case_getlost, caseworker_getlost, _media_root
):
    document = services.document_upload(
        case=case_getlost,
        by=caseworker_getlost,
        document_type=DocumentType.objects.get(code="photo"),
        data=hostile(),
        original_name="scan.pdf",
    )
    assert MARKER.encode() not in stored_bytes(document)
    downloaded = services.document_read(document=document, by=caseworker_getlost)
    assert_inert(downloaded)
    assert len(texts(downloaded)) == 2


def texts(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(BytesIO(data)).pages]


def flat(text: str) -> str:
    return " ".join(text.split())


def link_targets(pdf: pikepdf.Pdf, page: int = 0) -> list[tuple[int, int]]:
    """The page objects that the links on ``page`` lead to (explicit destinations only)."""
    return [annot.Dest[0].objgen for annot in pdf.pages[page].get("/Annots", [])]


def test_a_benign_pdf_keeps_pages_text_image_rotation_and_internal_links():
    clean = clean_upload(benign_pdf()).data
    assert [flat(text) for text in texts(clean)] == [PAGE_ONE, PAGE_TWO]
    with pikepdf.open(BytesIO(clean)) as pdf:
        assert len(pdf.pages) == 2
        assert pdf.pages[1].Rotate == 90
        assert list(pdf.pages[0].get_images()) == ["/Im1"]
        second = pdf.pages[1].obj.objgen
        # The explicit and the named destination both lead to the second page.
        assert link_targets(pdf) == [second, second]
        assert pdf.Root.Outlines.First.Dest[0].objgen == second
    assert forbidden(clean) == []


def test_a_flattened_form_keeps_what_was_filled_in():
    clean = clean_upload(hostile("field-actions")).data
    assert "filled" in texts(clean)[0]


def test_an_internal_link_keeps_its_destination_but_not_what_followed_it():
    clean = clean_upload(hostile("goto-then-script")).data
    with pikepdf.open(BytesIO(clean)) as pdf:
        first = pdf.pages[0].obj.objgen
        second = pdf.pages[1].obj.objgen
        assert link_targets(pdf) == [second, second, first]


def test_a_dynamic_xfa_form_is_refused_and_nothing_is_stored(
    case_getlost, caseworker_getlost, _media_root
):
    with pytest.raises(UploadRefused) as refused:
        clean_upload(xfa_only())
    assert refused.value.message == ERR_PDF_DYNAMIC_FORM
    with pytest.raises(ValidationError) as error:
        services.document_upload(
            case=case_getlost,
            by=caseworker_getlost,
            document_type=DocumentType.objects.get(code="photo"),
            data=xfa_only(),
            original_name="form.pdf",
        )
    assert error.value.messages == [str(ERR_PDF_DYNAMIC_FORM)]
    assert not Document.objects.exists() and not DocumentChunk.objects.exists()
    assert not _media_root.exists() or not any(_media_root.iterdir())


def test_nesting_too_deep_to_check_is_refused():
    nested = Array()
    for _level in range(MAX_DEPTH + 10):
        nested = Array([nested])
    with benign() as pdf:
        pdf.pages[0].Resources.Deep = nested
        with pytest.raises(PdfRefused) as refused:
            sanitise_pdf(pdf)
    assert refused.value.message == ERR_PDF_TOO_DEEP
