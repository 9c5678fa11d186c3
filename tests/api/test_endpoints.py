"""The endpoints with a personal token, an intake token and a browser session: the same
reach, sections and audit as the pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.middleware import SECOND_FACTOR_FIRST
from api.authentication import ERR_TOKEN
from api.models import ApiToken
from audit.models import AuditEvent
from casework.sections import SECTIONS
from tests.api.conftest import MARKER, bearer
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def cases_url() -> str:
    return reverse("api:cases", kwargs={"version": "v1"})


def case_url(case, section: str | None = None) -> str:
    if section:
        return reverse(
            "api:case_section",
            kwargs={"version": "v1", "reference": case.reference, "section": section},
        )
    return reverse("api:case", kwargs={"version": "v1", "reference": case.reference})


def test_it_lists_the_organisations_cases_in_outline(client, case_getlost, personal_token):
    token = personal_token(case_getlost.assigned_caseworkers.get())
    response = client.get(cases_url(), **bearer(token))
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    assert body["results"][0]["reference"] == case_getlost.reference
    assert body["results"][0]["status"] == "intake"
    assert MARKER not in response.content.decode()
    assert "Иванов" not in response.content.decode()


def test_the_assigned_caseworker_reads_every_section_and_the_read_is_audited(
    client, case_getlost, personal_token
):
    user = case_getlost.assigned_caseworkers.get()
    token = personal_token(user)
    response = client.get(case_url(case_getlost), **bearer(token))
    assert response.status_code == 200
    body = response.json()
    assert set(body["sections"]) == set(SECTIONS)
    assert body["sections"]["identity"]["legal_name"] == f"Иванов {MARKER}"
    versions = body["sections"]["testimony"]["statements"][0]["versions"]
    assert versions[0]["text"] == MARKER
    viewed = AuditEvent.objects.filter(action="case.viewed", object_id=str(case_getlost.pk))
    assert viewed.count() == 1
    assert sorted(viewed.get().data["sections"]) == sorted(SECTIONS)
    used = AuditEvent.objects.filter(action="api.token.used", actor_id=user.pk).get()
    assert used.data["endpoint"] == "api:case"


def test_a_caseworker_not_assigned_sees_the_case_without_sections(
    client, case_getlost, make_member, personal_token
):
    colleague = make_member("get-lost")
    token = personal_token(colleague)
    response = client.get(case_url(case_getlost), **bearer(token))
    assert response.status_code == 200
    assert response.json()["sections"] == {}
    assert MARKER not in response.content.decode()
    refused = client.get(case_url(case_getlost, "testimony"), **bearer(token))
    assert refused.status_code == 403
    assert MARKER not in refused.content.decode()
    event = AuditEvent.objects.get(action="case.viewed", actor_id=colleague.pk)
    assert event.data["sections"] == []


def test_one_section_asked_directly_is_audited_alone(client, case_getlost, personal_token):
    token = personal_token(case_getlost.assigned_caseworkers.get())
    response = client.get(case_url(case_getlost, "testimony"), **bearer(token))
    assert response.status_code == 200
    assert response.json()["content"]["statements"][0]["versions"][0]["text"] == MARKER
    event = AuditEvent.objects.get(action="case.viewed", object_id=str(case_getlost.pk))
    assert event.data["sections"] == ["testimony"]
    assert client.get(case_url(case_getlost, "nonsense"), **bearer(token)).status_code == 404


def test_a_case_of_another_organisation_does_not_exist_for_the_caller(
    client, case_getlost, outsider, personal_token
):
    token = personal_token(outsider)
    assert client.get(case_url(case_getlost), **bearer(token)).status_code == 404
    assert client.get(case_url(case_getlost, "identity"), **bearer(token)).status_code == 404
    assert client.get(cases_url(), **bearer(token)).json()["count"] == 0


def test_an_intake_token_reads_nothing(client, case_getlost, admin_getlost, intake_token):
    token = intake_token(admin_getlost)
    for url in (cases_url(), case_url(case_getlost), reverse("api:deadlines", args=["v1"])):
        response = client.get(url, **bearer(token))
        assert response.status_code == 403, url
        assert MARKER not in response.content.decode()


def test_a_personal_token_cannot_send_intakes(client, caseworker_getlost, personal_token):
    token = personal_token(caseworker_getlost)
    url = reverse("api:intakes", args=["v1"])
    response = client.post(url, {"text": "hello"}, content_type="application/json", **bearer(token))
    assert response.status_code == 403


def test_a_revoked_token_opens_nothing_and_the_refusal_is_audited(
    client, case_getlost, personal_token
):
    user = case_getlost.assigned_caseworkers.get()
    text = personal_token(user)
    from api.services import token_revoke

    token_revoke(token=ApiToken.objects.get(user=user), by=user)
    response = client.get(case_url(case_getlost), **bearer(text))
    assert response.status_code == 401
    assert response.json() == {"detail": str(ERR_TOKEN)}
    assert response["WWW-Authenticate"] == "Bearer"
    refused = AuditEvent.objects.get(action="api.token.refused")
    assert refused.data["reason"] == "revoked"
    assert not AuditEvent.objects.filter(action="case.viewed").exists()


def test_an_expired_token_opens_nothing(client, case_getlost, personal_token):
    text = personal_token(case_getlost.assigned_caseworkers.get(), days=1)
    with time_machine.travel(timezone.now() + timedelta(days=1, minutes=1)):
        response = client.get(cases_url(), **bearer(text))
    assert response.status_code == 401
    assert AuditEvent.objects.get(action="api.token.refused").data["reason"] == "expired"


def test_a_frozen_persons_token_opens_nothing(client, case_getlost, personal_token):
    user = case_getlost.assigned_caseworkers.get()
    text = personal_token(user)
    user.frozen_at = timezone.now()
    user.save(update_fields=["frozen_at"])
    assert client.get(cases_url(), **bearer(text)).status_code == 401


def test_a_tampered_secret_opens_nothing(client, case_getlost, personal_token):
    text = personal_token(case_getlost.assigned_caseworkers.get())
    tampered = text[:-1] + ("A" if text[-1] != "A" else "B")
    assert client.get(cases_url(), **bearer(tampered)).status_code == 401
    assert AuditEvent.objects.get(action="api.token.refused").data["reason"] == "secret"
    assert client.get(cases_url(), HTTP_AUTHORIZATION="Token x").status_code == 401
    assert client.get(cases_url()).status_code == 401


def test_a_password_only_session_is_refused(case_getlost):
    client = sign_in(Client(), case_getlost.assigned_caseworkers.get(), verified=False)
    response = client.get(case_url(case_getlost))
    assert response.status_code == 403
    assert response.json() == {"detail": str(SECOND_FACTOR_FIRST)}
    assert not AuditEvent.objects.filter(action="case.viewed").exists()


def test_a_verified_session_reads_and_must_send_the_csrf_token_to_write(case_getlost, make_member):
    client = sign_in(Client(enforce_csrf_checks=True), case_getlost.assigned_caseworkers.get())
    assert client.get(case_url(case_getlost)).status_code == 200
    url = reverse("api:referral_decline", args=["v1", "00000000-0000-0000-0000-000000000000"])
    response = client.post(url)
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_each_token_has_its_own_budget(client, settings, case_getlost, personal_token, make_member):
    settings.WAYPOINT_API_RATE_PERSONAL = 2
    user = case_getlost.assigned_caseworkers.get()
    first, second = personal_token(user), personal_token(user)
    assert [client.get(cases_url(), **bearer(first)).status_code for _ in range(3)] == [
        200,
        200,
        429,
    ]
    assert client.get(cases_url(), **bearer(second)).status_code == 200


def test_a_token_reaches_only_its_own_organisation(client, case_getlost, make_member):
    """A person in two organisations: the token made for the other one does not list or open
    this organisation's cases."""
    from accounts.models import Organisation, Role
    from api.services import personal_token_create
    from tests.factories import MembershipFactory

    user = case_getlost.assigned_caseworkers.get()
    other = make_member("elsewhere").memberships.get().organisation
    MembershipFactory(user=user, organisation=other, role=Role.CASEWORKER)
    text = personal_token_create(user=user, organisation=other, name="other org").text
    assert Organisation.objects.count() == 2
    assert client.get(cases_url(), **bearer(text)).json()["count"] == 0
    assert client.get(case_url(case_getlost), **bearer(text)).status_code == 404


def test_an_intake_lands_in_the_triage_queue_and_a_partner_id_joins_later_ones(
    client, admin_getlost, intake_token, reference_data
):
    from casework.models import Case
    from intake.models import Conversation

    token = intake_token(admin_getlost)
    url = reverse("api:intakes", args=["v1"])

    def send(**body):
        return client.post(url, body, content_type="application/json", **bearer(token))

    assert send(text=f"First {MARKER}", sender="T-1", urgent=True).status_code == 201
    assert send(text="Second message", sender="T-1").status_code == 201
    assert send(text="Someone else").status_code == 201
    cases = Case.objects.filter(intake_channel="api")
    assert cases.count() == 2
    assert Conversation.objects.count() == 2
    assert all(case.status == "intake" for case in cases)
    assert not Case.assigned_caseworkers.through.objects.filter(case__in=cases).exists()
    refused = send(text="   ")
    assert refused.status_code == 400
    assert set(refused.json()["errors"]) == {"text"}
    assert send(text=7).status_code == 400
    assert cases.count() == 2
    # Nothing the person wrote is in clear in the audit log.
    assert not any(MARKER in str(e.data) for e in AuditEvent.objects.all())
