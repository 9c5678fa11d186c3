from casework.models import Status
from casework.services import case_change_status
from tests.conftest import sign_in


def test_the_intakes_widget_counts_only_the_active_organisations_cases(
    client, open_case, caseworker_getlost, outsider
):
    open_case(by=caseworker_getlost)
    open_case(by=caseworker_getlost)
    triaged = open_case(by=caseworker_getlost)
    case_change_status(case=triaged, by=caseworker_getlost, status=Status.TRIAGE)
    open_case(by=outsider)
    sign_in(client, caseworker_getlost)
    body = client.get("/").content.decode()
    assert "2 cases are at intake." in body
    assert "1 case waits for triage." in body
    assert 'href="/cases/?status=intake"' in body
