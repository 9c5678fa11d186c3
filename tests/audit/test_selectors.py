"""Reads of the audit log: an organisation's events, cursor pages, "who has seen this"."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.template.loader import render_to_string

from audit.models import AuditEvent
from audit.selectors import events_for_organisation, page_of, viewers_of
from audit.services import record
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

ORG = uuid.uuid4()
OTHER_ORG = uuid.uuid4()
ALICE = uuid.uuid4()
BORIS = uuid.uuid4()


def at(day: int, hour: int = 12):
    return time_machine.travel(datetime(2026, 11, day, hour, tzinfo=UTC), tick=False)


def seqs(events) -> list[int]:
    return [event.seq for event in events]


def test_it_returns_only_the_organisations_events_newest_first():
    mine_1 = record("auth.2fa.succeeded", actor=ALICE, org=ORG)
    record("auth.2fa.succeeded", actor=ALICE, org=OTHER_ORG)
    record("auth.login.failed", actor=None)
    mine_2 = record("member.frozen", actor=BORIS, org=ORG)

    assert seqs(events_for_organisation(organisation_id=ORG)) == [mine_2.seq, mine_1.seq]


def test_it_filters_by_person_action_namespace_and_code():
    a = record("auth.2fa.succeeded", actor=ALICE, org=ORG)
    b = record("auth.2fa.failed", actor=BORIS, org=ORG)
    c = record("member.role_changed", actor=ALICE, org=ORG)
    d = record("authority.x", actor=ALICE, org=ORG)  # shares letters, not the namespace

    assert seqs(events_for_organisation(organisation_id=ORG, actor_id=ALICE)) == [
        d.seq,
        c.seq,
        a.seq,
    ]
    assert seqs(events_for_organisation(organisation_id=ORG, action_prefix="auth")) == [
        b.seq,
        a.seq,
    ]
    assert seqs(events_for_organisation(organisation_id=ORG, action_prefix="auth.")) == [
        b.seq,
        a.seq,
    ]
    assert seqs(events_for_organisation(organisation_id=ORG, action_prefix="auth.2fa.failed")) == [
        b.seq
    ]
    assert seqs(
        events_for_organisation(organisation_id=ORG, actor_id=ALICE, action_prefix="auth")
    ) == [a.seq]


def test_date_bounds_are_whole_days_and_inclusive():
    with at(1, 23):
        first = record("auth.logout", actor=ALICE, org=ORG)
    with at(2, 0):
        second = record("auth.logout", actor=ALICE, org=ORG)
    with at(3, 23):
        third = record("auth.logout", actor=ALICE, org=ORG)
    with at(4, 0):
        record("auth.logout", actor=ALICE, org=ORG)

    found = events_for_organisation(
        organisation_id=ORG, date_from=date(2026, 11, 2), date_to=date(2026, 11, 3)
    )
    assert seqs(found) == [third.seq, second.seq]
    assert seqs(events_for_organisation(organisation_id=ORG, date_to=date(2026, 11, 1))) == [
        first.seq
    ]


def test_cursor_pages_walk_the_whole_log_both_ways_without_overlap():
    for _ in range(12):
        record("auth.logout", actor=ALICE, org=ORG)
    events = events_for_organisation(organisation_id=ORG)

    first = page_of(events, size=5)
    second = page_of(events, before=first.older, size=5)
    third = page_of(events, before=second.older, size=5)
    back = page_of(events, after=third.newer, size=5)
    front = page_of(events, after=back.newer, size=5)

    assert (seqs(first.events), first.newer, first.older) == ([12, 11, 10, 9, 8], None, 8)
    assert (seqs(second.events), second.newer, second.older) == ([7, 6, 5, 4, 3], 7, 3)
    assert (seqs(third.events), third.newer, third.older) == ([2, 1], 2, None)
    assert (seqs(back.events), back.newer, back.older) == ([7, 6, 5, 4, 3], 7, 3)
    assert (seqs(front.events), front.newer, front.older) == ([12, 11, 10, 9, 8], None, 8)


def test_a_page_holds_exactly_size_events_when_the_log_is_a_multiple_of_it():
    for _ in range(10):
        record("auth.logout", actor=ALICE, org=ORG)
    events = events_for_organisation(organisation_id=ORG)

    first = page_of(events, size=5)
    second = page_of(events, before=first.older, size=5)

    assert seqs(second.events) == [5, 4, 3, 2, 1]
    assert second.older is None


def test_viewers_of_lists_each_person_once_with_last_time_and_count():
    user = UserFactory()
    membership = MembershipFactory(user=user, organisation=OrganisationFactory())
    other = MembershipFactory()
    with at(1):
        record("case.section.viewed", actor=ALICE, obj=membership, section="identity")
        record("case.section.viewed", actor=BORIS, obj=membership, section="legal")
    with at(2):
        record("case.section.viewed", actor=ALICE, obj=membership, section="legal")
        record("case.section.viewed", actor=None, obj=membership)  # the system: left out
        record("case.section.viewed", actor=BORIS, obj=other)  # another object
    with at(3):
        record("dossier.exported", actor=BORIS, obj=membership)

    viewers = viewers_of(object_type="accounts.membership", object_id=membership.pk)
    reads = viewers_of(
        object_type="accounts.membership", object_id=membership.pk, action_prefix="case"
    )

    assert [(v.actor_id, v.last_at.day, v.count) for v in viewers] == [(BORIS, 3, 2), (ALICE, 2, 2)]
    assert [(v.actor_id, v.last_at.day, v.count) for v in reads] == [(ALICE, 2, 2), (BORIS, 1, 1)]


def test_the_who_has_seen_this_partial_lists_the_labelled_viewers():
    membership = MembershipFactory()
    with at(5, 9):
        record("case.section.viewed", actor=ALICE, obj=membership, section="identity")
    viewers = viewers_of(object_type="accounts.membership", object_id=membership.pk)
    viewers[0].label = "Alice (Get Lost)"

    html = render_to_string("audit/viewers.html", {"viewers": viewers})
    empty = render_to_string("audit/viewers.html", {"viewers": []})

    assert "Alice (Get Lost)" in html
    assert "2026-11-05 09:00" in html
    assert '<td class="num">1</td>' in html
    assert "Nobody has opened this record yet." in empty
    assert AuditEvent.objects.count() == 1  # rendering reads nothing
