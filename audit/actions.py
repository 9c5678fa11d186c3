"""Human labels for audit action codes, object types and data keys (for the log viewers).

Codes are namespaced by their first segment; each namespace is a group the org admin can
filter by. An app that records a new code adds its label here (an unknown code is shown as
the code itself, so forgetting one loses nothing but a nicer label).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class ActionGroup:
    prefix: str
    label: str | Promise
    actions: tuple[tuple[str, str | Promise], ...]


GROUPS: tuple[ActionGroup, ...] = (
    ActionGroup(
        "auth",
        _("Sign-in and security"),
        (
            ("auth.password.succeeded", _("Password accepted")),
            ("auth.login.failed", _("Sign-in failed")),
            ("auth.2fa.succeeded", _("Signed in")),
            ("auth.2fa.failed", _("Second factor refused")),
            ("auth.reauth.succeeded", _("Confirmed identity again")),
            ("auth.logout", _("Signed out")),
            ("auth.factor.added", _("Second factor added")),
            ("auth.factor.removed", _("Second factor removed")),
            ("auth.backup_codes.generated", _("Backup codes generated")),
            ("auth.session.revoked", _("Session ended")),
            ("auth.password.changed", _("Password changed")),
        ),
    ),
    ActionGroup(
        "member",
        _("Members"),
        (
            ("member.role_changed", _("Role changed")),
            ("member.removed", _("Member removed")),
            ("member.frozen", _("Account frozen")),
            ("member.unfrozen", _("Account unfrozen")),
            ("member.recovery_started", _("Account recovery link made")),
            ("member.recovery_used", _("Account recovered")),
            ("member.recovery_revoked", _("Account recovery link withdrawn")),
        ),
    ),
    ActionGroup(
        "invitation",
        _("Invitations"),
        (
            ("invitation.sent", _("Invitation sent")),
            ("invitation.accepted", _("Invitation accepted")),
            ("invitation.revoked", _("Invitation withdrawn")),
        ),
    ),
    ActionGroup(
        "organisation",
        _("Organisation"),
        (
            ("organisation.switched", _("Switched to this organisation")),
            ("organisation.created", _("Organisation created")),
        ),
    ),
    ActionGroup(
        "case",
        _("Cases"),
        (
            ("case.created", _("Case opened")),
            ("case.updated", _("Case changed")),
            ("case.viewed", _("Case viewed")),
            ("case.section.viewed", _("Case section viewed")),
            ("case.section.updated", _("Case section changed")),
            ("case.status.changed", _("Case status changed")),
            ("case.status.suggested", _("Case status suggested by an event")),
            ("case.verified", _("Person marked as verified")),
            ("case.assigned", _("Caseworkers assigned")),
            ("case.location_opened", _("Location and route opened to a colleague")),
            ("case.lawyer_granted", _("Lawyer's sections set")),
            ("case.break_glass", _("Break-glass: case opened by an admin")),
            ("case.searched", _("Cases searched")),
            ("case.exported", _("Case exported")),
            ("case.shredded", _("Case section erased")),
            ("case.closed", _("Case closed")),
        ),
    ),
    ActionGroup(
        "testimony",
        _("Testimonies"),
        (
            ("testimony.added", _("Testimony recorded")),
            ("testimony.revised", _("Testimony revised")),
            ("testimony.screened", _("Testimony screened")),
        ),
    ),
    ActionGroup(
        "intake",
        _("Intake channels"),
        (
            ("intake.received", _("Message received through a channel")),
            ("intake.edited", _("Received message edited by the sender")),
            ("intake.replied", _("Reply written")),
            ("intake.reply_sent", _("Reply sent")),
            ("intake.reply_failed", _("Reply could not be sent")),
            ("intake.taken_on", _("Intake taken on")),
            ("intake.merged", _("Intake merged into a case")),
            ("intake.discarded", _("Intake discarded")),
            ("intake.contact_read", _("Replies read with a reply phrase")),
            (
                "intake.contact_budget_exhausted",
                _("Contact page: hourly limit of new messages reached"),
            ),
        ),
    ),
    ActionGroup("note", _("Notes"), (("note.added", _("Note written")),)),
    ActionGroup(
        "document",
        _("Documents"),
        (
            ("document.uploaded", _("Document uploaded")),
            ("document.downloaded", _("Document downloaded")),
        ),
    ),
    ActionGroup(
        "consent",
        _("Consent"),
        (
            ("consent.recorded", _("Consent recorded")),
            ("consent.confirmed", _("Consent confirmed by the client")),
            ("consent.withdrawn", _("Consent withdrawn")),
        ),
    ),
    ActionGroup(
        "dossier",
        _("Dossiers"),
        (
            ("dossier.created", _("Dossier started")),
            ("dossier.documents_set", _("Dossier documents chosen")),
            ("dossier.contents_saved", _("Dossier statement and summary saved")),
            ("dossier.vetted", _("Vetting recorded")),
            ("dossier.reviewer_set", _("Reviewing lawyer chosen")),
            ("dossier.status_changed", _("Dossier status changed")),
            ("dossier.commented", _("Dossier comment written")),
            ("dossier.reviewed", _("Dossier reviewed")),
            ("dossier.exported", _("Dossier exported")),
            ("dossier.export_identified", _("Dossier export identified")),
        ),
    ),
    ActionGroup(
        "evacuation",
        _("Evacuation and visas"),
        (
            ("evacuation.plan.created", _("Evacuation plan started")),
            ("evacuation.plan.updated", _("Evacuation plan changed")),
            ("evacuation.step.saved", _("Evacuation step saved")),
            ("evacuation.route.saved", _("Route saved")),
            ("evacuation.requirement.saved", _("Route requirement saved")),
            ("evacuation.requirement.removed", _("Route requirement removed")),
            ("evacuation.visa.saved", _("Visa application saved")),
        ),
    ),
    ActionGroup(
        "referral",
        _("Referrals"),
        (
            ("referral.created", _("Case referred")),
            ("referral.accepted", _("Referral accepted")),
            ("referral.declined", _("Referral declined")),
            ("referral.revoked", _("Referral revoked")),
            ("referral.assigned", _("Referral given to members")),
        ),
    ),
    ActionGroup(
        "deadline",
        _("Deadlines"),
        (
            ("deadline.created", _("Deadline added")),
            ("deadline.recomputed", _("Computed deadlines updated")),
            ("deadline.done", _("Deadline done")),
            ("deadline.cancelled", _("Deadline cancelled")),
            ("deadline.open", _("Deadline reopened")),
            ("deadline.changed", _("Deadline changed")),
            ("deadline.closed_with_case", _("Deadline closed with the case")),
        ),
    ),
    ActionGroup(
        "reminder",
        _("Reminders"),
        (("reminder.sent", _("Reminder sent")),),
    ),
    ActionGroup(
        "notification",
        _("Notifications"),
        (("notification.preferences_changed", _("Notification preferences changed")),),
    ),
    ActionGroup(
        "checkin",
        _("Welfare check-ins"),
        (
            ("checkin.scheduled", _("Check-in schedule set")),
            ("checkin.recorded", _("Check-in recorded")),
            ("checkin.missed", _("Check-in missed")),
        ),
    ),
    ActionGroup(
        "retention",
        _("Retention"),
        (
            ("retention.warned", _("Erasure announced")),
            ("retention.hold_set", _("Legal hold set")),
            ("retention.hold_lifted", _("Legal hold lifted")),
        ),
    ),
    ActionGroup(
        "stats",
        _("Statistics"),
        (
            ("stats.released", _("Statistics released")),
            ("stats.republished", _("Statistics republished")),
            ("stats.exported", _("Statistics exported")),
        ),
    ),
    ActionGroup(
        "keys",
        _("Keys"),
        (
            ("keys.kek_added", _("Key-encryption key added")),
            ("keys.kek_activated", _("Key-encryption key made the sealing key")),
            ("keys.kek_retired", _("Key-encryption key retired")),
            ("keys.rewrapped", _("Data keys re-wrapped")),
        ),
    ),
    ActionGroup(
        "audit",
        _("Audit log"),
        (
            ("audit.log.viewed", _("Audit log viewed")),
            ("audit.verify.succeeded", _("Audit log verified")),
            ("audit.verify.failed", _("Audit log failed verification")),
            ("audit.checkpoint.signed", _("Audit checkpoint signed")),
        ),
    ),
    ActionGroup(
        "backup",
        _("Backups"),
        (
            ("backup.written", _("Backup written")),
            ("backup.failed", _("Backup failed")),
            ("backup.drill.passed", _("Restore drill passed")),
            ("backup.drill.failed", _("Restore drill failed")),
        ),
    ),
    ActionGroup(
        "api",
        _("API"),
        (
            ("api.token.created", _("API token made")),
            ("api.token.revoked", _("API token revoked")),
            ("api.token.used", _("API token used")),
            ("api.token.refused", _("API token refused")),
        ),
    ),
)

ACTION_LABELS: dict[str, str | Promise] = {
    code: label for group in GROUPS for code, label in group.actions
}
GROUP_LABELS: dict[str, str | Promise] = {group.prefix: group.label for group in GROUPS}

OBJECT_LABELS: dict[str, str | Promise] = {
    "accounts.user": _("Account"),
    "accounts.membership": _("Membership"),
    "accounts.invitation": _("Invitation"),
    "accounts.organisation": _("Organisation"),
    "accounts.totpdevice": _("Authenticator app"),
    "accounts.backupcodedevice": _("Backup codes"),
    "django_otp_webauthn.webauthncredential": _("Passkey"),
    "casework.case": _("Case"),
    "evacuation.dossier": _("Dossier"),
    "api.apitoken": _("API token"),
}

DATA_LABELS: dict[str, str | Promise] = {
    "factor": _("Factor"),
    "method": _("Step"),
    "reason": _("Reason"),
    "role": _("Role"),
    "old_role": _("Previous role"),
    "new_role": _("New role"),
    "target_user": _("Person"),
    "target_org": _("Organisation"),
    "session": _("Session"),
    "section": _("Section"),
    "sections": _("Sections"),
    "count": _("Count"),
    "export_id": _("Export"),
    "invitation": _("Invitation"),
    "referral": _("Referral"),
    "consent": _("Consent"),
    "status": _("Status"),
    "from_status": _("Previous status"),
    "version": _("Version"),
    "access": _("Access through"),
    "offset": _("Reminder"),
    "key_id": _("Key"),
    "head_seq": _("Events"),
    "first_bad_seq": _("First bad event"),
    "endpoint": _("API endpoint"),
    "merged_case": _("Other case"),
}


# How a reader came to a case (the ``access`` of case.viewed; casework.selectors.seen).
ACCESS_LABELS: dict[str, str | Promise] = {
    "assignment": _("Assigned"),
    "admin_assignment": _("Assigned by an organisation admin"),
    "break_glass": _("Break-glass"),
    "referral": _("Referral"),
    "grant": _("Lawyer's sections"),
    "organisation": _("Organisation member"),
}


# Labels of data values by key ("section": {"location": "Location and route"}): the apps that
# own the codes register them at start (audit imports no app), the log viewers show them.
# A provider is a TextChoices' ``choices``, or a callable returning (code, label) pairs for
# codes that are data (deadline kinds), called once per page (``value_labels``).
Pairs = Iterable[tuple[Any, Any]]
_PROVIDERS: dict[str, list[Pairs | Callable[[], Pairs]]] = {}


def register_value_labels(keys: tuple[str, ...], labels: Pairs | Callable[[], Pairs]) -> None:
    """Registers ``labels`` for the data ``keys``; a code with two labels for one key shows
    the one registered first."""
    if not callable(labels):
        labels = list(labels)
    for key in keys:
        _PROVIDERS.setdefault(key, []).append(labels)


def value_labels() -> dict[str, dict[str, Any]]:
    """Every registered label by key and code (a query per data provider)."""
    found: dict[str, dict[str, Any]] = {}
    for key, providers in _PROVIDERS.items():
        known = found.setdefault(key, {})
        for provider in providers:
            for code, label in provider() if callable(provider) else provider:
                known.setdefault(str(code), label)
    return found


def value_label(key: str, value: object, labels: dict[str, dict[str, Any]]) -> str:
    """A data value as people read it: its label in ``labels`` (from ``value_labels``; each
    item of a list), else the value as it is."""
    known = labels.get(key, {})
    if isinstance(value, list | tuple):
        return ", ".join(str(known.get(str(item), item)) for item in value)
    return str(known.get(str(value), value))


def action_label(code: str) -> str | Promise:
    return ACTION_LABELS.get(code, code)


def object_label(object_type: str) -> str | Promise:
    return OBJECT_LABELS.get(object_type, object_type)


def is_known_filter(value: str) -> bool:
    """A value the action filter accepts: a group prefix or a listed code."""
    return value in GROUP_LABELS or value in ACTION_LABELS
