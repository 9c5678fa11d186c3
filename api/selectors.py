"""Reads of API tokens for their pages: a person's own personal tokens, an organisation's
intake tokens for its admins. Another person's token is 404."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from accounts.models import Membership, Organisation, Role, User
from api import tokens
from api.models import ApiToken, TokenKind

# Revoked and expired tokens stay listed for a while (when and by whom), then drop off.
LISTED = 50


def personal_tokens_of(*, user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user, kind=TokenKind.PERSONAL).select_related(
        "organisation"
    )[:LISTED]


def intake_tokens_of(*, organisation: Organisation) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(organisation=organisation, kind=TokenKind.INTAKE).select_related(
        "created_by", "revoked_by"
    )[:LISTED]


def personal_token_for(*, user: User, pk) -> ApiToken:
    token = ApiToken.objects.filter(pk=pk, user=user, kind=TokenKind.PERSONAL).first()
    if token is None:
        raise Http404
    return token


def intake_token_for(*, user: User, pk) -> ApiToken:
    """An intake token of an organisation where ``user`` is a member, else 404 (the service
    refuses members who are not its admins: 403)."""
    orgs = Membership.objects.filter(user=user, organisation__is_active=True).values(
        "organisation_id"
    )
    token = ApiToken.objects.filter(pk=pk, kind=TokenKind.INTAKE, organisation_id__in=orgs).first()
    if token is None:
        raise Http404
    return token


def is_org_admin(*, user: User, organisation_id) -> bool:
    return Membership.objects.filter(
        user=user, organisation_id=organisation_id, role=Role.ORG_ADMIN
    ).exists()


def token_by_key(parsed: tokens.Parsed) -> ApiToken | None:
    """The row a well-formed token names (by its key id and kind), with its organisation and
    person, whether or not the secret matches. One query."""
    return (
        ApiToken.objects.select_related("organisation", "user")
        .filter(key_id=parsed.key_id, kind=parsed.kind)
        .first()
    )
