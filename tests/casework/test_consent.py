"""Consent follows the intake channel and is valid only once the client confirmed it; how
and when the client confirmed is asked, recorded (audited) and shown on the case."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from casework import services
from casework.models import (
    Consent,
    ConsentConfirmation,
    ConsentGiver,
    ConsentPurpose,
    IntakeChannel,
)
from casework.sections import Section
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def intransit(lawyer_intransit):
    return lawyer_intransit.memberships.get().organisation


@pytest.fixture
def relatives_case(open_case, caseworker_getlost):
    """A case a relative brought (the client has not spoken to anyone yet)."""
    return open_case(by=caseworker_getlost, intake_channel=IntakeChannel.RELATIVE)


def record_consent(case, by, to, given_by, **confirmation):
    return services.consent_record(
        case=case,
        by=by,
        purpose=ConsentPurpose.LEGAL_ADVICE,
        recipient=to,
        sections=[Section.LEGAL],
        given_by=given_by,
        expires_at=timezone.now() + timedelta(days=30),
        **confirmation,
    )


def form_post(intransit, given_by, **extra):
    return {
        "purpose": ConsentPurpose.LEGAL_ADVICE,
        "recipient": str(intransit.pk),
        "sections": [Section.LEGAL],
        "given_by": given_by,
        "expires_at": (timezone.now() + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M"),
        **extra,
    }


def _checked(body: str, value: str) -> bool:
    tag = body.split(f'value="{value}"', 1)[1].split(">", 1)[0]
    return "checked" in tag


# --- The form's default follows the intake channel ---------------------------------------------


def test_a_relatives_request_defaults_to_the_relative(client, caseworker_getlost, relatives_case):
    sign_in(client, caseworker_getlost)

    body = client.get(reverse("casework:consent_create", args=[relatives_case.reference]))

    assert body.status_code == 200
    html = body.content.decode()
    assert _checked(html, ConsentGiver.RELATIVE)
    assert not _checked(html, ConsentGiver.CLIENT)


def test_a_case_the_client_opened_defaults_to_the_client(client, caseworker_getlost, case_getlost):
    sign_in(client, caseworker_getlost)

    html = client.get(reverse("casework:consent_create", args=[case_getlost.reference]))

    assert _checked(html.content.decode(), ConsentGiver.CLIENT)


def test_saving_the_relatives_form_as_it_comes_leaves_the_consent_pending(
    client, caseworker_getlost, relatives_case, intransit
):
    sign_in(client, caseworker_getlost)
    url = reverse("casework:consent_create", args=[relatives_case.reference])

    response = client.post(url, form_post(intransit, ConsentGiver.RELATIVE))

    assert response.status_code == 302
    consent = Consent.objects.get(case=relatives_case)
    assert (consent.given_by, consent.confirmed_at, consent.is_valid()) == (
        ConsentGiver.RELATIVE,
        None,
        False,
    )


# --- Given by the client: how and when, or nothing is saved ------------------------------------


def test_the_clients_consent_without_how_and_when_is_refused_and_saves_nothing(
    client, caseworker_getlost, case_getlost, intransit
):
    with pytest.raises(ValidationError) as error:
        record_consent(case_getlost, caseworker_getlost, intransit, ConsentGiver.CLIENT)
    assert error.value.messages == [str(services.ERR_CONFIRMATION_REQUIRED)]

    sign_in(client, caseworker_getlost)
    url = reverse("casework:consent_create", args=[case_getlost.reference])
    response = client.post(url, form_post(intransit, ConsentGiver.CLIENT))
    assert response.status_code == 200
    assert str(services.ERR_CONFIRMATION_REQUIRED) in response.content.decode()
    assert not Consent.objects.exists()


def test_the_clients_consent_records_how_and_when_and_is_audited(
    client, caseworker_getlost, case_getlost, intransit
):
    sign_in(client, caseworker_getlost)
    url = reverse("casework:consent_create", args=[case_getlost.reference])
    when = timezone.localtime() - timedelta(hours=3)

    response = client.post(
        url,
        form_post(
            intransit,
            ConsentGiver.CLIENT,
            confirmed_via=ConsentConfirmation.PHONE,
            confirmed_at=when.strftime("%Y-%m-%dT%H:%M"),
        ),
    )

    assert response.status_code == 302
    consent = Consent.objects.get(case=case_getlost)
    assert consent.is_valid()
    assert consent.confirmed_via == ConsentConfirmation.PHONE
    assert consent.confirmed_at == when.replace(second=0, microsecond=0)
    assert consent.confirmation_recorded_by == caseworker_getlost
    events = list(
        AuditEvent.objects.filter(action__startswith="consent.").values_list("action", "data")
    )
    assert [(a, d.get("method"), d.get("status")) for a, d in events] == [
        ("consent.recorded", "client", "confirmed"),
        ("consent.confirmed", "phone", None),
    ]


def test_a_relatives_consent_takes_no_confirmation_when_recorded(
    caseworker_getlost, relatives_case, intransit
):
    with pytest.raises(ValidationError) as error:
        record_consent(
            relatives_case,
            caseworker_getlost,
            intransit,
            ConsentGiver.RELATIVE,
            confirmed_via=ConsentConfirmation.PHONE,
            confirmed_at=timezone.now(),
        )
    assert error.value.messages == [str(services.ERR_CONFIRMATION_FOR_RELATIVE)]
    assert not Consent.objects.exists()


# --- Confirming a relative's consent ------------------------------------------------------------


def test_confirming_asks_how_and_when_and_one_click_confirms_nothing(
    client, caseworker_getlost, relatives_case, intransit
):
    pending = record_consent(relatives_case, caseworker_getlost, intransit, ConsentGiver.RELATIVE)
    sign_in(client, caseworker_getlost)
    url = reverse("casework:consent_confirm", args=[relatives_case.reference, pending.pk])

    page = client.get(url).content.decode()
    clicked = client.post(url, {})

    assert 'name="confirmed_via"' in page and 'name="confirmed_at"' in page
    assert clicked.status_code == 200
    pending.refresh_from_db()
    assert pending.confirmed_at is None
    assert not AuditEvent.objects.filter(action="consent.confirmed").exists()


def test_confirming_records_how_and_when_audits_it_and_shows_it_on_the_case(
    client, caseworker_getlost, relatives_case, intransit
):
    pending = record_consent(relatives_case, caseworker_getlost, intransit, ConsentGiver.RELATIVE)
    sign_in(client, caseworker_getlost)
    url = reverse("casework:consent_confirm", args=[relatives_case.reference, pending.pk])
    when = timezone.localtime().replace(second=0, microsecond=0)

    response = client.post(
        url,
        {
            "confirmed_via": ConsentConfirmation.SIGNED_MESSAGE,
            "confirmed_at": when.strftime("%Y-%m-%dT%H:%M"),
        },
    )

    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.is_valid()
    assert (pending.confirmed_via, pending.confirmed_at) == (
        ConsentConfirmation.SIGNED_MESSAGE,
        when,
    )
    event = AuditEvent.objects.get(action="consent.confirmed")
    assert event.data == {"consent": str(pending.pk), "method": "signed_message"}
    assert event.actor_id == caseworker_getlost.pk
    page = client.get(relatives_case.get_absolute_url()).content.decode()
    assert "The client confirmed: Signed or verified message from the client, " + when.strftime(
        "%Y-%m-%d %H:%M"
    ) in page.replace("\n", " ")


@pytest.mark.parametrize(
    ("offset", "message"),
    [
        (timedelta(minutes=5), services.ERR_CONFIRMATION_FUTURE),
        (-timedelta(days=1), services.ERR_CONFIRMATION_BEFORE_CONSENT),
    ],
)
def test_a_confirmation_at_an_impossible_time_is_refused(
    caseworker_getlost, relatives_case, intransit, offset, message
):
    pending = record_consent(relatives_case, caseworker_getlost, intransit, ConsentGiver.RELATIVE)

    with pytest.raises(ValidationError) as error:
        services.consent_confirm(
            consent=pending,
            by=caseworker_getlost,
            confirmed_via=ConsentConfirmation.IN_PERSON,
            confirmed_at=timezone.now() + offset,
        )

    assert error.value.messages == [str(message)]
    pending.refresh_from_db()
    assert (pending.confirmed_at, pending.confirmed_via) == (None, "")


def test_a_clients_confirmation_older_than_a_month_is_refused(
    caseworker_getlost, case_getlost, intransit
):
    with pytest.raises(ValidationError) as error:
        record_consent(
            case_getlost,
            caseworker_getlost,
            intransit,
            ConsentGiver.CLIENT,
            confirmed_via=ConsentConfirmation.IN_PERSON,
            confirmed_at=timezone.now() - timedelta(days=40),
        )
    assert error.value.messages == [str(services.ERR_CONFIRMATION_TOO_OLD)]
