"""Reads that depend on who is asking. The selector is the permission filter: org views reach
members, invitations and sessions only through these functions.
"""

from __future__ import annotations

import hashlib
import uuid
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django_otp import device_classes

from accounts.models import Invitation, Membership, Role, UserSession
from accounts.security import SESSION_ORG

if TYPE_CHECKING:
    from accounts.http import AuthenticatedHttpRequest
    from accounts.models import Organisation, User


def _as_uuid(value: Any) -> uuid.UUID | None:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return None


# --- Memberships and the active organisation ------------------------------------------------


def memberships_of(*, user: User) -> list[Membership]:
    """The user's memberships in active organisations, by organisation name. One query."""
    if not user.is_authenticated:
        return []
    return list(
        Membership.objects.filter(user=user, organisation__is_active=True)
        .select_related("organisation")
        .order_by("organisation__name", "organisation_id")
    )


def membership_for(*, user: User, organisation_id: Any) -> Membership | None:
    """The user's membership in that (active) organisation, or None. One query at most."""
    org_id = _as_uuid(organisation_id)
    if org_id is None or not user.is_authenticated:
        return None
    return (
        Membership.objects.filter(user=user, organisation_id=org_id, organisation__is_active=True)
        .select_related("organisation")
        .first()
    )


def choose_active(memberships: list[Membership], chosen: Any) -> Membership | None:
    """The membership the session chose, else the first one (no query)."""
    chosen_id = _as_uuid(chosen)
    for membership in memberships:
        if membership.organisation_id == chosen_id:
            return membership
    return memberships[0] if memberships else None


def active_membership(request: AuthenticatedHttpRequest) -> Membership | None:
    """The active organisation and role of the signed-in user.

    ActiveOrganisationMiddleware has usually computed it already (no query); otherwise one query.
    """
    if hasattr(request, "membership"):
        return request.membership
    memberships = memberships_of(user=request.user)
    return choose_active(memberships, request.session.get(SESSION_ORG))


def org_admin_required(view):
    """Guards the organisation admin pages of the active organisation: a user with no active
    organisation gets 404, a member without the org admin role 403. The view receives the
    admin's membership as ``membership``."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        membership = active_membership(request)
        if membership is None:
            raise Http404
        if membership.role != Role.ORG_ADMIN:
            raise PermissionDenied
        return view(request, *args, membership=membership, **kwargs)

    return wrapped


def admin_membership_in(*, user: User, organisation_id: Any) -> Membership:
    """The user's org admin membership in that organisation.

    Raises Http404 when the user is not a member (the organisation's objects are outside their
    reach) and PermissionDenied when they are a member without the org admin role.
    """
    membership = membership_for(user=user, organisation_id=organisation_id)
    if membership is None:
        raise Http404
    if membership.role != Role.ORG_ADMIN:
        raise PermissionDenied
    return membership


def member_for_admin(*, user: User, pk: Any) -> Membership:
    """A membership the user administers: 404 if it does not exist or lies outside the user's
    organisations, 403 if the user is a member there without the org admin role. Two queries."""
    target_id = _as_uuid(pk)
    target = (
        Membership.objects.select_related("user", "organisation")
        .filter(pk=target_id, organisation__is_active=True)
        .first()
        if target_id is not None
        else None
    )
    if target is None:
        raise Http404
    admin_membership_in(user=user, organisation_id=target.organisation_id)
    return target


def invitation_for_admin(*, user: User, pk: Any) -> Invitation:
    """An invitation of an organisation the user administers (404 outside, 403 without role)."""
    invitation_id = _as_uuid(pk)
    invitation = (
        Invitation.objects.select_related("organisation")
        .filter(pk=invitation_id, organisation__is_active=True)
        .first()
        if invitation_id is not None
        else None
    )
    if invitation is None:
        raise Http404
    admin_membership_in(user=user, organisation_id=invitation.organisation_id)
    return invitation


# --- Org admin lists ------------------------------------------------------------------------


def members_of(*, organisation: Organisation) -> QuerySet[Membership]:
    """The organisation's members with their user and ``has_factor`` (a confirmed second
    factor of any kind: app, passkey or backup codes). One query however many members."""
    any_factor = Q()
    for model in device_classes():
        any_factor |= Q(Exists(model.objects.filter(user_id=OuterRef("user_id"), confirmed=True)))
    return (
        Membership.objects.filter(organisation=organisation)
        .select_related("user")
        .annotate(has_factor=ExpressionWrapper(any_factor, output_field=BooleanField()))
        .order_by("user__display_name", "user__email")
    )


def member_counts(*, organisation: Organisation) -> dict[str, int]:
    """Members, frozen members and pending invitations of the organisation. Two queries."""
    counts = Membership.objects.filter(organisation=organisation).aggregate(
        members=Count("pk"), frozen=Count("pk", filter=Q(user__frozen_at__isnull=False))
    )
    counts["invitations"] = pending_invitations(organisation=organisation).count()
    return counts


def pending_invitations(*, organisation: Organisation) -> QuerySet[Invitation]:
    """Invitations that can still be accepted, newest first. One query."""
    return Invitation.objects.filter(
        organisation=organisation,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    ).order_by("-created_at")


# --- Own sessions ---------------------------------------------------------------------------


def session_public_id(session_key: str) -> str:
    """An id that names a session in pages and the audit log without being its key: the first
    16 hex digits of SHA-256 of the key (the key itself would let anyone who sees it take over
    the session)."""
    return hashlib.sha256(session_key.encode("ascii")).hexdigest()[:16]


def sessions_of(*, user: User) -> QuerySet[UserSession]:
    """The user's unexpired sessions, most recently used first. One query."""
    return UserSession.objects.filter(user=user, expire_date__gt=timezone.now()).order_by(
        "-last_seen"
    )
