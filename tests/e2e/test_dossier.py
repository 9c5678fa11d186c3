"""Browser test in headless Chromium: a contract soldier who deserted waits in
Kazakhstan for a French humanitarian visa. The case shows Kazakhstan's critical advisory; the
dossier cannot go to review before vetting is recorded; the lawyer of the partner
organisation the case was referred to requests a change, then approves; the export is a PDF
whose text holds the cover, the index and the watermark code, and whose images carry no
metadata."""

from __future__ import annotations

import os
import re
from io import BytesIO

import pytest
from pypdf import PdfReader

from accounts.models import Role
from casework import services as casework_services
from casework.models import ReferralAction
from evacuation.models import Dossier, DossierExport, DossierStatus
from tests.casework.conftest import MARKER, _media_root, reference_data  # noqa: F401
from tests.casework.conftest import open_case as open_case  # noqa: F401 - fixture
from tests.casework.test_uploads import (  # noqa: F401 - the exiftool fixture
    assert_no_metadata,
    exiftool,
    exiftool_present,
    jpeg_with_gps_xmp_comment,
    pdf_with_metadata,
)
from tests.e2e.test_referral import _signed_in
from tests.evacuation.conftest import refer

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

EXCERPT = "Я отказался идти на штурм и ушёл из части в марте."
CHANGE = "Add the date of the summons to the excerpt."
RECIPIENT = "Consulat général de France à Almaty"


def _upload(case, by, code: str, data: bytes):
    from casework.models import DocumentType

    return casework_services.document_upload(
        case=case,
        by=by,
        document_type=DocumentType.objects.get(code=code),
        data=data,
        original_name=f"{code}-{MARKER}.bin",
    )


@pytest.mark.usefixtures("reference_data", "_media_root", "exiftool_present")
def test_a_french_humanitarian_visa_goes_through_lawyer_review(
    live_server,
    page,
    browser,
    make_member,
    open_case,  # noqa: F811
    tmp_path,
):
    caseworker = make_member("get-lost", Role.CASEWORKER)
    lawyer = make_member("intransit", Role.LAWYER)
    lawyer.display_name = "Advocate Orlova"
    lawyer.save()
    # Opened in Kazakhstan (the case's location), vetted later; documents uploaded as usual.
    case = open_case(by=caseworker)
    casework_services.case_verify(case=case, by=caseworker)
    casework_services.testimony_add(
        case=case, by=caseworker, language="ru", text=EXCERPT, consent_dossier=True
    )
    uploads = {
        "internal-passport": pdf_with_metadata(),
        "military-id": jpeg_with_gps_xmp_comment(),
        "expert-opinion": pdf_with_metadata(),
        "vetting-memo": pdf_with_metadata(),
    }
    for code, data in uploads.items():
        _upload(case, caseworker, code, data)
    refer(
        case,
        by=caseworker,
        lawyer=lawyer,
        actions=[ReferralAction.VIEW, ReferralAction.REVIEW_DOSSIER],
    )
    base = live_server.url
    case_url = f"{base}/cases/{case.reference}/"

    # The case page warns about Kazakhstan before anything else.
    _signed_in(page.context, caseworker, live_server)
    page.goto(case_url)
    advisory = page.locator("#location-advisory")
    assert "Kazakhstan" in advisory.inner_text()
    assert "Critical" in advisory.inner_text()
    assert "handed over" in advisory.inner_text()

    # The caseworker records the visa application and starts its dossier.
    page.get_by_role("link", name="Add a visa application").click()
    page.get_by_label("Route").select_option("fr_humanitarian")
    page.get_by_label("Destination country").select_option("FR")
    page.get_by_label("Consulate").fill("Consulate General of France, Almaty")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"{case_url}#evacuation")
    page.get_by_role("button", name="Start the dossier").click()
    dossier = Dossier.objects.get(case=case)
    dossier_url = f"{case_url}dossiers/{dossier.pk}/"
    page.wait_for_url(dossier_url)

    # Each required checklist item gets its document.
    for item in dossier.items.filter(required=True).select_related("document_type"):
        page.goto(f"{dossier_url}items/{item.pk}/")
        page.get_by_label(re.compile(item.document_type.name)).first.check()
        page.get_by_role("button", name="Save").click()
        page.wait_for_url(dossier_url)
    page.get_by_role("link", name="Edit the excerpt and the summary").click()
    page.get_by_label("Statement the excerpt comes from").select_option(index=1)
    page.get_by_label("Testimony excerpt").fill(EXCERPT)
    page.get_by_label("Legal exposure summary").fill("Art. 338: desertion, criminal case opened.")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(dossier_url)
    page.get_by_label("Reviewing lawyer").select_option(label="Advocate Orlova")
    page.get_by_role("button", name="Choose the lawyer").click()
    page.wait_for_url(dossier_url)

    # Without vetting the dossier cannot go to review, and the page says so.
    page.get_by_role("button", name="Send to the lawyer for review").click()
    assert "Vetting has not been recorded." in page.locator("[role=alert]").last.inner_text()
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.DRAFT
    page.get_by_label("Vetting note").fill("Vetted in person in Almaty.")
    page.get_by_role("button", name="Record the vetting").click()
    page.wait_for_url(dossier_url)
    page.get_by_role("button", name="Send to the lawyer for review").click()
    page.wait_for_url(dossier_url)
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.IN_REVIEW

    # The partner organisation's lawyer finds it under "Dossiers" and requests a change.
    lawyer_context = browser.new_context()
    lawyer_page = lawyer_context.new_page()
    lawyer_page.set_default_timeout(10_000)
    _signed_in(lawyer_context, lawyer, live_server)
    lawyer_page.goto(f"{base}/dossiers/")
    lawyer_page.locator(f"a[href='/cases/{case.reference}/dossiers/{dossier.pk}/']").click()
    lawyer_page.wait_for_url(dossier_url)
    assert EXCERPT in lawyer_page.content()
    assert "Consulate General of France" not in lawyer_page.content()  # the route stays hidden
    lawyer_page.get_by_label("Changes requested").check()
    lawyer_page.locator("form[action$='/review/'] textarea").fill(CHANGE)
    lawyer_page.get_by_role("button", name="Record my review").click()
    lawyer_page.wait_for_url(dossier_url)
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.CHANGES_REQUESTED

    # The caseworker reads the comment, amends the excerpt and sends it back.
    page.goto(dossier_url)
    assert CHANGE in page.content()
    page.get_by_role("link", name="Edit the excerpt and the summary").click()
    page.get_by_label("Testimony excerpt").fill(EXCERPT + " Повестка вручена 3 марта.")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(dossier_url)
    page.get_by_role("button", name="Send to the lawyer for review").click()
    page.wait_for_url(dossier_url)

    lawyer_page.goto(dossier_url)
    lawyer_page.get_by_label("Approved").check()
    lawyer_page.get_by_role("button", name="Record my review").click()
    lawyer_page.wait_for_url(dossier_url)
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.APPROVED
    lawyer_context.close()

    # The export: a PDF with the cover, the index and the watermark code on every page.
    page.goto(dossier_url)
    page.get_by_role("link", name="Export the dossier (PDF)").click()
    page.get_by_label("Recipient:", exact=True).fill(RECIPIENT)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the export").click()
    data = download.value.path().read_bytes()
    export = DossierExport.objects.get(dossier=dossier)
    reader = PdfReader(BytesIO(data))
    pages = [" ".join(p.extract_text().split()) for p in reader.pages]
    assert "Visa dossier" in pages[0]
    assert "Index" in " ".join(pages[:2])
    assert all(export.code in text for text in pages)
    assert "Повестка вручена 3 марта." in pages[-1]
    images = [image for p in reader.pages for image in p.images]
    assert images, "the military ID photo is in the bundle"
    for image in images:
        assert_no_metadata(exiftool(image.data, tmp_path))
