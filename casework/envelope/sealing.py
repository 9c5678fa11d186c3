"""Sealed fields: ``Envelope(case_id)`` seals and opens the SealedFields of one case's rows."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import partial
from typing import Any, NamedTuple, cast

from django.db import models

import vault
from casework import limits
from casework.envelope.encoding import CODECS, UTF16_FROM
from casework.envelope.errors import SealedDataUnreadable, security_event
from casework.envelope.keys import key_for_writing, load_key, scope_var
from casework.envelope.store import as_uuid
from casework.fields import LIST, TEXT, SealedField, sealed_field_names


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
    check: Callable[[Any], Any] | None  # the length limit (casework.limits), None for dates
    # The length limit and the codec in one call (for text: one length test, then UTF-8).
    check_encode: Callable[[Any], bytes]


_sealed_fields: dict[tuple[type[models.Model], str], _Sealed] = {}


def _length_check(field: SealedField) -> Callable[[Any], Any] | None:
    if field.codec == TEXT:
        return partial(limits.check_text, limit=field.limit)
    if field.codec == LIST:
        return limits.check_lines
    return None


def _checked_encoder(
    field: SealedField, check: Callable[[Any], Any] | None, encode: Callable[[Any], bytes]
) -> Callable[[Any], bytes]:
    """The length check, then the codec, as one call; TypeError names the field."""
    name = field.name
    limit = field.limit

    def general(value: Any) -> bytes:
        if check is not None and value:
            check(value)  # ValidationError: too long, whoever is sealing
        try:
            return encode(value)
        except TypeError as error:
            raise TypeError(f"{name} {error}") from None

    if field.codec != TEXT:
        return general

    def text(value: Any) -> bytes:
        # Short or ASCII text, under the limit: UTF-8 straight away (encoding.encode_text
        # would choose the same). Everything else takes the general path.
        if (
            type(value) is str
            and len(value) <= limit
            and (len(value) < UTF16_FROM or value.isascii())
        ):
            return value.encode()
        return general(value)

    return text


def _sealed(model: type[models.Model], name: str) -> _Sealed:
    meta = model._meta
    field = meta.get_field(name)
    if not isinstance(field, SealedField):
        raise TypeError(f"{meta.label}.{name} is not a sealed field")
    encode, decode, empty = CODECS[field.codec]
    check = _length_check(field)
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
        check=check,
        check_encode=_checked_encoder(field, check, encode),
    )
    _sealed_fields[model, name] = sealed
    return sealed


class Envelope:
    """Seals and opens the sealed fields of one case's rows.

    ``Envelope(case_id).seal(person, "legal_name", "Иванов Иван")`` sets the column;
    ``.open(person, "legal_name")`` gives the value back or raises SealedDataUnreadable /
    SectionShredded. Each call costs one AES-GCM operation, plus one query and one unwrap
    per section the first time in a key_scope.

    Every call checks that the row belongs to the envelope's case (``seal_many``,
    ``open_many`` and ``open_section`` once for all their fields). The associated data of a
    field is built once per row and kept while the same row's fields come one after another.
    """

    def __init__(self, case_id: uuid.UUID) -> None:
        self.case_id = as_uuid(case_id)
        self._case_int = self.case_id.int
        # Per field name: [model, _Sealed, the last row's primary key, that row's associated
        # data bound for the data key (vault.bind_aad)]. A row's fields are usually sealed or
        # opened one after another, and many rows of one model in a row.
        self._fields: dict[str, list[Any]] = {}

    def _entry(self, model: type[models.Model], name: str) -> list[Any]:
        entry = self._fields.get(name)
        if entry is None or entry[0] is not model:
            sealed = _sealed_fields.get((model, name)) or _sealed(model, name)
            entry = self._fields[name] = [model, sealed, None, None]
        return entry

    def _row_pk(self, obj: models.Model, sealed: _Sealed) -> Any:
        """The row's primary key (None while it has none), after checking that the row is one
        of this case's. ValueError for a row of another case."""
        # The loaded value straight from the instance (the foreign key's descriptor costs more
        # than this whole check; it is needed only when the column was deferred), compared as
        # 128-bit integers (UUID equality runs as Python code).
        values = obj.__dict__
        owner = values.get(sealed.owner)
        if owner is None:
            owner = getattr(obj, sealed.owner)
        if getattr(owner, "int", None) != self._case_int:
            raise ValueError("this row belongs to another case")
        pk = values.get(sealed.pk)
        return pk if pk is not None else getattr(obj, sealed.pk)

    @staticmethod
    def _bound(entry: list[Any], pk: Any) -> bytes | None:
        """The bound associated data of the entry's field in row ``pk`` (None without a pk)."""
        if pk is None:
            return None
        if pk is not entry[2]:
            sealed = entry[1]
            entry[2] = pk
            entry[3] = vault.bind_aad(sealed.aad_head + str(pk).encode() + sealed.aad_tail)
        return entry[3]

    def _target(self, obj: models.Model, name: str) -> tuple[_Sealed, bytes | None]:
        """The field and the bound associated data of this row's value (None while the row
        has no primary key). ValueError for a row of another case."""
        entry = self._entry(type(obj), name)
        return entry[1], self._bound(entry, self._row_pk(obj, entry[1]))

    def data_key(self, section: str) -> vault.DataKey:
        """The section's key, from the scope when it holds it for this user (one dict lookup:
        this runs for every field sealed or opened), else through _load_key."""
        scope = scope_var.get()
        if scope is not None:
            key = scope.ready.get((self._case_int, section))
            if key is not None:
                return key
        return load_key(scope, self.case_id, section)

    def seal(self, obj: models.Model, name: str, value: Any) -> None:
        entry = self._entry(type(obj), name)
        sealed = entry[1]
        pk = self._row_pk(obj, sealed)
        # _bound, inline for the same row as the last call (this runs for every field).
        bound = entry[3] if pk is entry[2] and pk is not None else self._bound(entry, pk)
        self._seal(obj, sealed, bound, value)

    def _seal(self, obj: models.Model, sealed: _Sealed, bound: bytes | None, value: Any) -> None:
        if bound is None:
            raise ValueError("a row needs its primary key before anything is sealed into it")
        raw = sealed.check_encode(value)
        setattr(obj, sealed.attname, self.data_key(sealed.section).seal_bound(raw, bound))

    def seal_write_only(self, obj: models.Model, name: str, value: Any) -> None:
        """seal() for a value its writer already knows but may not read back (keys.
        key_for_writing): the section's key is neither checked against nor kept in the scope."""
        sealed, bound = self._target(obj, name)
        if bound is None:
            raise ValueError("a row needs its primary key before anything is sealed into it")
        raw = sealed.check_encode(value)
        key = key_for_writing(self.case_id, sealed.section)
        setattr(obj, sealed.attname, key.seal_bound(raw, bound))

    def seal_many(self, obj: models.Model, values: dict[str, Any]) -> None:
        """seal() of several fields of one row: the row is checked once."""
        model = type(obj)
        pk = _UNCHECKED
        for name, value in values.items():
            entry = self._entry(model, name)
            if pk is _UNCHECKED:
                pk = self._row_pk(obj, entry[1])
            self._seal(obj, entry[1], self._bound(entry, pk), value)

    def open(self, obj: models.Model, name: str) -> Any:  # noqa: A003 - the envelope's verb
        entry = self._entry(type(obj), name)
        sealed = entry[1]
        pk = self._row_pk(obj, sealed)
        bound = entry[3] if pk is entry[2] and pk is not None else self._bound(entry, pk)
        return self._open(sealed, bound, getattr(obj, sealed.attname), pk)

    def open_stored(self, model: type[models.Model], name: str, pk: Any, raw: Any) -> Any:
        """``open()`` of a column read without its row (``values_list``): ``raw`` is the
        stored value of ``model.name`` in the row ``pk`` of this envelope's case. For readers
        of thousands of rows (the reminder scan), which building model instances would slow
        down. A value of another row, field or case fails to open, as with ``open()``."""
        entry = self._entry(model, name)
        return self._open(entry[1], self._bound(entry, pk), raw, pk)

    def _open(self, sealed: _Sealed, bound: bytes | None, raw: Any, pk: Any) -> Any:
        if raw is None:
            # Never sealed (a row created before the field existed): empty, not an error.
            return sealed.empty()
        key = self.data_key(sealed.section)
        try:
            if bound is None:
                raise vault.DecryptionError
            return sealed.decode(key.open_bound(raw, bound))
        except (vault.DecryptionError, ValueError):
            security_event(
                "field_unreadable",
                case=self.case_id,
                section=sealed.section,
                model=sealed.field.model._meta.label_lower,
                field=sealed.field.name,
                row=pk,
            )
            raise SealedDataUnreadable from None

    def open_many(self, obj: models.Model, names: list[str] | tuple[str, ...]) -> dict[str, Any]:
        """open() of several fields of one row: the row is checked once."""
        model = type(obj)
        values = obj.__dict__
        opened: dict[str, Any] = {}
        pk = _UNCHECKED
        for name in names:
            entry = self._entry(model, name)
            sealed = entry[1]
            if pk is _UNCHECKED:
                pk = self._row_pk(obj, sealed)
            raw = (
                values[sealed.attname] if sealed.attname in values else getattr(obj, sealed.attname)
            )
            opened[name] = self._open(sealed, self._bound(entry, pk), raw, pk)
        return opened

    def open_section(self, obj: models.Model, section: str) -> dict[str, Any]:
        """Every sealed field of ``obj`` that ``section`` seals, by name, in model order."""
        return self.open_many(obj, section_fields(type(obj), section))


_UNCHECKED = object()


_section_fields: dict[tuple[type[models.Model], str], tuple[str, ...]] = {}


def section_fields(model: type[models.Model], section: str) -> tuple[str, ...]:
    """sealed_field_names(model, section), worked out once per model and section."""
    names = _section_fields.get((model, section))
    if names is None:
        names = _section_fields[model, section] = tuple(sealed_field_names(model, section))
    return names


def empty_values(model: type[models.Model]) -> dict[str, Any]:
    """Every sealed field of the model with its empty value ("", None or []), for sealing a
    new row whole: a field left unsealed would read as empty anyway, but a sealed empty value
    is as long as any other short one."""
    return {
        name: CODECS[cast(SealedField, model._meta.get_field(name)).codec][2]()
        for name in sealed_field_names(model)
    }
