"""Reads of the intake app that depend on who asks. The triage queue and its actions reach
intakes only through casework.selectors.cases_visible_to."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.db.models import Count, QuerySet
from django.http import Http404

from accounts.models import Organisation, User
from casework.envelope import is_shredded
from casework.models import Case, Status
from casework.sections import Section
from casework.selectors import cases_visible_to, section_refusal
from intake.delivery import deliverer_for
from intake.models import Conversation, Direction, Message

QUEUE_PAGE_SIZE = 25
# The navigation's badge is read on every page of caseworkers and org admins: it is kept in
# the cache (a count, under ids only) for this long, and forgotten at once when the intake
# services change the queue. A case moved out of intake elsewhere (its status changed on the
# case page) shows in the badge after at most this long.
TRIAGE_COUNT_SECONDS = 30


def _intakes(user: User, organisation: Organisation) -> QuerySet[Case]:
    return cases_visible_to(user=user).filter(organisation=organisation, status=Status.INTAKE)


def triage_queue(*, user: User, organisation: Organisation) -> QuerySet[Conversation]:
    """The organisation's channel intakes nobody has taken on yet, urgent and route-asking
    first, then oldest first; with the case, the pseudonym and the number of messages.
    No content. Lazy: one query per page."""
    return (
        Conversation.objects.filter(case__in=_intakes(user, organisation))
        .select_related("case", "case__person")
        .annotate(message_count=Count("messages"))
        .order_by("-urgent", "-asks_route", "received_at", "pk")
    )


def _triage_version_key(organisation_id: Any) -> str:
    return f"intake:triage:{organisation_id}"


def triage_count(*, user: User, organisation: Organisation) -> int:
    """How many intakes wait in the queue (the navigation's badge): one query, at most once
    per TRIAGE_COUNT_SECONDS for each user and organisation (cached under ids only)."""
    version = cache.get_or_set(_triage_version_key(organisation.pk), 1, None)
    key = f"intake:triage:{organisation.pk}:{version}:{user.pk}"
    count = cache.get(key)
    if count is None:
        count = (
            Case.objects.filter(pk__in=_intakes(user, organisation).values("pk"))
            .filter(conversations__isnull=False)
            .distinct()
            .count()
        )
        cache.set(key, count, TRIAGE_COUNT_SECONDS)
    return int(count)


def forget_triage_count(*, organisation_id: Any) -> None:
    """Makes every cached badge of the organisation's queue stale (intakes came or went)."""
    key = _triage_version_key(organisation_id)
    try:
        cache.incr(key)
    except ValueError:  # nothing cached yet
        cache.set(key, 2, None)


def intake_for(*, user: User, organisation: Organisation, reference: str) -> Case:
    """The channel intake with that reference in the user's active organisation, still at
    intake; Http404 otherwise (another organisation's, taken on, unknown). One query."""
    case = (
        _intakes(user, organisation)
        .filter(reference=reference, conversations__isnull=False)
        .select_related("person", "organisation")
        .distinct()
        .first()
    )
    if case is None:
        raise Http404
    return case


def merge_targets(*, user: User, organisation: Organisation) -> QuerySet[Case]:
    """Cases of the organisation the user is assigned to and that are not closed: where an
    intake may be merged. Lazy."""
    return (
        cases_visible_to(user=user)
        .filter(organisation=organisation, assigned_caseworkers=user)
        .exclude(status=Status.CLOSED)
        .select_related("person")
        .order_by("-year", "-number")
    )


def conversation_for(*, user: User, pk: Any) -> Conversation:
    """A conversation of a case the user may see; Http404 otherwise. One query."""
    conversation = (
        Conversation.objects.filter(pk=pk, case__in=cases_visible_to(user=user))
        .select_related("case", "case__organisation")
        .first()
    )
    if conversation is None:
        raise Http404
    return conversation


@dataclass
class ConversationView:
    conversation: Conversation
    messages: list[dict] = field(default_factory=list)
    can_reply: bool = False


def case_conversations(*, user: User, case: Case, assigned: bool) -> list[ConversationView]:
    """The case's conversations with their messages opened, for the case page: empty unless
    the user may open the contact section (the page's key scope checks again). Call inside
    the page's key scope. Two queries, plus the grant check; none when the case page's row
    already says there is no conversation (casework.selectors.register_case_page_box)."""
    if getattr(case, "_any_conversations", True) is False:
        return []
    conversations = list(Conversation.objects.filter(case=case).order_by("received_at"))
    if not conversations:
        return []
    if section_refusal(user=user, case=case, section=Section.CONTACT, assigned=assigned):
        return []
    if is_shredded(case_id=case.pk, section=Section.CONTACT):
        return []
    rows = Message.objects.filter(conversation__in=conversations).select_related("author")
    by_conversation: dict[Any, list[dict]] = {}
    for message in rows.order_by("conversation_id", "seq"):
        by_conversation.setdefault(message.conversation_id, []).append(
            {
                "row": message,
                "inbound": message.direction == Direction.INBOUND,
                "text": case.envelope.open(message, "text"),
            }
        )
    return [
        ConversationView(
            conversation=c,
            messages=by_conversation.get(c.pk, []),
            can_reply=assigned and deliverer_for(c.channel) is not None,
        )
        for c in conversations
    ]
