"""Regions may raise their country's risk: the case banner shows the more severe, and only to
those who may open location and route (a region says where the person is)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from casework import services
from casework.models import Country, LegalBasis, Location, Region, RiskLevel, more_severe

pytestmark = pytest.mark.django_db


def place(case, by, country: str, region: Region | None):
    return services.location_update(
        case=case,
        by=by,
        country=Country.objects.get(pk=country),
        legal_basis=LegalBasis.VISA_FREE,
        region="",
        stay_expires=None,
        route_notes="",
        risk_region=region,
    )


def test_more_severe_picks_the_higher_risk():
    assert more_severe(RiskLevel.HIGH, RiskLevel.CRITICAL) == RiskLevel.CRITICAL
    assert more_severe(RiskLevel.CRITICAL, RiskLevel.MEDIUM) == RiskLevel.CRITICAL
    assert more_severe(RiskLevel.MEDIUM, "") == RiskLevel.MEDIUM


def test_gyumri_is_seeded_critical_inside_high_risk_armenia(reference_data):
    shirak = Region.objects.get(code="am-shirak")
    assert (shirak.country.risk_level, shirak.risk_level) == (RiskLevel.HIGH, RiskLevel.CRITICAL)


def test_the_banner_shows_the_regions_higher_risk(case_getlost, caseworker_getlost, signed_in):
    services.case_verify(case=case_getlost, by=caseworker_getlost)
    place(case_getlost, caseworker_getlost, "AM", None)
    client = signed_in(caseworker_getlost)
    body = client.get(case_getlost.get_absolute_url()).content.decode()
    assert "The person is in Armenia: High risk." in body
    place(case_getlost, caseworker_getlost, "AM", Region.objects.get(code="am-shirak"))
    body = client.get(case_getlost.get_absolute_url()).content.decode()
    assert "The person is in Shirak (Gyumri), Armenia: Critical risk." in body
    assert "Region of higher risk" in body


def test_a_region_raises_a_medium_country_to_a_banner(case_getlost, caseworker_getlost, signed_in):
    services.case_verify(case=case_getlost, by=caseworker_getlost)
    place(case_getlost, caseworker_getlost, "GE", None)
    client = signed_in(caseworker_getlost)
    assert (
        'id="location-advisory"' not in client.get(case_getlost.get_absolute_url()).content.decode()
    )
    place(case_getlost, caseworker_getlost, "GE", Region.objects.get(code="ge-abkhazia"))
    body = client.get(case_getlost.get_absolute_url()).content.decode()
    assert "The person is in Abkhazia, Georgia: Critical risk." in body


def test_the_region_is_sealed_and_hidden_without_the_location_section(
    case_getlost, caseworker_getlost, colleague_getlost, signed_in
):
    services.case_verify(case=case_getlost, by=caseworker_getlost)
    place(case_getlost, caseworker_getlost, "AM", Region.objects.get(code="am-shirak"))
    raw = Location.objects.filter(case=case_getlost).values_list("risk_region", flat=True).get()
    assert b"am-shirak" not in bytes(raw)
    page = signed_in(colleague_getlost).get(case_getlost.get_absolute_url())
    assert page.status_code == 200
    body = page.content.decode()
    assert "Shirak" not in body and "Gyumri" not in body and "Armenia" not in body


def test_a_region_of_another_country_is_refused(case_getlost, caseworker_getlost):
    services.case_verify(case=case_getlost, by=caseworker_getlost)
    with pytest.raises(ValidationError) as error:
        place(case_getlost, caseworker_getlost, "KZ", Region.objects.get(code="am-shirak"))
    assert error.value.messages == ["The region chosen lies in another country."]
