"""PDF sanitising: nothing that acts, embeds or describes its author survives, wherever it sits.

``sanitise_pdf(pdf)`` changes an open pikepdf document in place; the caller saves it. qpdf
writes only what the trailer reaches, so whatever is unlinked here is gone from the output.

1. A dynamic XFA form (its pages exist only inside the program that runs it) is refused.
2. Form fields and annotations that have an appearance are flattened into the page content:
   a filled-in form or a highlight still shows, but as drawing, not as an object that acts.
3. The trailer, the catalogue and every page keep only the entries listed below (no
   /Info, /Metadata, /OpenAction, /AA, /AcroForm, /Names, /AF, /PieceInfo, thumbnails...).
4. Every object reachable from the trailer is then visited, indirect objects once each and
   direct (inline) dictionaries and arrays too, iteratively with a nesting limit:
   * keys that run, embed or describe (``REMOVED_KEYS``) are deleted wherever they are;
   * a dictionary that is an active action, an embedded file, a file specification or a
     media/form annotation is unlinked from wherever it sits;
   * an action in /A, /PA or /Next is kept only as a /GoTo to a page of this document;
   * /Annots keeps only links to a page of this document, rebuilt from a few plain entries.

Links to web addresses (/URI) are removed too: they are not active content, but a click (or a
viewer prefetching) tells a hostile site who opened the file and from where, and a document in
a deserter's case file is exactly what an adversary would plant such a beacon in.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TypeGuard

import pikepdf
from django.utils.translation import gettext_lazy as _
from pikepdf import Array, Dictionary, Name, Stream

ERR_PDF_DYNAMIC_FORM = _(
    "This PDF is a dynamic form (XFA): its pages are drawn by the program that runs it, so it "
    "cannot be checked. Print it to a new PDF, or scan it, and upload that."
)
ERR_PDF_TOO_DEEP = _(
    "This PDF is built in a way that cannot be checked safely. Print it to a new PDF, or scan "
    "it, and upload that."
)

TRAILER_KEYS = frozenset({"/Root", "/Size"})
CATALOG_KEYS = frozenset(
    {
        "/Type",
        "/Pages",
        "/Outlines",
        "/PageLabels",
        "/PageLayout",
        "/Lang",
        "/MarkInfo",
        "/StructTreeRoot",
        "/ViewerPreferences",
        "/OCProperties",
        "/Version",
    }
)
PAGE_KEYS = frozenset(
    {
        "/Type",
        "/Parent",
        "/Resources",
        "/MediaBox",
        "/CropBox",
        "/BleedBox",
        "/TrimBox",
        "/ArtBox",
        "/Contents",
        "/Rotate",
        "/Group",
        "/Annots",
        "/StructParents",
        "/Tabs",
        "/UserUnit",
    }
)
# Deleted from every dictionary and stream: scripts, additional and opening actions, form
# programs, embedded and attached files, rich media and 3D, web addresses, references to
# content in other files, and metadata (/Usage of a layer names its creator and audience).
REMOVED_KEYS = frozenset(
    {
        "/AA",
        "/JS",
        "/JavaScript",
        "/OpenAction",
        "/XFA",
        "/EmbeddedFiles",
        "/AF",
        "/EF",
        "/RF",
        "/FS",
        "/RichMediaContent",
        "/RichMediaSettings",
        "/3DD",
        "/3DA",
        "/3DV",
        "/Movie",
        "/Sound",
        "/URI",
        "/Ref",
        "/OPI",
        "/Metadata",
        "/PieceInfo",
        "/LastModified",
        "/Thumb",
        "/Usage",
    }
)
# A stream whose data lives in another file (or on the web).
STREAM_FILE_KEYS = ("/F", "/FFilter", "/FDecodeParms")
# Every action type but /GoTo: unlinked wherever a dictionary of this type turns up.
ACTIVE_ACTIONS = frozenset(
    {
        "/JavaScript",
        "/ECMAScript",
        "/Launch",
        "/SubmitForm",
        "/ResetForm",
        "/ImportData",
        "/GoToR",
        "/GoToE",
        "/GoToDp",
        "/GoTo3DView",
        "/RichMediaExecute",
        "/Rendition",
        "/Sound",
        "/Movie",
        "/Hide",
        "/Named",
        "/SetOCGState",
        "/Thread",
        "/Trans",
        "/URI",
    }
)
REMOVED_TYPES = frozenset({"/Filespec", "/EmbeddedFile", "/Action", "/Sig"})
REMOVED_SUBTYPES = frozenset(
    {"/FileAttachment", "/RichMedia", "/3D", "/Screen", "/Movie", "/Sound", "/Widget"}
)
ACTION_KEYS = frozenset({"/A", "/PA", "/Next"})
LINK_KEYS = ("/Border", "/BS", "/C", "/H", "/QuadPoints", "/F")
# Direct objects nested deeper than this are refused: qpdf's parser stops at 500 levels, so
# only a document built in memory gets here, and no sensible one does.
MAX_DEPTH = 500


class PdfRefused(Exception):
    """The PDF cannot be sanitised safely; ``message`` says why, for the person uploading."""

    def __init__(self, message) -> None:
        self.message = message
        super().__init__("pdf refused")


def sanitise_pdf(pdf: pikepdf.Pdf) -> None:
    """Removes, in place, everything that acts, embeds or describes (see the module's notes).
    Raises PdfRefused, having changed nothing, for a dynamic XFA form. One pass over every
    object; flattening renders each annotation's appearance once."""
    _refuse_dynamic_forms(pdf)
    destinations = _Destinations(pdf)
    if "/AcroForm" in pdf.Root:
        # Values without an appearance of their own (NeedAppearances) get one, so flattening
        # keeps them on the page.
        pdf.generate_appearance_streams()
    pdf.flatten_annotations("all")
    _keep_only(pdf.trailer, TRAILER_KEYS)
    _keep_only(pdf.Root, CATALOG_KEYS)
    for page in pdf.pages:
        _keep_only(page.obj, PAGE_KEYS)
    _Walk(pdf, destinations).run(pdf.trailer)


def _refuse_dynamic_forms(pdf: pikepdf.Pdf) -> None:
    form = pdf.Root.get("/AcroForm")
    if not isinstance(form, Dictionary) or "/XFA" not in form:
        return
    fields = form.get("/Fields")
    if pdf.Root.get("/NeedsRendering") or not isinstance(fields, Array) or len(fields) == 0:
        raise PdfRefused(ERR_PDF_DYNAMIC_FORM)


def _keep_only(obj: pikepdf.Object, keys: frozenset[str]) -> None:
    for key in list(obj.keys()):
        if key not in keys:
            del obj[key]


def _is_object(value: object) -> TypeGuard[Dictionary | Stream]:
    return isinstance(value, Dictionary | Stream)


def _name(obj: pikepdf.Object, key: str) -> str | None:
    value = obj.get(key)
    return str(value) if isinstance(value, Name) else None


def _is_active(value) -> bool:
    """An action other than /GoTo, an embedded file or its specification, or an annotation
    that plays media, holds a file or is a form field."""
    if not _is_object(value):
        return False
    return (
        _name(value, "/S") in ACTIVE_ACTIONS
        or _name(value, "/Type") in REMOVED_TYPES
        or _name(value, "/Subtype") in REMOVED_SUBTYPES
    )


class _Destinations:
    """Resolves a destination (explicit, or named in /Names /Dests or the older /Dests) to
    an explicit one on a page of this document, or None. Read before the catalogue loses
    /Names; a lookup costs one name-tree search."""

    def __init__(self, pdf: pikepdf.Pdf) -> None:
        self.pages = {page.obj.objgen for page in pdf.pages}
        names = pdf.Root.get("/Names")
        tree = names.get("/Dests") if isinstance(names, Dictionary) else None
        self.tree = pikepdf.NameTree(tree) if isinstance(tree, Dictionary) else None
        legacy = pdf.Root.get("/Dests")
        self.legacy = legacy if isinstance(legacy, Dictionary) else None

    def _named(self, name):
        try:
            if isinstance(name, pikepdf.String) and self.tree is not None:
                return self.tree.get(str(name))
            if isinstance(name, Name) and self.legacy is not None:
                return self.legacy.get(name)
        except (KeyError, ValueError, pikepdf.PdfError):
            return None
        return None

    def resolve(self, dest) -> Array | None:
        if isinstance(dest, pikepdf.String | Name):
            dest = self._named(dest)
        if isinstance(dest, Dictionary):
            dest = dest.get("/D")
        if not isinstance(dest, Array) or len(dest) == 0:
            return None
        page = dest[0]
        if not isinstance(page, Dictionary) or page.objgen not in self.pages:
            return None
        view = [
            item
            for item in list(dest)[1:6]
            if item is None or isinstance(item, int | Decimal | float | Name)
        ]
        return Array([page, *view])


class _Walk:
    """One pass over the object graph from the trailer (see the module's notes, step 4)."""

    def __init__(self, pdf: pikepdf.Pdf, destinations: _Destinations) -> None:
        self.pdf = pdf
        self.destinations = destinations

    def run(self, root: pikepdf.Object) -> None:
        seen: set[tuple[int, int]] = set()
        stack: list[tuple[pikepdf.Object, int]] = [(root, 0)]
        while stack:
            obj, depth = stack.pop()
            if obj.is_indirect:
                if obj.objgen in seen:
                    continue
                seen.add(obj.objgen)
                depth = 0
            elif depth > MAX_DEPTH:
                raise PdfRefused(ERR_PDF_TOO_DEEP)
            children: list[pikepdf.Object | None]
            if isinstance(obj, Array):
                self.clean_array(obj)
                children = list(obj)
            else:
                self.clean_dictionary(obj)
                children = [obj.get(key) for key in obj.keys()]
            stack.extend(
                (child, depth + 1)
                for child in children
                if isinstance(child, Array) or _is_object(child)
            )

    def clean_array(self, array: Array) -> None:
        for index in reversed(range(len(array))):
            if _is_active(array[index]):
                del array[index]

    def clean_dictionary(self, obj: pikepdf.Object) -> None:
        is_stream = isinstance(obj, Stream)
        for key in list(obj.keys()):
            if key in REMOVED_KEYS or (is_stream and key in STREAM_FILE_KEYS):
                del obj[key]
                continue
            value = obj.get(key)
            if key in ACTION_KEYS:
                replacement = self.action(value)
            elif key == "/Dest":
                replacement = self.destinations.resolve(value)
            elif key == "/Annots":
                replacement = self.annotations(value)
            elif _is_active(value):
                replacement = None
            else:
                continue
            if replacement is None:
                del obj[key]
            elif replacement is not value:
                obj[key] = replacement

    def action(self, value):
        """A /GoTo to a page of this document, rebuilt without what follows it (/Next); a
        dictionary without /S as it is (/A of a structure element holds attributes, not an
        action); None for anything else. An array (of /Next) keeps its /GoTo actions."""
        if isinstance(value, Array):
            kept = [self.action(item) for item in value if _is_object(item)]
            kept = [item for item in kept if item is not None]
            return Array(kept) if kept else None
        if not _is_object(value):
            return None
        if "/S" not in value:
            return value
        if _name(value, "/S") != "/GoTo":
            return None
        dest = self.destinations.resolve(value.get("/D"))
        return None if dest is None else Dictionary(S=Name.GoTo, D=dest)

    def annotations(self, value) -> Array | None:
        """Only links to a page of this document, each rebuilt: whatever else the annotation
        carried (actions, additional actions, author, dates) stays behind."""
        if not isinstance(value, Array):
            return None
        links = [self.link(annotation) for annotation in value]
        links = [link for link in links if link is not None]
        return Array(links) if links else None

    def link(self, annotation) -> Dictionary | None:
        if not _is_object(annotation) or _name(annotation, "/Subtype") != "/Link":
            return None
        rect = annotation.get("/Rect")
        if not isinstance(rect, Array) or len(rect) != 4:
            return None
        dest: pikepdf.Object | None
        if "/Dest" in annotation:
            dest = self.destinations.resolve(annotation.get("/Dest"))
        else:
            action = self.action(annotation.get("/A"))
            dest = action.get("/D") if _is_object(action) and "/S" in action else None
        if dest is None:
            return None
        link = Dictionary(Type=Name.Annot, Subtype=Name.Link, Rect=rect, Dest=dest)
        for key in LINK_KEYS:
            if key in annotation:
                link[key] = annotation.get(key)
        return self.pdf.make_indirect(link)
