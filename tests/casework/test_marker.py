"""A marker string put into every sealed field and into a document appears nowhere at rest:
not in a raw dump of the database (pg_dump on PostgreSQL, every column of every table as
text otherwise), not in the media folder, not in the logs, not on the Django admin pages."""

from __future__ import annotations

import logging
import shutil
import subprocess
from datetime import date, timedelta
from io import BytesIO

import pikepdf
import pytest
from django.db import connection
from django.urls import reverse

from accounts.models import User
from casework import envelope, services
from casework.fields import SealedField
from casework.models import (
    Country,
    Document,
    DocumentType,
    LegalExposure,
    Location,
    Note,
    Person,
)
from casework.models import Testimony as Statement
from evacuation import services as evacuation_services
from evacuation.models import (
    Decision,
    Dossier,
    DossierExport,
    EvacuationPlan,
    EvacuationStep,
    PlanStatus,
    ReviewComment,
    StepKind,
    StepStatus,
    VisaApplication,
    VisaRoute,
)
from tests.casework.conftest import MARKER, stored_bytes
from tests.conftest import sign_in
from tests.factories import totp_device

pytestmark = pytest.mark.django_db(transaction=True)

NEEDLES = (MARKER.encode(), MARKER.encode().hex().encode(), MARKER.lower().encode())


def pdf_with_marker_text() -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(300, 100))
    page = pdf.pages[0]
    page.Contents = pdf.make_stream(f"BT /F1 12 Tf 10 50 Td ({MARKER}) Tj ET".encode())
    out = BytesIO()
    pdf.save(out, compress_streams=False)
    return out.getvalue()


def fill_every_sealed_field(case, by) -> None:
    services.person_update_identity(
        case=case,
        by=by,
        pseudonym="Heron",
        legal_name=f"{MARKER} Иванов",
        aliases=[f"{MARKER} alias"],
        date_of_birth=None,
        citizenships=["RU"],
        passport_numbers=[f"{MARKER}77"],
        relatives_at_risk=f"{MARKER} mother",
    )
    services.person_update_contact(
        case=case, by=by, phones=["+7 916 000 00 00"], contact_handles=[f"Signal: {MARKER}"]
    )
    services.case_verify(case=case, by=by)
    services.location_update(
        case=case,
        by=by,
        country=Country.objects.get(pk="AM"),
        legal_basis="visa_free",
        region=f"{MARKER} Shirak",
        stay_expires=None,
        route_notes=f"{MARKER} route",
    )
    services.exposure_add(
        case=case,
        by=by,
        article="337.5",
        during_mobilisation=True,
        absence_start=None,
        procedural_stage="case_opened",
        wanted_level="federal",
        exit_ban=True,
        passport_confiscated=False,
        details=f"{MARKER} details",
    )
    services.testimony_add(
        case=case, by=by, language="ru", text=f"{MARKER} statement", consent_dossier=True
    )
    services.note_add(case=case, by=by, text=f"{MARKER} note")
    services.document_upload(
        case=case,
        by=by,
        document_type=DocumentType.objects.get(code="criminal-case"),
        data=pdf_with_marker_text(),
        original_name=f"{MARKER}.pdf",
        description=f"{MARKER} description",
    )
    fill_every_evacuation_field(case, by)


def fill_every_evacuation_field(case, by) -> None:
    evacuation_services.plan_save(
        case=case,
        by=by,
        status=PlanStatus.ACTIVE,
        origin_region=f"{MARKER} Samara",
        transit_countries=["KZ"],
        destination="FR",
        fallback_notes=f"{MARKER} fallback",
    )
    evacuation_services.step_save(
        case=case,
        by=by,
        kind=StepKind.CROSS_BORDER,
        country="KZ",
        planned_on=date(2026, 1, 10),
        done_on=date(2026, 1, 10),
        status=StepStatus.DONE,
        notes=f"{MARKER} step",
    )
    decided = date(2026, 2, 10)
    application = evacuation_services.visa_save(
        case=case,
        by=by,
        route=VisaRoute.FR_HUMANITARIAN,
        destination="FR",
        decision=Decision.REFUSED,
        consulate=f"{MARKER} consulate",
        appointment_on=decided - timedelta(days=30),
        submitted_on=decided - timedelta(days=30),
        decision_due=decided,
        decided_on=decided,
        refusal_reasons=f"{MARKER} reasons",
        appeal_deadline=decided + timedelta(days=30),
    )
    dossier = evacuation_services.dossier_create(application=application, by=by)
    evacuation_services.dossier_contents(
        dossier=dossier,
        by=by,
        testimony=Statement.objects.get(case=case),
        testimony_excerpt=f"{MARKER} excerpt",
        exposure_summary=f"{MARKER} exposure",
    )
    evacuation_services.dossier_vet(dossier=dossier, by=by, note=f"{MARKER} vetting")
    evacuation_services.dossier_comment(dossier=dossier, by=by, text=f"{MARKER} comment")
    # The export's row as the export service writes it (the PDF itself is never stored).
    export = DossierExport(case=case, dossier=dossier, exported_by=by, code="MARKER0001")
    case.envelope.seal(export, "recipient", f"{MARKER} recipient")
    export.save()


def every_sealed_field_holds_the_marker(case) -> None:
    """Guards the test itself: each sealed field of every model was filled with the marker
    (apart from dates, codes, lists of codes and phone numbers, which cannot hold it)."""
    skip = {
        "date_of_birth",
        "citizenships",
        "phones",
        "stay_expires",
        "absence_start",
        "esummons_placed_on",
        # The code of a region of higher risk (a casework.Region).
        "risk_region",
        # Evacuation: country codes, the step kind, dates.
        "transit_countries",
        "destination",
        "kind",
        "country",
        "planned_on",
        "done_on",
        "appointment_on",
        "submitted_on",
        "decision_due",
        "decided_on",
        "appeal_deadline",
        "valid_until",
        "enter_by",
        "entered_on",
    }
    opener = case.envelope
    rows = {
        Person: Person.objects.filter(case=case),
        Location: Location.objects.filter(case=case),
        LegalExposure: LegalExposure.objects.filter(case=case),
        Statement: Statement.objects.filter(case=case),
        Note: Note.objects.filter(case=case),
        Document: Document.objects.filter(case=case),
        EvacuationPlan: EvacuationPlan.objects.filter(case=case),
        EvacuationStep: EvacuationStep.objects.filter(case=case),
        VisaApplication: VisaApplication.objects.filter(case=case),
        Dossier: Dossier.objects.filter(case=case),
        ReviewComment: ReviewComment.objects.filter(case=case),
        DossierExport: DossierExport.objects.filter(case=case),
    }
    with envelope.key_scope():
        for model, queryset in rows.items():
            fields = [f for f in model._meta.get_fields() if isinstance(f, SealedField)]
            assert fields and queryset.exists(), model
            for row in queryset:
                for field in fields:
                    if field.name in skip:
                        continue
                    value = opener.open(row, field.name)
                    assert MARKER in str(value), f"{model.__name__}.{field.name}"
        document = Document.objects.get(case=case)
        assert MARKER.encode() in envelope.read_document_file(case_id=case.pk, document=document)


def raw_database_dump() -> bytes:
    """pg_dump of the test database on PostgreSQL (when the tool is there), else every
    column of every table as text."""
    if connection.vendor == "postgresql" and shutil.which("pg_dump"):
        params = connection.get_connection_params()
        command = ["pg_dump", "--data-only", "--no-owner", "-d", params["dbname"]]
        if params.get("host"):
            command += ["-h", str(params["host"])]
        if params.get("port"):
            command += ["-p", str(params["port"])]
        if params.get("user"):
            command += ["-U", str(params["user"])]
        return subprocess.run(command, capture_output=True, check=True).stdout
    chunks: list[bytes] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, bytes | bytearray | memoryview):
                        chunks.append(bytes(value))
                        chunks.append(bytes(value).hex().encode())
                    elif value is not None:
                        chunks.append(str(value).encode("utf-8", "replace"))
    return b"\n".join(chunks)


def test_the_marker_is_nowhere_at_rest_in_logs_or_in_the_admin(
    client, open_case, caseworker_getlost, _media_root, caplog
):
    caplog.set_level(logging.DEBUG)
    case = open_case(by=caseworker_getlost, legal_name=f"{MARKER} first")
    fill_every_sealed_field(case, caseworker_getlost)
    every_sealed_field_holds_the_marker(case)

    # Use the pages too, so that views, searches and downloads log what they log.
    sign_in(client, caseworker_getlost)
    page = client.get(reverse("casework:case_detail", args=[case.reference]))
    assert MARKER in page.content.decode()  # the assigned caseworker does see it
    client.post(reverse("casework:case_search"), {"kind": "name", "value": f"{MARKER} Иванов"})
    document = Document.objects.get(case=case)
    download = client.get(reverse("casework:document_download", args=[case.reference, document.pk]))
    assert MARKER.encode() in download.getvalue()

    dump = raw_database_dump()
    assert b"Heron" in dump  # the dump is real: the pseudonym is in clear
    if connection.vendor == "postgresql" and shutil.which("pg_dump"):
        assert b"COPY public.casework_person" in dump
        assert b"COPY public.evacuation_dossier" in dump
    for needle in NEEDLES:
        assert needle not in dump

    # Documents live in the database (in the dump above); nothing is written to disk.
    assert not [p for p in _media_root.rglob("*") if p.is_file()]
    assert stored_bytes(document)

    for record in caplog.records:
        assert MARKER not in record.getMessage()
        assert MARKER not in str(record.args)

    admin = User.objects.create_superuser("root@example.org", "correct horse battery staple 42")
    totp_device(admin)
    client.logout()
    sign_in(client, admin)
    pages = [
        reverse("admin:index"),
        reverse("admin:casework_case_changelist"),
        reverse("admin:casework_case_change", args=[case.pk]),
        reverse("admin:casework_country_changelist"),
        reverse("admin:casework_documenttype_changelist"),
        reverse("evacuation:route_list"),
        reverse("evacuation:route_detail", args=["fr_humanitarian"]),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert MARKER not in response.content.decode(), url
