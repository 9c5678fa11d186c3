"""The org admin's audit log: the active organisation's events, filtered and paged.

Access: only org admins of the active organisation (no organisation: 404; another role: 403),
through accounts.selectors.org_admin_required. The page shows only events recorded for that
organisation. Names come from accounts (the audit rows hold ids): one query for all the
people on a page, whatever its length. Reading the log is itself recorded.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import urlencode

from django import forms
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from accounts.case_lookups import CaseLookups, case_lookups
from accounts.http import AuthenticatedHttpRequest
from accounts.models import Membership, Role, User
from accounts.selectors import members_of, org_admin_required
from accounts.services.factors import (
    FACTOR_BACKUP,
    FACTOR_PASSKEY,
    FACTOR_TOTP,
    PURPOSE_REAUTH,
    PURPOSE_SIGN_IN,
)
from audit.actions import (
    ACCESS_LABELS,
    DATA_LABELS,
    GROUPS,
    action_label,
    object_label,
    value_label,
    value_labels,
)
from audit.models import AuditEvent
from audit.selectors import SharedObjects, events_for_organisation, page_of
from audit.services import record

PAGE_SIZE = 50

ERR_DATE_ORDER = _("The start date must be on or before the end date.")
ERR_PERSON = _("Choose a member of this organisation from the list.")
ERR_ACTION = _("Choose an action from the list.")
ERR_CURSOR = _("This page link is not valid. Start again from the newest events.")
# The same message whether the case does not exist or is not the reader's to see.
ERR_CASE = _("There is no case with this reference that you may see.")

ANONYMOUS = _("Not signed in")
SYSTEM = _("Waypoint (automatic)")
DELETED = _("Deleted account")

# Data values shown with a label instead of the stored code.
FACTOR_LABELS: dict[str, str | Promise] = {
    FACTOR_TOTP: _("Authenticator app"),
    FACTOR_PASSKEY: _("Passkey"),
    FACTOR_BACKUP: _("Backup code"),
}
METHOD_LABELS: dict[str, str | Promise] = {
    PURPOSE_SIGN_IN: _("Sign-in"),
    PURPOSE_REAUTH: _("Confirming identity"),
}
ROLE_KEYS = frozenset({"role", "old_role", "new_role"})


def person_label(user: User | None) -> str:
    if user is None:
        return str(DELETED)
    return user.display_name or user.email


def action_choices() -> list[tuple[str | Promise, Any]]:
    """All actions, then per group: the whole group, then each code in it."""
    choices: list[tuple[str | Promise, Any]] = [("", _("All actions"))]
    for group in GROUPS:
        options: list[tuple[str, str | Promise]] = [
            (group.prefix, _("All: %(group)s") % {"group": group.label})
        ]
        options += list(group.actions)
        choices.append((group.label, options))
    return choices


class AuditLogFilterForm(forms.Form):
    person = forms.ChoiceField(
        label=_("Person"),
        required=False,
        error_messages={"invalid_choice": ERR_PERSON},
    )
    action = forms.ChoiceField(
        label=_("Action"),
        required=False,
        error_messages={"invalid_choice": ERR_ACTION},
    )
    case = forms.CharField(
        label=_("Case"),
        required=False,
        max_length=24,
        help_text=_("A case reference, such as AB-2026-0123."),
        error_messages={"max_length": ERR_CASE},
    )
    date_from = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    date_to = forms.DateField(
        label=_("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    # Page cursors (sequence numbers); not shown as fields.
    before = forms.IntegerField(
        required=False,
        min_value=1,
        widget=forms.HiddenInput,
        error_messages={"invalid": ERR_CURSOR},
    )
    after = forms.IntegerField(
        required=False,
        min_value=1,
        widget=forms.HiddenInput,
        error_messages={"invalid": ERR_CURSOR},
    )

    FILTERS = ("person", "action", "case", "date_from", "date_to")

    def __init__(
        self, *args: Any, members: list[Membership], user: User | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.case_id: str | None = None
        people = sorted(
            ((str(m.user_id), person_label(m.user)) for m in members),
            key=lambda choice: choice[1].casefold(),
        )
        cast(forms.ChoiceField, self.fields["person"]).choices = [("", _("Everyone")), *people]
        cast(forms.ChoiceField, self.fields["action"]).choices = action_choices()
        for name in ("before", "after"):
            self.fields[name].error_messages["min_value"] = ERR_CURSOR

    def clean_case(self) -> str:
        """The reference as typed; its case id is kept on the form when the reader may see
        that case (checked by casework through accounts.case_lookups)."""
        reference = (self.cleaned_data.get("case") or "").strip().upper()
        if not reference:
            return ""
        lookups = case_lookups()
        found = lookups.resolve(self.user, reference) if lookups and self.user else None
        if found is None:
            raise forms.ValidationError(ERR_CASE)
        self.case_id = found
        return reference

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data  # what Form.clean() returns (typed as "or None")
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", ERR_DATE_ORDER)
        if cleaned.get("before") and cleaned.get("after"):
            raise forms.ValidationError(ERR_CURSOR)
        return cleaned

    def filter_query(self) -> str:
        """The filters as a query string, for the page links (cursors are added to it)."""
        values = {}
        for name in self.FILTERS:
            value = self.cleaned_data.get(name)
            if value:
                values[name] = value.isoformat() if hasattr(value, "isoformat") else value
        return urlencode(values)


@dataclass(frozen=True)
class Row:
    event: AuditEvent
    person: str
    action: Any
    target: Any
    details: list[tuple[Any, str]]
    # A case's reference, when the event is about a case the reader may see ("" otherwise:
    # the row then names only the kind of object).
    case_reference: str = ""


def _labels_for(events: list[AuditEvent]) -> dict[uuid.UUID, str]:
    """Names for every actor and target person on the page: ONE query, however many."""
    ids: set[uuid.UUID] = set()
    for event in events:
        if event.actor_id:
            ids.add(event.actor_id)
        target = event.data.get("target_user") if isinstance(event.data, dict) else None
        if target:
            try:
                ids.add(uuid.UUID(str(target)))
            except ValueError:
                pass
    if not ids:
        return {}
    users = User.objects.filter(pk__in=ids).only("id", "display_name", "email")
    return {user.pk: person_label(user) for user in users}


def _details(
    event: AuditEvent, labels: dict[uuid.UUID, str], values: dict[str, dict[str, Any]]
) -> list[tuple[Any, str]]:
    details = []
    for key, value in sorted(event.data.items()):
        if key == "target_user":
            try:
                shown = labels.get(uuid.UUID(str(value)), str(DELETED))
            except ValueError:
                shown = str(value)
        elif key in ROLE_KEYS and value in Role.values:
            shown = str(Role(value).label)
        elif key == "factor" and value in FACTOR_LABELS:
            shown = str(FACTOR_LABELS[value])
        elif key == "method" and value in METHOD_LABELS:
            shown = str(METHOD_LABELS[value])
        elif key == "access" and value in ACCESS_LABELS:
            shown = str(ACCESS_LABELS[value])
        else:
            shown = value_label(key, value, values)
        details.append((DATA_LABELS.get(key, key), shown))
    return details


def _case_references(user: User, events: list[AuditEvent]) -> dict[str, str]:
    """References of the cases on the page that the reader may see: one query."""
    lookups = case_lookups()
    if lookups is None:
        return {}
    ids = {e.object_id for e in events if e.object_type == lookups.object_type and e.object_id}
    return lookups.references(user, ids) if ids else {}


def _rows(user: User, events: list[AuditEvent]) -> list[Row]:
    labels = _labels_for(events)
    references = _case_references(user, events)
    values = value_labels() if events else {}
    rows = []
    for event in events:
        if event.actor_id:
            person = labels.get(event.actor_id, str(DELETED))
        else:
            person = str(ANONYMOUS if event.action.startswith("auth.") else SYSTEM)
        target: str | Promise = ""
        if event.object_type:
            target = object_label(event.object_type)
        rows.append(
            Row(
                event=event,
                person=person,
                action=action_label(event.action),
                target=target,
                details=_details(event, labels, values),
                case_reference=references.get(event.object_id, ""),
            )
        )
    return rows


def _shared(
    lookups: CaseLookups | None, user: User, organisation: Any, members: list[Membership]
) -> SharedObjects | None:
    """Cases other organisations referred to this one, and its members: the admin follows
    their members' reads of those cases (recorded under the owning organisation)."""
    if lookups is None or not members:
        return None
    ids = lookups.shared_with(user, organisation)
    if not ids:
        return None
    actors = tuple(m.user_id for m in members)
    return SharedObjects(object_type=lookups.object_type, object_ids=ids, actor_ids=actors)


@require_http_methods(["GET", "HEAD"])
@org_admin_required
def org_audit_log(request: AuthenticatedHttpRequest, *, membership: Membership) -> HttpResponse:
    organisation = membership.organisation
    members = list(members_of(organisation=organisation))
    form = AuditLogFilterForm(request.GET, members=members, user=request.user)
    if not form.is_valid():
        # Bad filters show their message and no results: never a silently wider list.
        return render(
            request,
            "accounts/audit_log.html",
            {"organisation": organisation, "form": form, "rows": None},
            status=400,
        )
    data = form.cleaned_data
    lookups = case_lookups()
    events = events_for_organisation(
        organisation_id=organisation.pk,
        actor_id=data["person"] or None,
        action_prefix=data["action"] or None,
        date_from=data["date_from"],
        date_to=data["date_to"],
        obj=(lookups.object_type, form.case_id) if lookups and form.case_id else None,
        shared=_shared(lookups, request.user, organisation, members),
    )
    page = page_of(events, before=data["before"], after=data["after"], size=PAGE_SIZE)
    rows = _rows(request.user, page.events)
    # Reading the log is itself a sensitive read: who looked, and at whose activity.
    looked_at = {"target_user": data["person"]} if data["person"] else {}
    record("audit.log.viewed", actor=request.user, org=organisation.pk, **looked_at)
    base = reverse("accounts:org_audit")
    query = form.filter_query()
    prefix = f"{base}?{query}&" if query else f"{base}?"
    return render(
        request,
        "accounts/audit_log.html",
        {
            "organisation": organisation,
            "form": form,
            "rows": rows,
            "filtered": bool(query),
            "paged": data["before"] is not None or data["after"] is not None,
            "newest_url": f"{base}?{query}" if query else base,
            "newer_url": f"{prefix}after={page.newer}" if page.newer else "",
            "older_url": f"{prefix}before={page.older}" if page.older else "",
        },
    )
