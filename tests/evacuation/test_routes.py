"""Routes and their dossier requirements are data a platform admin edits in the app: a
requirement added or changed reaches the dossiers of the route still in draft (not those in
review or beyond), and a Dublin procedure route can be added without code. Nobody else sees
the pages (404) or gets through the services."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts.models import User
from audit.models import AuditEvent
from casework.models import DocumentType
from evacuation import services
from evacuation.models import (
    Dossier,
    DossierItem,
    DossierRequirement,
    DossierStatus,
    Route,
    VisaRoute,
)
from tests.evacuation.test_services import ready_for_review, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def platform_admin():
    """Staff without any membership: the platform admin area only."""
    return User.objects.create_user(
        "platform@example.org", "correct horse battery staple 42", is_staff=True
    )


def french() -> Route:
    return Route.objects.get(code=VisaRoute.FR_HUMANITARIAN)


def add(by, code: str, *, required: bool = True, position: int = 200, route=None):
    return services.requirement_save(
        by=by,
        route=route or french(),
        document_type=DocumentType.objects.get(code=code),
        required=required,
        position=position,
    )


def item_of(dossier, code: str) -> DossierItem | None:
    return DossierItem.objects.filter(dossier=dossier, document_type__code=code).first()


def test_a_requirement_added_to_a_route_reaches_its_draft_dossier(dossier, platform_admin):
    assert item_of(dossier, "foreign-passport") is None
    add(platform_admin, "foreign-passport")
    item = item_of(dossier, "foreign-passport")
    assert item is not None
    assert (item.required, item.position, item.case_id) == (True, 200, dossier.case_id)
    assert "Missing: Foreign passport" in services.dossier_missing(dossier=dossier)
    event = AuditEvent.objects.filter(action="evacuation.requirement.saved").get()
    assert event.data == {"count": 1}


def test_a_dossier_in_review_keeps_the_checklist_it_went_to_review_with(
    dossier, referral_review, caseworker_getlost, lawyer_intransit, platform_admin
):
    ready_for_review(dossier, caseworker_getlost, lawyer_intransit)
    before = set(dossier.items.values_list("document_type__code", flat=True))
    add(platform_admin, "foreign-passport")
    assert Dossier.objects.get(pk=dossier.pk).status == DossierStatus.IN_REVIEW
    assert set(dossier.items.values_list("document_type__code", flat=True)) == before


def test_a_requirement_made_optional_is_optional_in_the_draft(dossier, platform_admin):
    requirement = DossierRequirement.objects.get(
        route=french(), document_type__code="expert-opinion"
    )
    services.requirement_save(
        by=platform_admin,
        route=french(),
        requirement=requirement,
        document_type=requirement.document_type,
        required=False,
        position=5,
    )
    item = item_of(dossier, "expert-opinion")
    assert (item.required, item.position) == (False, 5)
    assert (
        DossierItem.objects.filter(dossier=dossier, document_type__code="expert-opinion").count()
        == 1
    )


def test_a_removed_requirement_leaves_the_draft_unless_documents_stand_under_it(
    dossier, caseworker_getlost, platform_admin
):
    passport = item_of(dossier, "internal-passport")
    scan = upload(dossier.case, caseworker_getlost, "internal-passport")
    services.dossier_link(dossier=dossier, by=caseworker_getlost, item=passport, documents=[scan])
    for code in ("internal-passport", "military-id"):
        services.requirement_remove(
            by=platform_admin,
            requirement=DossierRequirement.objects.get(route=french(), document_type__code=code),
        )
    assert item_of(dossier, "military-id") is None
    kept = item_of(dossier, "internal-passport")
    assert kept.required is False
    assert list(kept.links.values_list("document_id", flat=True)) == [scan.pk]


def test_a_document_type_is_required_once_per_route(dossier, platform_admin):
    with pytest.raises(ValidationError) as refused:
        add(platform_admin, "expert-opinion")
    assert refused.value.messages == [str(services.ERR_REQUIREMENT_EXISTS)]


def test_an_org_admin_is_no_platform_admin(dossier, admin_getlost):
    requirements = DossierRequirement.objects.count()
    with pytest.raises(PermissionDenied):
        add(admin_getlost, "foreign-passport")
    with pytest.raises(PermissionDenied):
        services.route_save(by=admin_getlost, code="dublin", name="Dublin", active=True, position=1)
    assert DossierRequirement.objects.count() == requirements
    assert not Route.objects.filter(code="dublin").exists()
    assert item_of(dossier, "foreign-passport") is None


@pytest.mark.parametrize("persona", ["admin_getlost", "caseworker_getlost", "lawyer_intransit"])
def test_the_route_pages_do_not_exist_for_members(client, signed_in, request, persona):
    signed_in(request.getfixturevalue(persona))
    requirement = DossierRequirement.objects.filter(route=french()).first()
    assert client.get(reverse("evacuation:route_list")).status_code == 404
    detail = reverse("evacuation:route_detail", args=[french().code])
    assert client.get(detail).status_code == 404
    assert client.post(reverse("evacuation:route_list"), {"code": "dublin"}).status_code == 404
    remove = reverse("evacuation:requirement_remove", args=[french().code, requirement.pk])
    assert client.post(remove).status_code == 404
    assert DossierRequirement.objects.filter(pk=requirement.pk).exists()
    assert not Route.objects.filter(code="dublin").exists()


def test_a_platform_admin_adds_a_dublin_route_in_the_app(
    client, signed_in, platform_admin, case_kz, caseworker_getlost
):
    signed_in(platform_admin)
    response = client.post(
        reverse("evacuation:route_list"),
        {"code": "dublin", "name": "Dublin procedure", "active": "on", "position": "90"},
    )
    detail = reverse("evacuation:route_detail", args=["dublin"])
    assert (response.status_code, response["Location"]) == (302, detail)
    opinion = DocumentType.objects.get(code="expert-opinion")
    vetting = DocumentType.objects.get(code="vetting-memo")
    response = client.post(
        reverse("evacuation:requirement_add", args=["dublin"]),
        {
            "document_type": opinion.pk,
            "required": "on",
            "position": "10",
            "also_accepts": [vetting.pk],
        },
    )
    assert response.status_code == 302
    page = client.get(detail).content.decode()
    assert opinion.name in page and f'name="also_accepts" value="{vetting.pk}"' in page
    assert "Dublin procedure" in client.get(reverse("evacuation:route_list")).content.decode()

    application = services.visa_save(
        case=case_kz, by=caseworker_getlost, route="dublin", destination="DE"
    )
    assert application.get_route_display() == "Dublin procedure"
    dossier = services.dossier_create(application=application, by=caseworker_getlost)
    assert [(i.document_type_id, i.required) for i in dossier.items.all()] == [(opinion.pk, True)]


def test_a_bad_route_code_is_refused_with_its_message_and_nothing_is_added(
    client, signed_in, platform_admin
):
    signed_in(platform_admin)
    response = client.post(
        reverse("evacuation:route_list"),
        {"code": "Dublin III", "name": "Dublin", "active": "on", "position": "1"},
    )
    assert response.status_code == 200
    assert str(services.ERR_ROUTE_CODE) in response.content.decode()
    assert Route.objects.count() == len(VisaRoute.values)


def test_a_retired_route_takes_no_new_applications(case_kz, caseworker_getlost, platform_admin):
    route = french()
    services.route_save(by=platform_admin, route=route, name=route.name, active=False, position=0)
    with pytest.raises(ValidationError) as refused:
        services.visa_save(case=case_kz, by=caseworker_getlost, route=route.code, destination="FR")
    assert refused.value.messages == [str(services.ERR_UNKNOWN_ROUTE)]


def test_a_seeded_route_is_named_in_the_readers_language_until_renamed(platform_admin):
    from django.utils import translation

    route = french()
    with translation.override("ru"):
        assert str(route) == "Гуманитарная виза Франции"
    services.route_save(
        by=platform_admin, route=route, name="Humanitarian visa (France)", active=True, position=0
    )
    with translation.override("ru"):
        assert str(french()) == "Humanitarian visa (France)"
