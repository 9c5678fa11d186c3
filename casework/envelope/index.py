"""Blind indexes: exact-match search on normalised values without decrypting anything."""

from __future__ import annotations

import re
import unicodedata
import uuid
from datetime import date
from typing import Any

from django.db import models

import vault

INDEX_BYTES = 16


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
    purpose = f"blind-index:{organisation_id}:{kind}"
    return vault.blind_index(purpose, normal.encode("utf-8"), length=INDEX_BYTES)
