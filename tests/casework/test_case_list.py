"""The case list for triage: sortable columns (a whitelisted ``?sort=``), the next deadline,
the legal category, the assignee filter (frozen shown as such), search by reference and
pseudonym, and bulk reassignment by an org admin (one accountable assignment per case)."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import time_machine
from django.utils import timezone

from audit.models import AuditEvent
from casework import services
from casework.models import Case, CaseAssignment, LegalCategory, RiskLevel, Status
from deadlines import services as deadline_services
from deadlines.models import DeadlineKind
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

NOW = "2026-03-10 09:00:00+00:00"


def _refs(body: str) -> list[str]:
    return re.findall(r'<td><a href="/cases/[^"]+/">([A-Z]+-\d{4}-\d{4})</a></td>', body)


@pytest.fixture
def three(open_case, caseworker_getlost):
    """Three Get Lost cases: 0001 medium risk at triage, 0002 critical, 0003 low at intake."""
    first = open_case(by=caseworker_getlost, pseudonym="Heron", risk_level=RiskLevel.MEDIUM)
    second = open_case(
        by=caseworker_getlost,
        pseudonym="Sparrow",
        risk_level=RiskLevel.CRITICAL,
        legal_category=LegalCategory.EVADER,
    )
    third = open_case(by=caseworker_getlost, pseudonym="Crane", risk_level=RiskLevel.LOW)
    Case.objects.filter(pk=first.pk).update(status=Status.TRIAGE)
    return first, second, third


@time_machine.travel(NOW, tick=False)
def test_it_sorts_by_each_whitelisted_column(client, three, caseworker_getlost):
    first, second, third = three
    sign_in(client, caseworker_getlost)
    order = {
        "reference": [first, second, third],
        "-reference": [third, second, first],
        "risk": [third, first, second],
        "-risk": [second, first, third],
        "status": [third, second, first],  # intake before triage; newest first among equals
    }
    for sort, expected in order.items():
        body = client.get(f"/cases/?sort={sort}").content.decode()
        assert _refs(body) == [c.reference for c in expected], sort


@time_machine.travel(NOW, tick=False)
def test_an_unknown_sort_falls_back_to_newest_first(client, three, caseworker_getlost):
    first, second, third = three
    sign_in(client, caseworker_getlost)
    body = client.get("/cases/?sort=person__legal_name").content.decode()
    assert _refs(body) == [third.reference, second.reference, first.reference]


@time_machine.travel(NOW, tick=False)
def test_it_shows_and_sorts_by_the_next_deadline(client, three, caseworker_getlost):
    first, second, third = three
    kind = DeadlineKind.objects.get(code="consulate_appointment")
    today = timezone.now().date()
    for case, days in ((first, 70), (third, 3), (third, 40)):
        deadline_services.deadline_create(
            case=case, by=caseworker_getlost, kind=kind, due_date=today + timedelta(days=days)
        )
    sign_in(client, caseworker_getlost)
    body = client.get("/cases/?sort=next_deadline").content.decode()
    # Soonest first; a case without an open deadline last.
    assert _refs(body) == [third.reference, first.reference, second.reference]
    assert "13 Mar · Consulate appointment" in body
    assert "19 May · Consulate appointment" in body
    body = client.get("/cases/?sort=-next_deadline").content.decode()
    assert _refs(body) == [first.reference, third.reference, second.reference]


@time_machine.travel(NOW, tick=False)
def test_the_next_deadline_is_not_shown_to_a_colleague_not_assigned(
    client, three, caseworker_getlost, colleague_getlost
):
    kind = DeadlineKind.objects.get(code="consulate_appointment")
    deadline_services.deadline_create(
        case=three[0], by=caseworker_getlost, kind=kind, due_date=date(2026, 3, 13)
    )
    sign_in(client, colleague_getlost)
    body = client.get("/cases/?sort=next_deadline").content.decode()
    assert "Consulate appointment" not in body


@time_machine.travel(NOW, tick=False)
def test_it_sorts_by_last_activity(client, three, caseworker_getlost):
    first, second, third = three
    # Later than the cases' opening, whenever the fixtures ran.
    with time_machine.travel("2030-01-15 09:00:00+00:00", tick=False):
        services.note_add(case=first, by=caseworker_getlost, text="Called back")
    sign_in(client, caseworker_getlost)
    body = client.get("/cases/?sort=-last_activity").content.decode()
    assert _refs(body)[0] == first.reference
    assert "15 Jan 2030" in body
    body = client.get("/cases/?sort=last_activity").content.decode()
    assert _refs(body)[-1] == first.reference


@time_machine.travel(NOW, tick=False)
def test_it_shows_the_legal_category(client, three, caseworker_getlost):
    sign_in(client, caseworker_getlost)
    body = client.get("/cases/").content.decode()
    assert "Evader (left before any call-up)" in body
    assert "Deserter" in body


@time_machine.travel(NOW, tick=False)
def test_it_filters_by_assignee_and_marks_a_frozen_one(
    client, three, caseworker_getlost, colleague_getlost, admin_getlost
):
    first, second, third = three
    Case.objects.get(pk=second.pk).assigned_caseworkers.set([colleague_getlost])
    colleague_getlost.frozen_at = timezone.now()
    colleague_getlost.save(update_fields=["frozen_at"])
    sign_in(client, admin_getlost)
    body = client.get(f"/cases/?assignee={colleague_getlost.pk}").content.decode()
    assert _refs(body) == [second.reference]
    assert "(frozen)" in body  # in the filter's choices
    assert '<span class="badge warn">frozen</span>' in body  # in the Assigned column
    body = client.get(f"/cases/?assignee={caseworker_getlost.pk}").content.decode()
    assert _refs(body) == [third.reference, first.reference]


@time_machine.travel(NOW, tick=False)
def test_it_finds_cases_by_reference_and_by_pseudonym(client, three, caseworker_getlost):
    first, second, third = three
    sign_in(client, caseworker_getlost)
    found = client.post("/cases/search/", {"kind": "reference", "value": "0002"})
    assert _refs(found.content.decode()) == [second.reference]
    found = client.post("/cases/search/", {"kind": "pseudonym", "value": "cran"})
    assert _refs(found.content.decode()) == [third.reference]
    found = client.post("/cases/search/", {"kind": "reference", "value": "EL-2026"})
    assert _refs(found.content.decode()) == []


@time_machine.travel(NOW, tick=False)
def test_search_by_reference_stays_inside_the_organisation(client, three, open_case, outsider):
    foreign = open_case(by=outsider, pseudonym="Heron")
    sign_in(client, outsider)
    found = client.post("/cases/search/", {"kind": "pseudonym", "value": "Heron"})
    assert _refs(found.content.decode()) == [foreign.reference]


def _bulk(client, cases, to, remove=None, reason="caseworker_left", explanation="Left the org"):
    data = {
        "cases": [str(c.pk) for c in cases],
        "to": str(to.pk),
        "reason": reason,
        "explanation": explanation,
    }
    if remove is not None:
        data["remove"] = str(remove.pk)
    return client.post("/cases/reassign/", data)


@pytest.fixture
def reason_code():
    from casework.models import AssignmentReason

    return AssignmentReason.values[0]


@time_machine.travel(NOW, tick=False)
def test_an_admin_reassigns_several_cases_with_one_audit_event_each(
    client, three, caseworker_getlost, colleague_getlost, admin_getlost, reason_code
):
    first, second, third = three
    sign_in(client, admin_getlost)
    before = AuditEvent.objects.filter(action="case.assigned").count()
    response = _bulk(
        client, [first, third], colleague_getlost, remove=caseworker_getlost, reason=reason_code
    )
    assert response.status_code == 302
    assert response["Location"] == f"/cases/?assignee={colleague_getlost.pk}"
    for case in (first, third):
        assert list(Case.objects.get(pk=case.pk).assigned_caseworkers.all()) == [colleague_getlost]
        row = CaseAssignment.objects.get(case=case, user=colleague_getlost)
        assert (row.assigned_by, row.reason) == (admin_getlost, reason_code)
    assert list(Case.objects.get(pk=second.pk).assigned_caseworkers.all()) == [caseworker_getlost]
    events = AuditEvent.objects.filter(action="case.assigned").order_by("seq")[before:]
    assert sorted(e.object_id for e in events) == sorted(str(c.pk) for c in (first, third))


@time_machine.travel(NOW, tick=False)
def test_a_bulk_reassignment_without_a_reason_changes_nothing(
    client, three, caseworker_getlost, colleague_getlost, admin_getlost
):
    sign_in(client, admin_getlost)
    response = _bulk(client, list(three), colleague_getlost, reason="", explanation="")
    assert response.status_code == 302
    for case in three:
        assert list(case.assigned_caseworkers.all()) == [caseworker_getlost]
    assert not AuditEvent.objects.filter(action="case.assigned").exists()
    page = client.get(response["Location"]).content.decode()
    assert "This field is required." in page


@time_machine.travel(NOW, tick=False)
def test_only_an_org_admin_reassigns_in_bulk(
    client, three, caseworker_getlost, colleague_getlost, reason_code
):
    sign_in(client, caseworker_getlost)
    response = _bulk(client, list(three), colleague_getlost, reason=reason_code)
    assert response.status_code == 403
    for case in three:
        assert list(case.assigned_caseworkers.all()) == [caseworker_getlost]


@time_machine.travel(NOW, tick=False)
def test_a_bulk_reassignment_cannot_reach_another_organisations_case(
    client, three, open_case, outsider, colleague_getlost, admin_getlost, reason_code
):
    foreign = open_case(by=outsider)
    sign_in(client, admin_getlost)
    response = _bulk(client, [three[0], foreign], colleague_getlost, reason=reason_code)
    assert response.status_code == 302
    assert list(Case.objects.get(pk=foreign.pk).assigned_caseworkers.all()) == [outsider]
    assert colleague_getlost not in Case.objects.get(pk=three[0].pk).assigned_caseworkers.all()


def test_the_admin_sees_the_bulk_form_and_a_caseworker_does_not(
    client, three, caseworker_getlost, admin_getlost
):
    sign_in(client, admin_getlost)
    assert 'id="bulk-form"' in client.get("/cases/").content.decode()
    sign_in(client, caseworker_getlost)
    assert 'id="bulk-form"' not in client.get("/cases/").content.decode()
