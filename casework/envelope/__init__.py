"""The per-case envelope: the only part of casework that calls the vault.

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
  (``encoding``), dates as ISO text, lists as JSON.
* **Documents** are encrypted in 64 KiB chunks under the documents data key, each chunk's
  associated data binding the document id, the chunk index and a final-chunk flag, so chunks
  cannot be reordered, swapped between files or cut off the end.
* Unwrapped data keys live only in memory, in a per-request (or per-task) ``key_scope()``,
  and are dropped when it ends; never in Django's cache. Outside a scope a key is unwrapped
  for each use and not kept. Readers of many cases unwrap theirs at once (``load_keys``;
  ``wrapped_key_of`` and ``adopt_keys`` with the reader's own query).
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
  derived per organisation and kind (``vault.blind_index("blind-index:<org>:<kind>", ...)``),
  of a normalised value; exact match only. Normalisation (``normalise``):

  - legal name: Unicode NFKD, combining marks dropped (so ``ё`` = ``е``, ``й`` = ``и``,
    ``é`` = ``e``), case-folded, every run of non-letters and non-digits (spaces, hyphens,
    dots) made one space, trimmed. Word order matters. "Иванов Иван" = "иванов  иван".
  - date of birth: ISO ``YYYY-MM-DD``.
  - phone: digits only; a leading international ``00`` dropped; a Russian trunk prefix
    (11 digits starting with 8) becomes country code 7. At least 7 digits.
  - passport number: letters and digits only, upper case.

Modules: ``keys`` (data keys, the key scope and its grant check, shredding), ``store``
(wrapped keys as rows: their associated data, what was shredded), ``sealing``
(``Envelope``), ``encoding`` (values to bytes and back), ``files`` (documents), ``index``
(blind indexes), ``rotation`` (re-wrapping), ``epochs`` (until when a copy made before a
shredding still opens), ``errors``.
"""

from __future__ import annotations

from casework.envelope.encoding import UTF16_FROM
from casework.envelope.errors import (
    KeyRefused,
    SealedDataError,
    SealedDataUnreadable,
    SectionShredded,
    security_event,
)
from casework.envelope.files import (
    FILE_CHUNK,
    LegacyFileError,
    erase_document_content,
    legacy_file_path,
    move_legacy_file,
    new_storage_name,
    open_document_stream,
    read_document_file,
    write_document_file,
)
from casework.envelope.index import IndexKind, blind_index, normalise
from casework.envelope.keys import (
    adopt_keys,
    create_case_keys,
    data_key,
    key_scope,
    load_case_keys,
    load_keys,
    shred_section,
)
from casework.envelope.rotation import current_kek_id, keys_to_rewrap, rewrap_batch
from casework.envelope.sealing import Envelope, empty_values
from casework.envelope.store import is_shredded, shredded_sections, wrapped_key_of

__all__ = [
    "FILE_CHUNK",
    "UTF16_FROM",
    "Envelope",
    "IndexKind",
    "KeyRefused",
    "LegacyFileError",
    "SealedDataError",
    "SealedDataUnreadable",
    "SectionShredded",
    "adopt_keys",
    "blind_index",
    "create_case_keys",
    "current_kek_id",
    "data_key",
    "erase_document_content",
    "empty_values",
    "is_shredded",
    "key_scope",
    "legacy_file_path",
    "keys_to_rewrap",
    "load_case_keys",
    "load_keys",
    "move_legacy_file",
    "new_storage_name",
    "normalise",
    "open_document_stream",
    "read_document_file",
    "rewrap_batch",
    "security_event",
    "shred_section",
    "shredded_sections",
    "wrapped_key_of",
    "write_document_file",
]
