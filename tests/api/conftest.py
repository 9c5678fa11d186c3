"""API fixtures. Personas come from tests/conftest.py; here:
case_getlost     a Get Lost case opened by (so assigned to) caseworker_getlost, with a
                 marker in its testimony
personal_token   ``personal_token(user)``: the text of a new personal token of ``user``
                 in their (first) organisation
intake_token     ``intake_token(admin)``: the text of a new intake token of the admin's
                 organisation
bearer           ``bearer(text)``: the request header for a token
"""

from __future__ import annotations

import pytest

from api import services as token_services
from casework import services
from casework.models import Country, IntakeChannel, LegalCategory, RiskLevel, ServiceCategory
from tests.casework.conftest import reference_data  # noqa: F401 - a fixture

MARKER = "APIMARKER4417"


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.WAYPOINT_MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def case_getlost(caseworker_getlost, reference_data):  # noqa: F811 - the fixture above
    case = services.case_create(
        organisation=caseworker_getlost.memberships.get().organisation,
        by=caseworker_getlost,
        pseudonym="Heron",
        legal_name=f"Иванов {MARKER}",
        intake_channel=IntakeChannel.TELEGRAM_BOT,
        legal_category=LegalCategory.DESERTER,
        service_category=ServiceCategory.MOBILISED,
        risk_level=RiskLevel.HIGH,
        country=Country.objects.get(pk="KZ"),
    )
    services.testimony_add(
        case=case, by=caseworker_getlost, language="ru", text=MARKER, consent_dossier=False
    )
    return case


@pytest.fixture
def personal_token(db):
    def make(user, *, days: int = 30) -> str:
        organisation = user.memberships.first().organisation
        issued = token_services.personal_token_create(
            user=user, organisation=organisation, name="script", days=days
        )
        return issued.text

    return make


@pytest.fixture
def intake_token(db):
    def make(admin, *, days: int = 90) -> str:
        organisation = admin.memberships.first().organisation
        issued = token_services.intake_token_create(
            organisation=organisation, by=admin, name="partner form", days=days
        )
        return issued.text

    return make


def bearer(text: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {text}"}
