"""How values become bytes before sealing and come back after opening.

Text is UTF-8, long non-ASCII text UTF-16 with its byte-order mark; dates are ISO text; lists
of text are JSON. Decoders raise ValueError (UnicodeDecodeError included) on anything
malformed, which the envelope turns into SealedDataUnreadable.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Callable
from datetime import date
from typing import Any

from casework.fields import DATE, LIST, TEXT

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
CODECS: dict[str, tuple[Callable[[Any], bytes], Callable[[bytes], Any], Callable[[], Any]]] = {
    TEXT: (_encode_text, _decode_text, str),
    DATE: (_encode_date, _decode_date, _nothing),
    LIST: (_encode_list, _decode_list, list),
}
