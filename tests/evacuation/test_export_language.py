"""The dossier export is in the exporting person's language, reference data included: the
route, the destination (CLDR) and the document types of the checklist."""

from __future__ import annotations

from django.utils import translation

from tests.evacuation.test_export import (  # noqa: F401 - the export tests' fixtures
    approved,
    export,
    flat,
    texts,
)


def test_the_bundle_names_route_country_and_document_types_in_russian(
    approved,  # noqa: F811
    caseworker_getlost,
):
    with translation.override("ru"):
        _row, data = export(approved, caseworker_getlost)
    text = " ".join(flat(page) for page in texts(data))
    assert "Гуманитарная виза Франции" in text
    assert "Франция" in text
    assert "French humanitarian visa" not in text
    types = {item.document_type for item in approved.items.select_related("document_type")}
    with translation.override("ru"):
        russian = {t.label for t in types}
    assert any(label in text for label in russian)
    english = [t.name for t in types if t.name in text]
    assert english == []
