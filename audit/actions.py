"""Human labels for audit action codes, object types and data keys (for the log viewers).

Codes are namespaced by their first segment; each namespace is a group the org admin can
filter by. An app that records a new code adds its label here (an unknown code is shown as
the code itself, so forgetting one loses nothing but a nicer label).
"""

from __future__ import annotations

from dataclasses import dataclass

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
        (("organisation.switched", _("Switched to this organisation")),),
    ),
    ActionGroup(
        "case",
        _("Cases"),
        (
            ("case.created", _("Case opened")),
            ("case.updated", _("Case changed")),
            ("case.section.viewed", _("Case section viewed")),
            ("case.closed", _("Case closed")),
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
    "offset": _("Reminder"),
    "key_id": _("Key"),
    "head_seq": _("Events"),
    "first_bad_seq": _("First bad event"),
}


def action_label(code: str) -> str | Promise:
    return ACTION_LABELS.get(code, code)


def object_label(object_type: str) -> str | Promise:
    return OBJECT_LABELS.get(object_type, object_type)


def is_known_filter(value: str) -> bool:
    """A value the action filter accepts: a group prefix or a listed code."""
    return value in GROUP_LABELS or value in ACTION_LABELS
