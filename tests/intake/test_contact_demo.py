"""The demo's contact-page intakes: one waiting in Get Lost's triage queue, one answered and
readable with the phrase seed_demo prints; seeding twice adds nothing."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import transaction

from accounts import demo as accounts_demo
from casework.models import IntakeChannel, Status
from intake.contact import demo
from intake.contact.services import contact_answers
from intake.models import Conversation, Direction

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_waiting_and_an_answered_contact_page_intake(reference_data):
    cache.clear()
    with transaction.atomic():
        accounts_demo.seed_personas()
    phrase = demo.seed_contact_intakes()
    assert phrase == demo.seed_contact_intakes() == demo.demo_phrase("answered")
    conversations = Conversation.objects.filter(channel=IntakeChannel.CONTACT_PAGE)
    assert conversations.count() == 2
    assert {c.case.status for c in conversations} == {Status.INTAKE, Status.TRIAGE}
    assert {c.case.organisation.slug for c in conversations} == {"get-lost"}
    answered = conversations.get(case__status=Status.TRIAGE)
    assert answered.messages.filter(direction=Direction.OUTBOUND).count() == 1
    found = contact_answers(phrase=phrase)
    assert found is not None and [a.text for a in found.answers] == [demo.REPLY]
    cache.clear()
