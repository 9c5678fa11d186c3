"""The ``ref`` path converter: a case reference such as GL-2026-0042. Every app whose URLs
name a case imports this module (importing registers the converter)."""

from django.urls import register_converter


class ReferenceConverter:
    regex = r"[A-Z0-9]{1,8}-[0-9]{4}-[0-9]{4,}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(ReferenceConverter, "ref")
