"""A checklist item takes documents of its type: a summons does not satisfy "Expert opinion"
unless the caseworker gives a reason, which the reviewing lawyer sees on the dossier."""

from __future__ import annotations

from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import escape
from PIL import Image

from audit.models import AuditEvent
from casework import services as casework_services
from casework.models import DocumentType
from evacuation import services
from evacuation.models import DossierDocument, DossierItem, DossierRequirement, Route

pytestmark = pytest.mark.django_db

REASON = "The commissariat's letter doubles as the expert's summary of the law."


def upload(case, by, code, name="scan.jpg"):
    out = BytesIO()
    Image.new("RGB", (8, 8), (10, 20, 30)).save(out, "JPEG")
    return casework_services.document_upload(
        case=case,
        by=by,
        document_type=DocumentType.objects.get(code=code),
        data=out.getvalue(),
        original_name=name,
    )


@pytest.fixture
def reviewed(dossier, referral_review, caseworker_getlost, lawyer_intransit):
    return services.dossier_assign_reviewer(
        dossier=dossier, by=caseworker_getlost, lawyer=lawyer_intransit
    )


def test_an_item_refuses_a_document_of_another_type_without_a_reason(dossier, caseworker_getlost):
    summons = upload(dossier.case, caseworker_getlost, "summons")
    item = dossier.items.get(document_type__code="expert-opinion")
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as refused:
        services.dossier_link(
            dossier=dossier, by=caseworker_getlost, item=item, documents=[summons]
        )
    assert refused.value.messages == [
        str(services.ERR_DOCUMENT_TYPE) % {"item": item.document_type}
    ]
    assert not DossierDocument.objects.exists()
    assert AuditEvent.objects.count() == events
    # Still missing: the dossier cannot go to review on a summons.
    assert f"Missing: {item.document_type}" in services.dossier_missing(dossier=dossier)


def test_a_blank_reason_is_no_reason(dossier, caseworker_getlost):
    summons = upload(dossier.case, caseworker_getlost, "summons")
    item = dossier.items.get(document_type__code="expert-opinion")
    with pytest.raises(ValidationError):
        services.dossier_link(
            dossier=dossier,
            by=caseworker_getlost,
            item=item,
            documents=[summons],
            override_reason="   ",
        )
    assert not DossierDocument.objects.exists()


def test_a_document_of_the_items_type_needs_no_reason(dossier, caseworker_getlost):
    opinion = upload(dossier.case, caseworker_getlost, "expert-opinion")
    item = dossier.items.get(document_type__code="expert-opinion")
    services.dossier_link(dossier=dossier, by=caseworker_getlost, item=item, documents=[opinion])
    assert list(item.links.values_list("document_id", flat=True)) == [opinion.pk]
    item = DossierItem.objects.get(pk=item.pk)
    assert dossier.case.envelope.open(item, "override_reason") == ""


def test_with_a_reason_the_document_is_included_and_the_reason_is_sealed(
    dossier, caseworker_getlost
):
    summons = upload(dossier.case, caseworker_getlost, "summons")
    item = dossier.items.get(document_type__code="expert-opinion")
    services.dossier_link(
        dossier=dossier,
        by=caseworker_getlost,
        item=item,
        documents=[summons],
        override_reason=REASON,
    )
    assert list(item.links.values_list("document_id", flat=True)) == [summons.pk]
    item = DossierItem.objects.get(pk=item.pk)
    assert b"commissariat" not in bytes(item.override_reason)
    assert dossier.case.envelope.open(item, "override_reason") == REASON
    event = AuditEvent.objects.filter(action="dossier.documents_set").latest("seq")
    assert event.data == {"count": 1, "reason": "other_type"}


def test_the_reviewing_lawyer_sees_the_reason(
    client, signed_in, reviewed, caseworker_getlost, lawyer_intransit
):
    case = reviewed.case
    summons = upload(case, caseworker_getlost, "summons")
    item = reviewed.items.get(document_type__code="expert-opinion")
    signed_in(caseworker_getlost)
    page = reverse("evacuation:dossier_item", args=[case.reference, reviewed.pk, item.pk])
    response = client.post(page, {"documents": [str(summons.pk)]})
    assert response.status_code == 200
    assert escape(str(services.ERR_DOCUMENT_TYPE) % {"item": item.document_type}) in (
        response.content.decode()
    )
    assert not DossierDocument.objects.exists()
    response = client.post(page, {"documents": [str(summons.pk)], "override_reason": REASON})
    assert response.status_code == 302
    signed_in(lawyer_intransit)
    detail = reverse("evacuation:dossier_detail", args=[case.reference, reviewed.pk])
    assert escape(REASON) in client.get(detail).content.decode()


def test_the_item_page_lists_documents_of_its_type_first(
    client, signed_in, dossier, caseworker_getlost
):
    case = dossier.case
    upload(case, caseworker_getlost, "summons", "summons.jpg")
    upload(case, caseworker_getlost, "expert-opinion", "opinion.jpg")
    item = dossier.items.get(document_type__code="expert-opinion")
    signed_in(caseworker_getlost)
    page = reverse("evacuation:dossier_item", args=[case.reference, dossier.pk, item.pk])
    body = client.get(page).content.decode()
    assert body.index("opinion.jpg") < body.index("summons.jpg")
    assert "summons.jpg (another type)" in body


def test_an_item_takes_the_other_types_its_requirement_also_accepts(
    dossier, caseworker_getlost, admin_user
):
    route = Route.objects.get(code=dossier.visa_application.route)
    requirement = DossierRequirement.objects.get(route=route, document_type__code="summons")
    e_summons = DocumentType.objects.get(code="e-summons")
    services.requirement_save(
        by=admin_user,
        route=route,
        requirement=requirement,
        document_type=requirement.document_type,
        required=requirement.required,
        position=requirement.position,
        also_accepts=[e_summons],
    )
    item = dossier.items.get(document_type__code="summons")
    assert services.accepted_types(item=item, route=route.code) == {
        requirement.document_type_id,
        e_summons.pk,
    }
    screenshot = upload(dossier.case, caseworker_getlost, "e-summons")
    services.dossier_link(dossier=dossier, by=caseworker_getlost, item=item, documents=[screenshot])
    assert list(item.links.values_list("document_id", flat=True)) == [screenshot.pk]
    # Not for the expert opinion: there it is still another type.
    opinion = dossier.items.get(document_type__code="expert-opinion")
    with pytest.raises(ValidationError):
        services.dossier_link(
            dossier=dossier, by=caseworker_getlost, item=opinion, documents=[screenshot]
        )
