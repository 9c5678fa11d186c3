"""The per-case envelope: the only module of casework that calls the vault.

Scheme
------
* Every case has one random 256-bit **data key per section** (identity, contact, location,
  legal, testimony, documents, notes: casework.sections). A data key is stored only
  **wrapped** by the vault's newest key-encryption key (``vault.seal``), in ``CaseKey``, with
  the KEK's id; the wrap's associated data is ``waypoint.casekey.v1:<case id>:<section>``, so a
  wrapped key copied to another case or section does not open.
* A **sealed field** (casework.fields.SealedField) holds ``vault.seal_with_key(data key,
  value)`` with associated data ``waypoint.field.v1:<model label>:<field>:<row id>:<section>``:
  a ciphertext copied to another row, field or case, a flipped byte, or plaintext written into
  the column fails to open. Every such failure **fails closed**: a security event on the
  ``waypoint.security`` logger (ids only, never bytes), and ``SealedDataUnreadable``, which
  casework views turn into a calm error page. Nothing is ever shown as-is. Values are encoded
  before sealing: text as UTF-8, long non-ASCII text as UTF-16 with its byte-order mark
  (``_encode_text``), dates as ISO text, lists as JSON.
* **Documents** are encrypted in 64 KiB chunks under the documents data key, each chunk's
  associated data binding the document id, the chunk index and a final-chunk flag, so chunks
  cannot be reordered, swapped between files or cut off the end.
* Unwrapped data keys live only in memory, in a per-request (or per-task) ``key_scope()``,
  and are dropped when it ends; never in Django's cache. Outside a scope a key is unwrapped
  for each use and not kept.
* **Access is enforced at the key**: a scope bound to a user (``key_scope(user=...)``, which
  every case page opens) asks casework.selectors.section_refusal before handing out any
  section's key, cached or not, and raises ``KeyRefused`` when the user may not open that
  section. A template or view that asks for a section it was not granted gets no plaintext.
  Scopes without a user (management commands, system tasks) are trusted code paths.
* **Rotation** (``rewrap_batch``) re-wraps data keys under the newest KEK; content is never
  re-encrypted. **Shredding** (``shred_section``) overwrites the wrapped key: the section is
  then unreadable everywhere, including in backups once the KEK that wrapped the old copy is
  retired from the keyring.
* **Blind indexes** (``blind_index``) are HMAC-SHA256, truncated to 16 bytes, under a key
  derived per organisation and kind (``vault.derive_key("blind-index:<org>:<kind>")``), of a
  normalised value; exact match only. Normalisation (``normalise``):

  - legal name: Unicode NFKD, combining marks dropped (so ``ё`` = ``е``, ``й`` = ``и``,
    ``é`` = ``e``), case-folded, every run of non-letters and non-digits (spaces, hyphens,
    dots) made one space, trimmed. Word order matters. "Иванов Иван" = "иванов  иван".
  - date of birth: ISO ``YYYY-MM-DD``.
  - phone: digits only; a leading international ``00`` dropped; a Russian trunk prefix
    (11 digits starting with 8) becomes country code 7. At least 7 digits.
  - passport number: letters and digits only, upper case.
"""

from __future__ import annotations

import codecs
import hashlib
import hmac
import json
import logging
import os
import re
import struct
import unicodedata
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

import vault
from casework.fields import DATE, LIST, TEXT, SealedField
from casework.sections import SECTIONS, Section
from vault.aead import key_id_of

security_log = logging.getLogger("waypoint.security")

WRAP_AAD = "waypoint.casekey.v1:{case}:{section}"
FILE_AAD = "waypoint.file.v1:{document}:{index}:{final}"
FILE_MAGIC = b"WPF1"
FILE_CHUNK = 64 * 1024
INDEX_BYTES = 16
STORAGE_NAME_RE = re.compile(r"[0-9a-f]{32}")


class SealedDataError(Exception):
    """Base of the envelope's errors."""


class SealedDataUnreadable(SealedDataError):
    """Sealed data failed to open (tampered, moved, corrupted or a key is missing).

    The message is fixed and says nothing about the data."""

    def __init__(self) -> None:
        super().__init__("sealed case data could not be opened")


class KeyRefused(SealedDataError):
    """The acting user holds no grant for the section: its key is not unwrapped."""

    def __init__(self, section: str) -> None:
        self.section = section
        super().__init__(f"no grant for section {section}")


class SectionShredded(SealedDataError):
    """The section's data key was destroyed: its content is gone for good."""

    def __init__(self, section: str) -> None:
        self.section = section
        super().__init__(f"section {section} was shredded")


# --- Keys in memory -------------------------------------------------------------------------


class _Scope:
    """One request's or task's unwrapped data keys, by (case id as an integer, section).

    ``keys`` holds every key unwrapped in the scope; ``ready`` the ones the scope's user was
    checked for (all of them when the scope has no user). Only ``ready`` is handed out without
    a further check. ``allowed`` holds, per case, the sections the user's grants opened when
    first checked (all sections are checked at once: the grant queries do not depend on the
    section)."""

    __slots__ = ("allowed", "keys", "ready", "user")

    def __init__(self, user: Any) -> None:
        self.user = user
        self.keys: dict[tuple[int, str], vault.DataKey] = {}
        self.ready: dict[tuple[int, str], vault.DataKey] = {}
        self.allowed: dict[int, set[str]] = {}

    def clear(self) -> None:
        self.keys.clear()
        self.ready.clear()
        self.allowed.clear()


_scope: ContextVar[_Scope | None] = ContextVar("casework_key_scope", default=None)


@contextmanager
def key_scope(*, user: Any = None) -> Iterator[None]:
    """Keeps unwrapped data keys in memory until the block ends (one request or task), then
    drops them. Nested scopes share the outermost one. With ``user``, every key handed out is
    checked against that user's grants (KeyRefused otherwise)."""
    if _scope.get() is not None:
        yield
        return
    scope = _Scope(user)
    token = _scope.set(scope)
    try:
        yield
    finally:
        scope.clear()
        _scope.reset(token)


def _check_grant(scope: _Scope | None, case_id: uuid.UUID, section: str) -> None:
    """Raises KeyRefused unless the scope's user may open the section (no user: trusted).
    The first check of a case in the scope asks for every section at once (up to five
    queries); a section refused then is asked again, in case a grant came since."""
    if scope is None or scope.user is None:
        return
    allowed = scope.allowed.get(case_id.int)
    if allowed is not None and section in allowed:
        return
    from casework.models import Case
    from casework.selectors import section_refusals

    case = Case.objects.filter(pk=case_id).only("id", "organisation_id", "verified_by_id").first()
    if case is not None:
        refusals = section_refusals(user=scope.user, case=case, sections=SECTIONS)
        allowed = scope.allowed[case_id.int] = {s for s, r in refusals.items() if r is None}
    if case is None or section not in allowed:
        security_event("key_refused", case=case_id, section=section)
        raise KeyRefused(section)


def security_event(reason: str, **ids: Any) -> None:
    """Logs a refused opening with ids only (never values, never bytes)."""
    detail = " ".join(f"{name}={value}" for name, value in sorted(ids.items()))
    security_log.error("casework.sealed_data_rejected reason=%s %s", reason, detail)


def _wrap_aad(case_id: uuid.UUID, section: str) -> bytes:
    return WRAP_AAD.format(case=case_id, section=section).encode("ascii")


def _as_uuid(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def create_case_keys(*, case_id: uuid.UUID) -> None:
    """Generates and stores (wrapped) one data key per section. Call inside the transaction
    that creates the case. One INSERT."""
    from casework.models import CaseKey

    case_id = _as_uuid(case_id)
    scope = _scope.get()
    rows = []
    for section in SECTIONS:
        key = vault.new_data_key()
        wrapped = vault.seal(key, aad=_wrap_aad(case_id, section))
        kek_id = key_id_of(wrapped)
        rows.append(CaseKey(case_id=case_id, section=section, wrapped_key=wrapped, kek_id=kek_id))
        if scope is not None:
            # The creator seals the first content before being assigned, in this scope.
            scope.keys[case_id.int, section] = scope.ready[case_id.int, section] = vault.DataKey(
                key
            )
    CaseKey.objects.bulk_create(rows)


def data_key(case_id: uuid.UUID, section: str) -> vault.DataKey:
    """The section's unwrapped data key: from the scope's memory, else one query and one
    AES-GCM opening. Raises KeyRefused, SectionShredded or SealedDataUnreadable."""
    return Envelope(case_id).data_key(section)


def _load_key(scope: _Scope | None, case_id: uuid.UUID, section: str) -> vault.DataKey:
    """Checks the grant, then takes the key the scope holds or unwraps it (one query)."""
    from casework.models import CaseKey

    _check_grant(scope, case_id, section)
    pair = (case_id.int, section)
    key = scope.keys.get(pair) if scope is not None else None
    if key is None:
        row = (
            CaseKey.objects.filter(case_id=case_id, section=section)
            .values_list("wrapped_key", "shredded_at")
            .first()
        )
        if row is None:
            security_event("missing_key", case=case_id, section=section)
            raise SealedDataUnreadable
        wrapped, shredded_at = row
        if shredded_at is not None:
            raise SectionShredded(section)
        try:
            key = vault.DataKey(vault.open(bytes(wrapped), aad=_wrap_aad(case_id, section)))
        except (vault.DecryptionError, ValueError):
            security_event("key_unwrap_failed", case=case_id, section=section)
            raise SealedDataUnreadable from None
    if scope is not None:
        scope.keys[pair] = scope.ready[pair] = key
    return key


def is_shredded(*, case_id: uuid.UUID, section: str) -> bool:
    from casework.models import CaseKey

    return CaseKey.objects.filter(
        case_id=case_id, section=section, shredded_at__isnull=False
    ).exists()


def shredded_sections(*, case_id: uuid.UUID) -> set[str]:
    """The sections of the case whose keys were destroyed. One query."""
    from casework.models import CaseKey

    return set(
        CaseKey.objects.filter(case_id=case_id, shredded_at__isnull=False).values_list(
            "section", flat=True
        )
    )


# --- Sealed fields --------------------------------------------------------------------------


# Long non-ASCII text is stored as UTF-16 with its byte-order mark (0xFF 0xFE, or 0xFE 0xFF on
# a big-endian machine); other text as UTF-8. Neither byte ever occurs in UTF-8, so the two
# cannot be confused. For Cyrillic, UTF-16 is as long as UTF-8 and four times faster to encode
# and decode: on a long testimony UTF-8 cost more than the AES-GCM call. Below UTF16_FROM
# characters UTF-8 is the faster of the two. Values written before the mark was two bytes
# (0xFF and UTF-16-LE, so of odd length) still read.
UTF16_FROM = 256


def _encode_text(value: Any) -> bytes:
    if type(value) is not str:
        if value is None:
            return b""
        if not isinstance(value, str):
            raise TypeError("takes text")
    if len(value) < UTF16_FROM or value.isascii():
        return value.encode()
    return value.encode("utf-16")


def _decode_text(raw: bytes) -> str:
    if raw and raw[0] >= 0xFE:  # 0xFE or 0xFF: UTF-16
        # Strict and final: a lone surrogate or a cut-off unit raises UnicodeDecodeError.
        if len(raw) & 1:
            if raw[0] != 0xFF:
                raise ValueError("not UTF-16")
            return codecs.utf_16_le_decode(raw[1:], "strict", True)[0]
        if raw[:2] not in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
            raise ValueError("no byte-order mark")
        return codecs.utf_16_decode(raw, "strict", True)[0]
    return raw.decode()


def _encode_date(value: Any) -> bytes:
    if value is None:
        return b""
    if not isinstance(value, date):
        raise TypeError("takes a date")
    return value.isoformat().encode("ascii")


def _decode_date(raw: bytes) -> date | None:
    return date.fromisoformat(raw.decode("ascii")) if raw else None


def _encode_list(value: Any) -> bytes:
    value = list(value or [])
    if not all(isinstance(item, str) for item in value):
        raise TypeError("takes a list of text")
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _decode_list(raw: bytes) -> list[str]:
    value = json.loads(raw.decode("utf-8"))
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    raise ValueError("wrong type")


def _nothing() -> None:
    return None


# How each codec turns a value into bytes and back, and makes the value of a field never
# sealed. Decoders raise ValueError (UnicodeDecodeError included) on anything malformed.
_CODECS: dict[str, tuple[Callable[[Any], bytes], Callable[[bytes], Any], Callable[[], Any]]] = {
    TEXT: (_encode_text, _decode_text, str),
    DATE: (_encode_date, _decode_date, _nothing),
    LIST: (_encode_list, _decode_list, list),
}


class _Sealed(NamedTuple):
    """What sealing one field of one model needs, worked out once per (model, field)."""

    field: SealedField
    attname: str
    section: str
    owner: str  # the attribute holding the row's case id
    pk: str  # the attribute holding the row's primary key
    aad_head: bytes  # b"waypoint.field.v1:<model label>:<field>:"
    aad_tail: bytes  # b":<section>"
    encode: Callable[[Any], bytes]
    decode: Callable[[bytes], Any]
    empty: Callable[[], Any]


_sealed_fields: dict[tuple[type[models.Model], str], _Sealed] = {}


def _sealed(obj: models.Model, name: str) -> _Sealed:
    meta = obj._meta
    field = meta.get_field(name)
    if not isinstance(field, SealedField):
        raise TypeError(f"{meta.label}.{name} is not a sealed field")
    encode, decode, empty = _CODECS[field.codec]
    # waypoint.field.v1:<model label>:<field>:<row id>:<section> (see the module docstring).
    sealed = _Sealed(
        field=field,
        attname=field.attname,
        section=field.section,
        owner=meta.pk.attname if meta.label_lower == "casework.case" else "case_id",
        pk=meta.pk.attname,
        aad_head=f"waypoint.field.v1:{meta.label_lower}:{field.name}:".encode(),
        aad_tail=f":{field.section}".encode(),
        encode=encode,
        decode=decode,
        empty=empty,
    )
    _sealed_fields[type(obj), name] = sealed
    return sealed


class Envelope:
    """Seals and opens the sealed fields of one case's rows.

    ``Envelope(case_id).seal(person, "legal_name", "Иванов Иван")`` sets the column;
    ``.open(person, "legal_name")`` gives the value back or raises SealedDataUnreadable /
    SectionShredded. Each call costs one AES-GCM operation, plus one query and one unwrap
    per section the first time in a key_scope.
    """

    def __init__(self, case_id: uuid.UUID) -> None:
        self.case_id = _as_uuid(case_id)
        self._case_int = self.case_id.int
        # The last row's id and its text in the associated data: a row's fields are usually
        # sealed or opened one after another.
        self._row: tuple[Any, bytes] = (None, b"")

    def _target(self, obj: models.Model, name: str) -> tuple[_Sealed, bytes | None]:
        """The field and the associated data of this row's value (None while the row has no
        primary key). ValueError for a row of another case."""
        sealed = _sealed_fields.get((type(obj), name)) or _sealed(obj, name)
        # The loaded value straight from the instance (the foreign key's descriptor costs more
        # than this whole check; it is needed only when the column was deferred), compared as
        # 128-bit integers (UUID equality runs as Python code).
        owner = obj.__dict__.get(sealed.owner)
        if owner is None:
            owner = getattr(obj, sealed.owner)
        if getattr(owner, "int", None) != self._case_int:
            raise ValueError("this row belongs to another case")
        pk = getattr(obj, sealed.pk)
        if pk is None:
            return sealed, None
        last_pk, row_id = self._row
        if pk is not last_pk:
            row_id = str(pk).encode()
            self._row = (pk, row_id)
        return sealed, sealed.aad_head + row_id + sealed.aad_tail

    def data_key(self, section: str) -> vault.DataKey:
        """The section's key, from the scope when it holds it for this user (one dict lookup:
        this runs for every field sealed or opened), else through _load_key."""
        scope = _scope.get()
        if scope is not None:
            key = scope.ready.get((self._case_int, section))
            if key is not None:
                return key
        return _load_key(scope, self.case_id, section)

    def seal(self, obj: models.Model, name: str, value: Any) -> None:
        sealed, aad = self._target(obj, name)
        if aad is None:
            raise ValueError("a row needs its primary key before anything is sealed into it")
        try:
            raw = sealed.encode(value)
        except TypeError as error:
            raise TypeError(f"{sealed.field.name} {error}") from None
        setattr(obj, sealed.attname, self.data_key(sealed.section).seal(raw, aad))

    def seal_many(self, obj: models.Model, values: dict[str, Any]) -> None:
        for name, value in values.items():
            self.seal(obj, name, value)

    def open(self, obj: models.Model, name: str) -> Any:  # noqa: A003 - the envelope's verb
        sealed, aad = self._target(obj, name)
        raw = getattr(obj, sealed.attname)
        if raw is None:
            # Never sealed (a row created before the field existed): empty, not an error.
            return sealed.empty()
        key = self.data_key(sealed.section)
        try:
            if aad is None:
                raise vault.DecryptionError
            return sealed.decode(key.open(raw, aad))
        except (vault.DecryptionError, ValueError):
            security_event(
                "field_unreadable",
                case=self.case_id,
                section=sealed.section,
                model=obj._meta.label_lower,
                field=sealed.field.name,
                row=obj.pk,
            )
            raise SealedDataUnreadable from None

    def open_many(self, obj: models.Model, names: list[str] | tuple[str, ...]) -> dict[str, Any]:
        return {name: self.open(obj, name) for name in names}


def sealed_field_names(model: type[models.Model], section: str | None = None) -> list[str]:
    return [
        f.name
        for f in model._meta.get_fields()
        if isinstance(f, SealedField) and (section is None or f.section == section)
    ]


# --- Blind indexes ----------------------------------------------------------------------------


class IndexKind(models.TextChoices):
    NAME = "name", "legal name"
    BIRTH_DATE = "birth_date", "date of birth"
    PHONE = "phone", "phone"
    PASSPORT = "passport", "passport number"


_NOT_WORD = re.compile(r"[^\w]+|_+")


def normalise(kind: str, value: Any) -> str:
    """The normalised form of a search value (see the module docstring); "" if nothing is left."""
    if value is None:
        return ""
    if kind == IndexKind.BIRTH_DATE:
        if isinstance(value, date):
            return value.isoformat()
        try:
            return date.fromisoformat(str(value).strip()).isoformat()
        except ValueError:
            return ""
    text = str(value)
    if kind == IndexKind.NAME:
        decomposed = unicodedata.normalize("NFKD", text)
        stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
        return _NOT_WORD.sub(" ", stripped.casefold()).strip()
    if kind == IndexKind.PHONE:
        digits = "".join(ch for ch in unicodedata.normalize("NFKC", text) if ch.isdigit())
        digits = digits.encode("ascii", "ignore").decode("ascii")
        if digits.startswith("00"):
            digits = digits[2:]
        if len(digits) == 11 and digits.startswith("8"):
            digits = "7" + digits[1:]
        return digits if len(digits) >= 7 else ""
    if kind == IndexKind.PASSPORT:
        return "".join(ch for ch in unicodedata.normalize("NFKC", text).upper() if ch.isalnum())
    raise ValueError(f"unknown index kind {kind!r}")


def blind_index(*, organisation_id: uuid.UUID, kind: str, value: Any) -> bytes | None:
    """The 16-byte blind index of ``value`` for that organisation, or None when the value
    normalises to nothing. Costs one HKDF and one HMAC."""
    normal = normalise(kind, value)
    if not normal:
        return None
    key = vault.derive_key(f"blind-index:{organisation_id}:{kind}")
    return hmac.new(key, normal.encode("utf-8"), hashlib.sha256).digest()[:INDEX_BYTES]


# --- Files ------------------------------------------------------------------------------------


def media_root() -> Path:
    root = Path(settings.WAYPOINT_MEDIA_ROOT)
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    return root


def new_storage_name() -> str:
    return uuid.uuid4().hex


def _file_path(storage_name: str) -> Path:
    if not STORAGE_NAME_RE.fullmatch(storage_name):
        raise ValueError("not a storage name")
    return media_root() / storage_name


def _file_aad(document_id: uuid.UUID, index: int, final: bool) -> bytes:
    return FILE_AAD.format(document=document_id, index=index, final=int(final)).encode("ascii")


def write_document_file(*, case_id: uuid.UUID, document: models.Model, data: bytes) -> None:
    """Encrypts ``data`` in chunks under the case's documents key into a new file (mode 0600)
    named by ``document.storage_name``. The plaintext never touches the disk."""
    if document.case_id != _as_uuid(case_id):
        raise ValueError("this document belongs to another case")
    key = data_key(case_id, Section.DOCUMENTS)
    path = _file_path(document.storage_name)
    chunks = [data[i : i + FILE_CHUNK] for i in range(0, len(data), FILE_CHUNK)] or [b""]
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(FILE_MAGIC)
            last = len(chunks) - 1
            for index, chunk in enumerate(chunks):
                sealed = vault.seal_with_key(
                    key, chunk, aad=_file_aad(document.pk, index, index == last)
                )
                fh.write(struct.pack(">I", len(sealed)))
                fh.write(sealed)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def read_document_file(*, case_id: uuid.UUID, document: models.Model) -> bytes:
    """Decrypts a stored document. Raises SectionShredded or SealedDataUnreadable (also when
    the file is missing, truncated, reordered or altered)."""
    if document.case_id != _as_uuid(case_id):
        raise ValueError("this document belongs to another case")
    key = data_key(case_id, Section.DOCUMENTS)

    def refuse(reason: str) -> SealedDataUnreadable:
        security_event(reason, case=case_id, section=Section.DOCUMENTS, document=document.pk)
        return SealedDataUnreadable()

    try:
        raw = _file_path(document.storage_name).read_bytes()
    except (OSError, ValueError):
        raise refuse("file_missing") from None
    if not raw.startswith(FILE_MAGIC):
        raise refuse("file_unreadable")
    offset, index, parts = len(FILE_MAGIC), 0, []
    while True:
        if offset + 4 > len(raw):
            raise refuse("file_unreadable")
        (length,) = struct.unpack(">I", raw[offset : offset + 4])
        end = offset + 4 + length
        if end > len(raw):
            raise refuse("file_unreadable")
        final = end == len(raw)
        try:
            aad = _file_aad(document.pk, index, final)
            parts.append(vault.open_with_key(key, raw[offset + 4 : end], aad=aad))
        except vault.DecryptionError:
            raise refuse("file_unreadable") from None
        if final:
            return b"".join(parts)
        offset, index = end, index + 1


def delete_document_file(*, storage_name: str) -> None:
    try:
        _file_path(storage_name).unlink(missing_ok=True)
    except ValueError:
        pass


# --- Rotation and shredding -------------------------------------------------------------------


def current_kek_id() -> str:
    return vault.get_keyring().current_id


def keys_to_rewrap() -> models.QuerySet:
    """Live data keys not wrapped by the newest KEK."""
    from casework.models import CaseKey

    return CaseKey.objects.filter(shredded_at__isnull=True).exclude(kek_id=current_kek_id())


def rewrap_batch(*, batch_size: int = 500) -> int:
    """Re-wraps up to ``batch_size`` data keys under the newest KEK, in one transaction (the
    rows are locked; concurrent runs skip each other's rows). Returns how many. Content is
    never touched. Raises SealedDataUnreadable if a key cannot be unwrapped (its KEK is no
    longer in the keyring)."""
    from casework.models import CaseKey

    current = current_kek_id()
    with transaction.atomic():
        rows = list(
            CaseKey.objects.select_for_update(skip_locked=True)
            .filter(shredded_at__isnull=True)
            .exclude(kek_id=current)
            .order_by("pk")[:batch_size]
        )
        for row in rows:
            aad = _wrap_aad(row.case_id, row.section)
            try:
                key = vault.open(bytes(row.wrapped_key), aad=aad)
            except vault.DecryptionError:
                security_event("key_unwrap_failed", case=row.case_id, section=row.section)
                raise SealedDataUnreadable from None
            row.wrapped_key = vault.seal(key, aad=aad)
            row.kek_id = current
        CaseKey.objects.bulk_update(rows, ["wrapped_key", "kek_id"])
    return len(rows)


def shred_section(*, case_id: uuid.UUID, section: str) -> bool:
    """Destroys the section's data key (overwrites the wrapped key, sets shredded_at).
    Returns False if it was already shredded. Call inside the caller's transaction."""
    from casework.models import CaseKey

    if section not in SECTIONS:
        raise ValueError(f"unknown section {section!r}")
    case_id = _as_uuid(case_id)
    changed = CaseKey.objects.filter(
        case_id=case_id, section=section, shredded_at__isnull=True
    ).update(wrapped_key=b"", kek_id="", shredded_at=timezone.now())
    scope = _scope.get()
    if scope is not None:
        scope.keys.pop((case_id.int, section), None)
        scope.ready.pop((case_id.int, section), None)
    return bool(changed)
