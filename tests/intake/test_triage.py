"""The triage queue: intakes of every channel in one list, and taking one on, merging it into
an existing case, or discarding it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from casework.envelope import key_scope
from casework.models import CaseKey, IntakeChannel, LegalCategory, Person, Status
from casework.services import ERR_MERGE_TARGET, ERR_NOT_AT_INTAKE
from intake import selectors, services
from intake.models import Conversation
from tests.intake.conftest import MARKER

pytestmark = pytest.mark.django_db


def test_the_queue_lists_intakes_of_every_channel_urgent_first(
    receive, signed_in, caseworker_getlost
):
    calm = receive("Здравствуйте")
    web = receive("С сайта", sender="phrase words", channel=IntakeChannel.CONTACT_PAGE)
    urgent = receive("Срочно нужна помощь", sender="3003")
    page = signed_in(caseworker_getlost).get(reverse("intake:queue"))
    assert page.status_code == 200
    body = page.content.decode()
    refs = [c.case.reference for c in (urgent, calm, web)]
    positions = [body.index(f'data-reference="{r}"') for r in refs]
    assert positions == sorted(positions)
    assert "Contact page" in body and "Telegram bot" in body
    # The navigation counts what waits.
    assert 'data-waiting="3"' in body
    assert "Здравствуйте" not in body  # no content in the list


def test_the_queue_pages_its_list(receive, caseworker_getlost, getlost):
    for n in range(selectors.QUEUE_PAGE_SIZE + 2):
        receive("Сообщение", sender=f"s{n}")
    rows = selectors.triage_queue(user=caseworker_getlost, organisation=getlost)
    assert rows.count() == selectors.QUEUE_PAGE_SIZE + 2


def test_the_queue_shows_nothing_of_another_organisation(receive, signed_in, outsider):
    receive("Здравствуйте")
    page = signed_in(outsider).get(reverse("intake:queue"))
    assert page.status_code == 200
    assert "data-reference" not in page.content.decode()


def test_taking_on_assigns_and_moves_to_triage(receive, signed_in, caseworker_getlost):
    case = receive(f"Помогите {MARKER}").case
    client = signed_in(caseworker_getlost)
    url = reverse("intake:take_on", args=[case.reference])
    refused = client.post(url, {"legal_category": LegalCategory.UNKNOWN, "risk_level": "high"})
    assert refused.status_code == 200  # the form says why; nothing changed
    case.refresh_from_db()
    assert case.status == Status.INTAKE
    response = client.post(
        url, {"legal_category": "deserter", "service_category": "mobilised", "risk_level": "high"}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.TRIAGE and case.legal_category == "deserter"
    assert list(case.assigned_caseworkers.all()) == [caseworker_getlost]
    # Now the caseworker reads the conversation on the case page.
    page = client.get(case.get_absolute_url())
    assert MARKER in page.content.decode()
    # And the intake left the queue: a second take-on finds nothing.
    assert client.get(url).status_code == 404


def test_an_intake_is_not_readable_before_anyone_takes_it_on(
    receive, signed_in, caseworker_getlost
):
    case = receive(f"Помогите {MARKER}").case
    page = signed_in(caseworker_getlost).get(case.get_absolute_url())
    assert page.status_code == 200
    assert MARKER not in page.content.decode()


def test_merging_moves_the_words_under_the_target_keys_and_shreds_the_intake(
    receive, case_getlost, caseworker_getlost, signed_in
):
    intake = receive(f"Это снова я {MARKER}", contact_handle="@again").case
    client = signed_in(caseworker_getlost)
    url = reverse("intake:merge", args=[intake.reference])
    response = client.post(url, {"into": str(case_getlost.pk)})
    assert response.status_code == 302
    intake.refresh_from_db()
    assert intake.status == Status.CLOSED
    assert CaseKey.objects.filter(case=intake, shredded_at__isnull=True).count() == 0
    conversation = Conversation.objects.get()
    assert conversation.case_id == case_getlost.pk
    with key_scope():
        message = conversation.messages.get()
        assert MARKER in case_getlost.envelope.open(message, "text")
        statement = case_getlost.testimonies.get()
        assert MARKER in case_getlost.envelope.open(statement, "text")
        person = Person.objects.get(case=case_getlost)
        handles = case_getlost.envelope.open(person, "contact_handles")
        assert "@again" in handles
    assert AuditEvent.objects.filter(action="intake.merged").count() == 2
    # The next message of that sender joins the merged case.
    assert receive("Ещё").case_id == case_getlost.pk


def test_merging_into_a_case_one_is_not_assigned_to_is_refused(
    receive, open_case, colleague_getlost, caseworker_getlost
):
    intake = receive("Привет").case
    other = open_case(by=colleague_getlost)
    with pytest.raises(Exception) as error:
        services.intake_merge(case=intake, into=other, by=caseworker_getlost)
    assert str(ERR_MERGE_TARGET) in str(error.value)
    intake.refresh_from_db()
    assert intake.status == Status.INTAKE
    assert Conversation.objects.get().case_id == intake.pk


def test_discarding_shreds_every_section_and_is_audited(receive, admin_getlost, signed_in):
    intake = receive(f"Спам {MARKER}").case
    client = signed_in(admin_getlost)
    url = reverse("intake:discard", args=[intake.reference])
    assert client.post(url, {}).status_code == 200  # not confirmed: nothing happens
    assert CaseKey.objects.filter(case=intake, shredded_at__isnull=True).count() == 7
    assert client.post(url, {"confirm": "on"}).status_code == 302
    intake.refresh_from_db()
    assert intake.status == Status.CLOSED
    assert CaseKey.objects.filter(case=intake, shredded_at__isnull=True).count() == 0
    assert AuditEvent.objects.filter(action="intake.discarded").count() == 1
    assert AuditEvent.objects.filter(action="case.shredded").count() == 1
    # The same sender writing again opens a new intake.
    assert receive("Снова").case_id != intake.pk


def test_a_taken_on_intake_cannot_be_discarded_from_the_queue(
    receive, caseworker_getlost, admin_getlost
):
    case = receive("Привет").case
    services.intake_take_on(
        case=case,
        by=caseworker_getlost,
        legal_category="evader",
        service_category="civilian_summoned",
        risk_level="low",
    )
    with pytest.raises(Exception) as error:
        services.intake_discard(case=case, by=admin_getlost)
    assert str(ERR_NOT_AT_INTAKE) in str(error.value)
