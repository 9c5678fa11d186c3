"""Uploads: kept in memory only, checked by decoding, cleaned of metadata.

* ``MemoryOnlyUploadHandler`` (the only entry of FILE_UPLOAD_HANDLERS) keeps each uploaded
  file in memory up to WAYPOINT_UPLOAD_MAX_BYTES and skips a larger one (its bytes are read and
  discarded, never stored) so the view can say why. No temporary file is ever written. The
  reverse proxy should also cap the request body (deploy/).
* ``clean_upload`` accepts JPEG, PNG, WebP and PDF by their content, never by name or the
  browser's content type. Images are decoded and rebuilt from their pixels (EXIF, GPS, XMP,
  comments, ICC profiles and text chunks are gone; EXIF orientation is applied first so the
  photo still looks right); decompression bombs are refused. PDFs are parsed, sanitised by
  ``casework.pdf.sanitise_pdf`` (no document info or XMP, nothing that acts or embeds,
  wherever it sits; forms flattened; dynamic XFA forms refused) and re-written.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from io import BytesIO
from typing import NoReturn

from django.conf import settings
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps

ERR_TOO_LARGE = _(
    "The file is too large. Files up to %(limit)s MB can be uploaded: send a smaller scan or photo."
)
ERR_TYPE = _(
    "Only JPEG, PNG or WebP images and PDF documents can be uploaded. This file is none of "
    "them (it was checked by its content, not its name)."
)
ERR_UNREADABLE = _(
    "The file could not be read. It may be damaged; try saving or scanning it again."
)
ERR_BOMB = _(
    "The image has too many pixels to be processed safely. Send a photo or scan at a lower "
    "resolution."
)
ERR_PDF_PASSWORD = _(
    "This PDF is protected by a password. Remove the password and upload it again."
)
ERR_EMPTY = _("The file is empty.")

# Pillow's own guard: above this many pixels a warning (which we treat as an error), above
# twice as many an error. A 40-megapixel phone photo passes; a 20000 x 20000 bomb does not.
MAX_IMAGE_PIXELS = 40_000_000
Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS

JPEG, PNG, WEBP, PDF = "image/jpeg", "image/png", "image/webp", "application/pdf"
PIL_FORMATS = {JPEG: "JPEG", PNG: "PNG", WEBP: "WEBP"}


class UploadRefused(Exception):
    """The upload is not accepted; ``message`` says why, for the person uploading."""

    def __init__(self, message) -> None:
        self.message = message
        super().__init__("upload refused")


def upload_limit() -> int:
    return int(settings.WAYPOINT_UPLOAD_MAX_BYTES)


def too_large_message() -> str:
    return ERR_TOO_LARGE % {"limit": max(1, upload_limit() // (1024 * 1024))}


class MemoryOnlyUploadHandler(FileUploadHandler):
    """Keeps uploaded files in memory up to WAYPOINT_UPLOAD_MAX_BYTES; never writes to disk.

    A larger file is skipped (its remaining bytes are read and dropped) and its field name is
    added to ``request.uploads_too_large``, so the view can show a clear message.
    """

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        self.buffer: BytesIO | None = BytesIO()
        if self.content_length is not None and self.content_length > upload_limit():
            self._refuse()

    def _refuse(self) -> NoReturn:
        self.buffer = None
        if self.request is not None:
            refused = getattr(self.request, "uploads_too_large", None)
            if refused is None:
                refused = set()
                # Read back by the upload views; HttpRequest has no such attribute declared.
                self.request.uploads_too_large = refused  # type: ignore[attr-defined]
            refused.add(self.field_name)
        raise SkipFile

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        if self.buffer is None or start + len(raw_data) > upload_limit():
            self._refuse()
        self.buffer.write(raw_data)
        return None

    def file_complete(self, file_size: int) -> InMemoryUploadedFile | None:
        if self.buffer is None:
            return None
        self.buffer.seek(0)
        return InMemoryUploadedFile(
            file=self.buffer,
            field_name=self.field_name,
            name=self.file_name,
            content_type=self.content_type,
            size=file_size,
            charset=self.charset,
            content_type_extra=self.content_type_extra,
        )


@dataclass(frozen=True)
class CleanFile:
    data: bytes
    content_type: str


def sniff(data: bytes) -> str | None:
    """The type announced by the file's first bytes (then confirmed by decoding)."""
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WEBP
    if data.startswith(b"%PDF-"):
        return PDF
    return None


def clean_upload(data: bytes) -> CleanFile:
    """The cleaned file, or UploadRefused with a message for the person uploading."""
    if not data:
        raise UploadRefused(ERR_EMPTY)
    if len(data) > upload_limit():
        raise UploadRefused(too_large_message())
    kind = sniff(data)
    if kind is None:
        raise UploadRefused(ERR_TYPE)
    if kind == PDF:
        return CleanFile(_clean_pdf(data), PDF)
    return CleanFile(_clean_image(data, kind), kind)


def _rebuild(image: Image.Image) -> Image.Image:
    """A new image made only of the decoded pixels: nothing of the original's metadata can
    come along (Image.save would keep a JPEG comment, for one)."""
    image = ImageOps.exif_transpose(image) or image
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )
    mode = "RGBA" if has_alpha else "RGB"
    pixels = image.convert(mode)
    return Image.frombytes(mode, pixels.size, pixels.tobytes())


def _clean_image(data: bytes, kind: str) -> bytes:
    fmt = PIL_FORMATS[kind]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(BytesIO(data), formats=[fmt]) as image:
                width, height = image.size
                if width * height > MAX_IMAGE_PIXELS:
                    raise UploadRefused(ERR_BOMB)
                image.seek(0)  # animated images: the first frame only
                image.load()
                clean = _rebuild(image)
    except UploadRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UploadRefused(ERR_BOMB) from None
    except Exception:  # noqa: BLE001 - Pillow raises many types for broken files
        raise UploadRefused(ERR_UNREADABLE) from None
    out = BytesIO()
    if kind == JPEG:
        clean.convert("RGB").save(out, format="JPEG", quality=90, optimize=True)
    elif kind == PNG:
        clean.save(out, format="PNG", optimize=True)
    else:
        clean.save(out, format="WEBP", quality=90)
    return out.getvalue()


def _clean_pdf(data: bytes) -> bytes:
    # Imported here: loading qpdf costs time and logs a line at start-up.
    import pikepdf

    from casework.pdf import PdfRefused, sanitise_pdf

    try:
        with pikepdf.open(BytesIO(data)) as pdf:
            if len(pdf.pages) == 0:
                raise UploadRefused(ERR_UNREADABLE)
            sanitise_pdf(pdf)
            out = BytesIO()
            # deterministic_id: the original /ID could link the file to the device that made it.
            pdf.save(out, deterministic_id=True, fix_metadata_version=False, compress_streams=False)
    except UploadRefused:
        raise
    except PdfRefused as refused:
        raise UploadRefused(refused.message) from None
    except pikepdf.PasswordError:
        raise UploadRefused(ERR_PDF_PASSWORD) from None
    except Exception:  # noqa: BLE001 - qpdf raises several types for broken files
        raise UploadRefused(ERR_UNREADABLE) from None
    return out.getvalue()
