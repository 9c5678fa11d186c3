"""The triage queue's actions on an intake: take it on, merge it into another case, discard
it. Each checks who acts, then calls casework's service for the case itself."""

from __future__ import annotations

from functools import partial

from django.core.exceptions import PermissionDenied
from django.db import transaction

from accounts.models import User
from audit.services import deferred, record
from casework.envelope import key_scope
from casework.guards import seal
from casework.models import Case
from casework.selectors import is_owner_admin, is_owner_member
from casework.services import case_discard_intake, case_merge_intake, case_take_on, merge_check
from intake.models import Conversation, FileState
from intake.selectors import forget_triage_count


def intake_take_on(
    *, case: Case, by: User, legal_category: str, service_category: str, risk_level: str
) -> Case:
    """``by`` (a caseworker of the organisation) takes the intake on: categories set, assigned,
    moved to triage (casework.services.case_take_on). Writes intake.taken_on."""
    with transaction.atomic(), deferred():
        case_take_on(
            case=case,
            by=by,
            legal_category=legal_category,
            service_category=service_category,
            risk_level=risk_level,
        )
        record("intake.taken_on", actor=by, obj=case, org=case.organisation_id)
        _queue_changed(case)
    return case


def _queue_changed(case: Case) -> None:
    transaction.on_commit(partial(forget_triage_count, organisation_id=case.organisation_id))


def _move_conversation(conversation: Conversation, target: Case) -> None:
    """Re-seals the conversation and its messages under the target's contact key."""
    source = conversation.case
    address = source.envelope.open(conversation, "address")
    messages = list(conversation.messages.order_by("seq"))
    texts = [source.envelope.open(m, "text") for m in messages]
    conversation.case = target
    seal(target, conversation, {"address": address})
    conversation.save(update_fields=["case", "address"])
    for message, text in zip(messages, texts, strict=True):
        message.case = target
        seal(target, message, {"text": text})
        message.save(update_fields=["case", "text"])
    for pending in conversation.pending_files.filter(state=FileState.PENDING):
        file_ref = source.envelope.open(pending, "file_ref")
        pending.case = target
        seal(target, pending, {"file_ref": file_ref})
        pending.save(update_fields=["case", "file_ref"])


@transaction.atomic
def intake_merge(*, case: Case, into: Case, by: User) -> Case:
    """Merges the intake ``case`` into ``into`` (a case of the organisation ``by`` is assigned
    to): its conversations and messages move, re-sealed under the target's keys, its
    statements, contact handles and documents are copied there, then the intake is shredded
    and closed (casework.services.case_merge_intake). Writes intake.merged on both cases."""
    with key_scope(), deferred():
        merge_check(source=case, target=into, by=by)
        for conversation in Conversation.objects.filter(case=case):
            _move_conversation(conversation, into)
        case_merge_intake(source=case, target=into, by=by)
        record("intake.merged", actor=by, obj=case, org=case.organisation_id, merged_case=into.pk)
        record("intake.merged", actor=by, obj=into, org=into.organisation_id, merged_case=case.pk)
    _queue_changed(case)
    return into


@transaction.atomic
def intake_discard(*, case: Case, by: User) -> None:
    """Discards an intake (a caseworker or admin of the organisation): every section shredded,
    the case closed, the sender's index dropped so a later message opens a new intake. Writes
    case.shredded and intake.discarded."""
    if not (is_owner_member(user=by, case=case) or is_owner_admin(user=by, case=case)):
        raise PermissionDenied
    with deferred():
        case_discard_intake(case=case, by=by)
        Conversation.objects.filter(case=case).update(sender_index=None)
        record("intake.discarded", actor=by, obj=case, org=case.organisation_id)
    _queue_changed(case)
