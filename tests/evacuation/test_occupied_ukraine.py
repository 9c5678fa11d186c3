"""Residents of occupied Ukraine forced into the Russian army take their own path: no Russian
service category asked, the route is protection for Ukrainians, and statistics count them in
a row of their own."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from casework import services as casework_services
from casework.models import Case, LegalCategory, ServiceCategory, Status
from evacuation import services
from evacuation.models import VisaRoute
from stats.breakdowns import BREAKDOWNS, Stage, stage_of

pytestmark = pytest.mark.django_db

OCCUPIED = LegalCategory.OCCUPIED_UKRAINE


def test_no_russian_service_category_is_asked(open_case, caseworker_getlost):
    case = open_case(by=caseworker_getlost, legal_category=OCCUPIED, service_category="")
    assert case.service_category == ServiceCategory.OCCUPIED_UKRAINE


def test_a_service_category_given_for_them_is_kept(open_case, caseworker_getlost):
    case = open_case(
        by=caseworker_getlost, legal_category=OCCUPIED, service_category=ServiceCategory.MOBILISED
    )
    assert case.service_category == ServiceCategory.MOBILISED


@pytest.mark.parametrize(
    ("legal", "service", "message"),
    [
        (
            LegalCategory.DESERTER,
            ServiceCategory.OCCUPIED_UKRAINE,
            "The service category “Resident of occupied Ukraine” goes with the legal category "
            "of the same name.",
        ),
        (LegalCategory.DESERTER, "", "Choose a service category."),
    ],
)
def test_categories_that_do_not_go_together_are_refused(
    open_case, caseworker_getlost, legal, service, message
):
    with pytest.raises(ValidationError) as error:
        open_case(by=caseworker_getlost, legal_category=legal, service_category=service)
    assert error.value.messages == [message]
    assert not Case.objects.exists()


def test_changing_to_occupied_ukraine_sets_the_service_category(case_getlost, caseworker_getlost):
    casework_services.case_update_shell(
        case=case_getlost,
        by=caseworker_getlost,
        risk_level=case_getlost.risk_level,
        legal_category=OCCUPIED,
        service_category="",
    )
    case_getlost.refresh_from_db()
    assert case_getlost.service_category == ServiceCategory.OCCUPIED_UKRAINE


def _visa(case, by):
    return services.visa_save(
        case=case,
        by=by,
        route=VisaRoute.UKRAINIAN_PROTECTION,
        destination="DE",
        appointment_on=timezone.now().date(),
    )


def test_protection_for_ukrainians_is_their_route_only(case_kz, caseworker_getlost):
    with pytest.raises(ValidationError) as error:
        _visa(case_kz, caseworker_getlost)
    assert error.value.messages == [str(services.ERR_NOT_UKRAINIAN)]
    casework_services.case_update_shell(
        case=case_kz,
        by=caseworker_getlost,
        risk_level=case_kz.risk_level,
        legal_category=OCCUPIED,
        service_category="",
    )
    assert _visa(case_kz, caseworker_getlost).route == VisaRoute.UKRAINIAN_PROTECTION


def test_the_case_page_and_visa_form_route_them_to_protection_for_ukrainians(
    open_case, caseworker_getlost, signed_in
):
    case = open_case(by=caseworker_getlost, legal_category=OCCUPIED, service_category="")
    casework_services.case_verify(case=case, by=caseworker_getlost)
    client = signed_in(caseworker_getlost)
    assert 'id="ukrainian-protection"' in client.get(case.get_absolute_url()).content.decode()
    form = client.get(reverse("evacuation:visa_add", args=[case.reference])).content.decode()
    assert '<option value="ukrainian_protection" selected>' in form


def test_statistics_count_them_apart_and_stayed_in_russia_is_an_outcome():
    requests = next(b for b in BREAKDOWNS if b.code == "requests")
    assert {OCCUPIED, LegalCategory.DESERTER} <= set(requests.rows.labels())
    assert stage_of(Status.STAYED_IN_RUSSIA, "RU") == Stage.STAYED
