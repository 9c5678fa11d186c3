"""Uploads: a corpus made here (metadata-laden images and PDF, a fake, decompression bombs).
Stored files, decrypted, carry no metadata (checked with exiftool); fakes and bombs are
refused with a clear message; large uploads never reach the disk."""

from __future__ import annotations

import json
import shutil
import subprocess
from io import BytesIO

import pikepdf
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from PIL import Image, ImageCms
from PIL.PngImagePlugin import PngInfo

from casework import envelope, services
from casework.models import Document, DocumentChunk, DocumentType
from casework.uploads import (
    ERR_BOMB,
    ERR_EMPTY,
    ERR_PDF_PASSWORD,
    ERR_TYPE,
    ERR_UNREADABLE,
    MemoryOnlyUploadHandler,
    clean_upload,
    too_large_message,
)
from tests.casework.conftest import MARKER, stored_bytes
from tests.conftest import sign_in

XMP = (
    '<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>'
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    '<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/">'
    f"<dc:creator>{MARKER}</dc:creator></rdf:Description></rdf:RDF></x:xmpmeta>"
    '<?xpacket end="w"?>'
).encode()


def _exif() -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = f"{MARKER} camera maker"  # Make
    exif[0x0131] = MARKER  # Software
    exif[0x0112] = 6  # Orientation: rotate 90 degrees to look right
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (55.0, 45.0, 21.0)
    gps[3] = "E"
    gps[4] = (37.0, 37.0, 4.0)
    return exif


def _icc() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def jpeg_with_gps_xmp_comment() -> bytes:
    out = BytesIO()
    Image.new("RGB", (64, 32), (10, 120, 200)).save(
        out,
        format="JPEG",
        exif=_exif().tobytes(),
        comment=f"{MARKER} comment".encode(),
        xmp=XMP,
        icc_profile=_icc(),
    )
    return out.getvalue()


def png_with_text_chunks() -> bytes:
    info = PngInfo()
    info.add_text("Author", MARKER)
    info.add_text("Comment", f"{MARKER} compressed", zip=True)
    info.add_itxt("Description", f"{MARKER} international", lang="ru")
    info.add_itxt("XML:com.adobe.xmp", XMP.decode())
    out = BytesIO()
    Image.new("RGBA", (20, 20), (1, 2, 3, 128)).save(
        out, format="PNG", pnginfo=info, exif=_exif().tobytes(), icc_profile=_icc()
    )
    return out.getvalue()


def webp_with_exif() -> bytes:
    out = BytesIO()
    Image.new("RGB", (30, 30), (50, 60, 70)).save(
        out, format="WEBP", exif=_exif().tobytes(), xmp=XMP, icc_profile=_icc()
    )
    return out.getvalue()


def pdf_with_metadata() -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(200, 200))
    pdf.docinfo["/Author"] = MARKER
    pdf.docinfo["/Title"] = f"{MARKER} title"
    pdf.docinfo["/Producer"] = f"{MARKER} producer"
    with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta["dc:creator"] = [MARKER]
        meta["xmp:CreatorTool"] = MARKER
    pdf.Root.OpenAction = pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS="app.alert(1)")
    out = BytesIO()
    pdf.save(out)
    return out.getvalue()


def encrypted_pdf() -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    out = BytesIO()
    pdf.save(out, encryption=pikepdf.Encryption(owner="o", user="secret"))
    return out.getvalue()


def png_bomb(size: int) -> bytes:
    out = BytesIO()
    Image.new("1", (size, size)).save(out, format="PNG")
    return out.getvalue()


HTML_AS_JPG = b"<!doctype html><html><script>alert(document.cookie)</script></html>"


def exiftool(data: bytes, tmp_path) -> dict:
    path = tmp_path / "probe.bin"
    path.write_bytes(data)
    result = subprocess.run(
        ["exiftool", "-j", "-a", "-u", "-G1", str(path)],
        capture_output=True,
        check=True,
        text=True,
    )
    [tags] = json.loads(result.stdout)
    return tags


FORBIDDEN_GROUPS = ("EXIF", "IFD0", "IFD1", "ExifIFD", "GPS", "XMP", "ICC", "Photoshop", "IPTC")
FORBIDDEN_TAGS = ("Comment", "Author", "Creator", "Producer", "Title", "Description", "Software")


def assert_no_metadata(tags: dict) -> None:
    dump = json.dumps(tags, ensure_ascii=False)
    assert MARKER not in dump
    for key in tags:
        group, _, name = key.partition(":")
        assert not group.startswith(FORBIDDEN_GROUPS), key
        assert name not in FORBIDDEN_TAGS, key


@pytest.fixture
def exiftool_present():
    from tests.conftest import require_service

    require_service(
        "exiftool", shutil.which("exiftool") is not None, "apt install libimage-exiftool-perl"
    )


@pytest.mark.parametrize(
    ("make", "content_type"),
    [
        (jpeg_with_gps_xmp_comment, "image/jpeg"),
        (png_with_text_chunks, "image/png"),
        (webp_with_exif, "image/webp"),
        (pdf_with_metadata, "application/pdf"),
    ],
)
def test_stored_files_carry_no_metadata(
    make, content_type, case_getlost, caseworker_getlost, exiftool_present, tmp_path, _media_root
):
    original = make()
    assert MARKER.encode() in original or content_type == "image/png"
    # The corpus really carries what must go (so the test cannot pass vacuously).
    before = json.dumps(exiftool(original, tmp_path), ensure_ascii=False)
    assert MARKER in before
    document = services.document_upload(
        case=case_getlost,
        by=caseworker_getlost,
        document_type=DocumentType.objects.get(code="photo"),
        data=original,
        original_name=f"{MARKER}.bin",
    )
    assert document.content_type == content_type
    stored = stored_bytes(document)
    assert stored and MARKER.encode() not in stored
    clean = envelope.read_document_file(case_id=case_getlost.pk, document=document)
    assert MARKER.encode() not in clean
    assert_no_metadata(exiftool(clean, tmp_path))


def test_images_keep_their_pixels_and_are_turned_upright():
    clean = clean_upload(jpeg_with_gps_xmp_comment())
    with Image.open(BytesIO(clean.data)) as image:
        # EXIF orientation 6 was applied before the EXIF went: 64x32 became 32x64.
        assert image.size == (32, 64)
        red, green, blue = image.getpixel((16, 32))
        assert abs(red - 10) < 8 and abs(green - 120) < 8 and abs(blue - 200) < 8
        assert not image.getexif()
        assert "icc_profile" not in image.info and "comment" not in image.info


def test_pdf_loses_document_info_xmp_and_actions():
    clean = clean_upload(pdf_with_metadata())
    with pikepdf.open(BytesIO(clean.data)) as pdf:
        assert "/Info" not in pdf.trailer
        assert "/Metadata" not in pdf.Root
        assert "/OpenAction" not in pdf.Root
        assert len(pdf.pages) == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (HTML_AS_JPG, ERR_TYPE),
        (b"GIF89a" + b"\x00" * 40, ERR_TYPE),
        (b"\xff\xd8\xff\xe0 not really a jpeg", ERR_UNREADABLE),
        (b"%PDF-1.7\n garbage", ERR_UNREADABLE),
        (png_bomb(9000), ERR_BOMB),  # 81 megapixels: Pillow's error
        (png_bomb(6500), ERR_BOMB),  # 42 megapixels: Pillow's warning, treated as an error
        (b"", ERR_EMPTY),
    ],
    ids=["html-renamed", "gif", "broken-jpeg", "broken-pdf", "bomb", "bomb-warning", "empty"],
)
def test_fakes_bombs_and_broken_files_are_refused_with_a_clear_message(
    data, message, case_getlost, caseworker_getlost, _media_root
):
    with pytest.raises(ValidationError) as refused:
        services.document_upload(
            case=case_getlost,
            by=caseworker_getlost,
            document_type=DocumentType.objects.get(code="photo"),
            data=data,
            original_name="photo.jpg",
        )
    assert refused.value.messages == [str(message)]
    assert not Document.objects.exists() and not DocumentChunk.objects.exists()
    assert not _media_root.exists() or not any(_media_root.iterdir())


def test_a_password_protected_pdf_is_refused_with_its_own_message():
    with pytest.raises(Exception) as refused:
        clean_upload(encrypted_pdf())
    assert refused.value.message == ERR_PDF_PASSWORD


def test_the_upload_page_shows_why_a_fake_was_refused(client, case_getlost, caseworker_getlost):
    sign_in(client, caseworker_getlost)
    response = client.post(
        reverse("casework:document_upload", args=[case_getlost.reference]),
        {
            "document_type": DocumentType.objects.get(code="photo").pk,
            "file": _named(HTML_AS_JPG, "passport.jpg"),
        },
    )
    assert response.status_code == 200
    assert str(ERR_TYPE) in response.context["form"].non_field_errors()
    assert not Document.objects.exists()


def _named(data: bytes, name: str) -> BytesIO:
    handle = BytesIO(data)
    handle.name = name
    return handle


def test_an_upload_above_the_limit_is_refused_and_never_written_to_disk(
    client, settings, case_getlost, caseworker_getlost, tmp_path
):
    settings.WAYPOINT_UPLOAD_MAX_BYTES = 2048
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "uploads-tmp")
    (tmp_path / "uploads-tmp").mkdir()
    sign_in(client, caseworker_getlost)
    response = client.post(
        reverse("casework:document_upload", args=[case_getlost.reference]),
        {
            "document_type": DocumentType.objects.get(code="photo").pk,
            "file": _named(b"\xff\xd8\xff" + b"x" * 5000, "scan.jpg"),
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["file"] == [too_large_message()]
    assert "2048" not in too_large_message()  # shown in MB, not bytes
    assert not Document.objects.exists()
    assert not any((tmp_path / "uploads-tmp").iterdir())


def test_uploads_between_django_s_memory_limit_and_ours_stay_in_memory(
    client, settings, case_getlost, caseworker_getlost, _media_root
):
    """A 3 MB upload (above Django's default 2.5 MB memory limit) is accepted and stored
    encrypted: only the memory handler is configured."""
    assert settings.FILE_UPLOAD_HANDLERS == ["casework.uploads.MemoryOnlyUploadHandler"]
    out = BytesIO()
    noise = Image.frombytes("RGB", (1100, 1000), (bytes(range(256)) * 12900)[:3_300_000])
    noise.save(out, format="PNG", compress_level=0)
    data = out.getvalue()
    assert len(data) > 2_621_440
    sign_in(client, caseworker_getlost)
    response = client.post(
        reverse("casework:document_upload", args=[case_getlost.reference]),
        {"document_type": DocumentType.objects.get(code="photo").pk, "file": _named(data, "a.png")},
    )
    assert response.status_code == 302
    assert Document.objects.get().content_type == "image/png"


def test_the_handler_keeps_small_files_in_memory():
    handler = MemoryOnlyUploadHandler()
    handler.new_file("file", "a.png", "image/png", None)
    handler.receive_data_chunk(b"abc", 0)
    uploaded = handler.file_complete(3)
    assert uploaded.read() == b"abc"
    assert not hasattr(uploaded, "temporary_file_path")
