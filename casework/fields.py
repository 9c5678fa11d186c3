"""``SealedField``: a column that holds only ciphertext.

Deliberately not a "transparent" encrypted field: the attribute on a model instance is the
sealed bytes, and the only way to read or write the value is through the case's envelope
(``casework.envelope.Envelope.open`` / ``.seal``), which needs the section's data key. Loading
a row therefore never decrypts anything, a queryset cannot filter on content by accident,
and the Django admin, ``repr()`` and serialisers only ever see ciphertext.
"""

from __future__ import annotations

from typing import Any

from django.db import models

from casework import limits

# How a value is turned into bytes before sealing (and checked after opening).
TEXT = "text"
DATE = "date"
LIST = "list"
CODECS = frozenset({TEXT, DATE, LIST})


class SealedField(models.BinaryField):
    """A BinaryField that records which section's key seals it and how its value is encoded.

    ``section``: one of casework.sections.SECTIONS. ``codec``: TEXT (str), DATE (date or None)
    or LIST (list of str). ``limit``: the most characters a TEXT value may have (casework.limits;
    a LIST has at most limits.LINES entries of limits.NAME characters); the envelope refuses a
    longer value whoever seals it. Never editable in forms or the admin.
    """

    def __init__(
        self, *args: Any, section: str, codec: str = TEXT, limit: int = limits.TEXT, **kwargs: Any
    ) -> None:
        if codec not in CODECS:
            raise ValueError(f"unknown codec {codec!r}")
        self.section = section
        self.codec = codec
        self.limit = limit
        kwargs.setdefault("null", True)
        kwargs["editable"] = False
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["section"] = self.section
        kwargs["codec"] = self.codec
        kwargs.pop("editable", None)
        return name, path, args, kwargs


def sealed_field_names(model: type[models.Model], section: str | None = None) -> list[str]:
    """The names of the model's sealed fields, of one section or all: the one list that says
    what a section holds (pages, exports and list deferrals derive theirs from it)."""
    return [
        f.name
        for f in model._meta.get_fields()
        if isinstance(f, SealedField) and (section is None or f.section == section)
    ]
