"""Org admin actions on members: change a role, remove, freeze, unfreeze.

Every change to an organisation's members locks the organisation row first, so that two
admins acting at the same moment cannot together remove the last admin.
"""

from __future__ import annotations

from copy import copy
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Membership, Organisation, Role, User, UserSession
from audit.services import record

if TYPE_CHECKING:
    from uuid import UUID

LAST_ADMIN = _(
    "An organisation needs at least one active admin. Make another member an admin first."
)
CANNOT_FREEZE_SELF = _("You cannot freeze your own account.")
ALREADY_FROZEN = _("This account is already frozen.")
NOT_FROZEN = _("This account is not frozen.")
UNKNOWN_ROLE = _("Choose one of the listed roles.")
ROLE_CHANGED = _("The role has been changed.")
MEMBER_REMOVED = _("The member has been removed from the organisation.")
MEMBER_FROZEN = _("The account is frozen and all its sessions have ended.")
MEMBER_UNFROZEN = _("The account is no longer frozen.")


def _lock_organisation(organisation_id: UUID) -> Organisation:
    return Organisation.objects.select_for_update().get(pk=organisation_id)


def _other_active_admins(*, organisation_id: UUID, excluding: Membership) -> bool:
    """Whether an org admin other than ``excluding`` remains who can act (not frozen)."""
    return (
        Membership.objects.filter(
            organisation_id=organisation_id,
            role=Role.ORG_ADMIN,
            user__is_active=True,
            user__frozen_at__isnull=True,
        )
        .exclude(pk=excluding.pk)
        .exists()
    )


def _locked_membership(membership: Membership) -> Membership:
    _lock_organisation(membership.organisation_id)
    return Membership.objects.select_for_update().select_related("user").get(pk=membership.pk)


@transaction.atomic
def member_change_role(*, membership: Membership, role: str, by: User) -> Membership:
    """Sets the member's role. Refuses to demote the organisation's last active admin."""
    if role not in Role.values:
        raise ValidationError(UNKNOWN_ROLE, code="unknown_role")
    current = _locked_membership(membership)
    old_role = current.role
    if old_role == role:
        return current
    if old_role == Role.ORG_ADMIN and not _other_active_admins(
        organisation_id=current.organisation_id, excluding=current
    ):
        raise ValidationError(LAST_ADMIN, code="last_admin")
    current.role = role
    current.save(update_fields=["role"])
    record(
        "member.role_changed",
        actor=by,
        obj=current,
        org=current.organisation_id,
        old_role=old_role,
        new_role=role,
        target_user=current.user_id,
    )
    return current


@transaction.atomic
def member_remove(*, membership: Membership, by: User) -> None:
    """Removes the membership (the account itself stays). Refuses to remove the last active
    admin. The member loses access to the organisation on their next request."""
    current = _locked_membership(membership)
    if current.role == Role.ORG_ADMIN and not _other_active_admins(
        organisation_id=current.organisation_id, excluding=current
    ):
        raise ValidationError(LAST_ADMIN, code="last_admin")
    removed = copy(current)  # delete() clears the id the event names
    current.delete()
    record(
        "member.removed",
        actor=by,
        obj=removed,
        org=removed.organisation_id,
        role=removed.role,
        target_user=removed.user_id,
    )


@transaction.atomic
def member_freeze(*, membership: Membership, by: User) -> User:
    """Freezes the member's account and ends all of its sessions at once: a browser signed in
    elsewhere (a seized phone, a lost laptop) is signed out on its very next request.

    Refuses self-freezing, and freezing the organisation's last active admin.
    """
    current = _locked_membership(membership)
    target = User.objects.select_for_update().get(pk=current.user_id)
    if target.pk == by.pk:
        raise ValidationError(CANNOT_FREEZE_SELF, code="self")
    if target.frozen_at is not None:
        raise ValidationError(ALREADY_FROZEN, code="already_frozen")
    if current.role == Role.ORG_ADMIN and not _other_active_admins(
        organisation_id=current.organisation_id, excluding=current
    ):
        raise ValidationError(LAST_ADMIN, code="last_admin")
    target.frozen_at = timezone.now()
    target.frozen_by = by
    target.save(update_fields=["frozen_at", "frozen_by"])
    ended = UserSession.objects.filter(user=target).delete()[0]
    record(
        "member.frozen",
        actor=by,
        obj=target,
        org=current.organisation_id,
        target_user=target.pk,
        count=ended,
    )
    return target


@transaction.atomic
def member_unfreeze(*, membership: Membership, by: User) -> User:
    """Lifts a freeze. The member signs in again with password and second factor."""
    current = _locked_membership(membership)
    target = User.objects.select_for_update().get(pk=current.user_id)
    if target.frozen_at is None:
        raise ValidationError(NOT_FROZEN, code="not_frozen")
    target.frozen_at = None
    target.frozen_by = None
    target.save(update_fields=["frozen_at", "frozen_by"])
    record(
        "member.unfrozen",
        actor=by,
        obj=target,
        org=current.organisation_id,
        target_user=target.pk,
    )
    return target
