"""The checks and the sealing that every service writing to a case file starts with.

Public for the apps that build on casework (deadlines, evacuation): their services call these
rather than repeating them, so "who may write here" is decided in one place
(casework.selectors.section_refusals) and a write to a shredded section always reads the same.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from casework.envelope import SectionShredded
from casework.models import Case
from casework.selectors import is_assigned_caseworker, section_refusal
from casework.signals import case_dates_changed

if TYPE_CHECKING:
    from django.utils.functional import Promise

    from accounts.models import User

ERR_SHREDDED = _("This section was erased: nothing can be added to it.")


def require_assigned(*, by: User, case: Case, message: str | Promise | None = None) -> None:
    """PermissionDenied (with ``message``, if given) unless ``by`` is an assigned caseworker of
    the case now. One query."""
    if not is_assigned_caseworker(user=by, case=case):
        raise PermissionDenied(*([message] if message is not None else []))


def require_section(*, by: User, case: Case, section: str, write: bool = True) -> None:
    """PermissionDenied unless ``by`` may change (``write=False``: read) the section. Up to
    four queries."""
    if section_refusal(user=by, case=case, section=section, write=write) is not None:
        raise PermissionDenied


def lock_case(case: Case) -> None:
    """Takes the case row's lock for the rest of the transaction. Every write to a case takes
    it first, before any other row of the case, and appends to the audit chain last (the lock
    order in audit.services): concurrent edits of one case queue here instead of deadlocking.
    One query."""
    Case.objects.select_for_update().filter(pk=case.pk).values_list("pk", flat=True).first()


def seal(case: Case, obj: Any, values: dict[str, Any]) -> None:
    """Seals ``values`` into the sealed fields of ``obj`` (a row of ``case``). A shredded
    section is a ValidationError (ERR_SHREDDED), not a crash."""
    try:
        case.envelope.seal_many(obj, values)
    except SectionShredded:
        raise ValidationError(ERR_SHREDDED) from None


def dates_changed(*, case: Case, by: User) -> None:
    """Announces that a date that computed deadlines follow (absence start, stay, visa dates)
    changed: the deadlines app, which builds on casework, listens."""
    case_dates_changed.send(sender=Case, case=case, by=by)
