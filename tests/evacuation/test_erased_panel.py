"""The evacuation panel of a case whose location and route was shredded says what is true of
the erasure (here, and in older backups and copies) as the case page does, not more."""

from __future__ import annotations

import pytest

from casework import services as casework_services
from casework.envelope.epochs import erasure_statement
from casework.envelope.store import shredded_times
from casework.sections import Section
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def test_the_panel_of_an_erased_route_says_when_older_copies_stop_opening(
    client, case_kz, caseworker_getlost
):
    casework_services.case_shred(case=case_kz, by=None, sections=[Section.LOCATION])
    sign_in(client, caseworker_getlost)
    html = client.get(case_kz.get_absolute_url()).content.decode()
    assert "erased for good" not in html
    statement = erasure_statement(shredded_times(case_id=case_kz.pk)[Section.LOCATION])
    # Once in the location panel, once in the evacuation panel.
    assert html.count(statement) == 2
    panel = html[html.index('id="evacuation"') :]
    assert "No plan can be kept for this case any more." in panel
    assert "Plan the evacuation" not in panel
