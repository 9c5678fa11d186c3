"""What every endpoint shares: the caller's organisation, its access memo and key scope, and
the pagination of a list."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.http import Http404
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied

from accounts.models import Membership
from accounts.selectors import active_membership
from api.models import TokenKind
from api.permissions import token_of
from casework.envelope import key_scope
from casework.models import Case
from casework.selectors import CASE_LIST_ROLES, live_grants
from casework.selectors.memo import request_memo
from casework.web import NO_CASE_ROLE


def membership_of(request) -> Membership:
    """The caller's organisation: a personal token's own, else the session's active one.
    Http404 without one (as on the pages)."""
    membership = active_membership(request._request)
    if membership is None:
        raise Http404
    return membership


def case_membership(request) -> Membership:
    """As membership_of, and 403 for a role without case files (as casework.web.org_view)."""
    membership = membership_of(request)
    if membership.role not in CASE_LIST_ROLES:
        raise PermissionDenied(str(NO_CASE_ROLE))
    return membership


def token_organisation_id(request):
    token = token_of(request)
    return token.organisation_id if token is not None and token.kind == TokenKind.PERSONAL else None


def within_token(request, case: Case) -> None:
    """A personal token reaches the cases of its organisation and those referred to it, not
    the cases its person reaches through another organisation: Http404 for those."""
    org = token_organisation_id(request)
    if org is None or case.organisation_id == org:
        return
    grants = live_grants(user=request.user, case_id=case.pk)
    if not grants.filter(referral__to_organisation_id=org).exists():
        raise Http404


@contextmanager
def case_scope(request) -> Iterator[None]:
    """The page's guard for reads (casework.web): access answers kept for the request, data
    keys unwrapped only for this user's grants and dropped at the end."""
    memberships = None if token_of(request) else getattr(request._request, "memberships", None)
    with request_memo(user=request.user, memberships=memberships), key_scope(user=request.user):
        yield


_pages: dict[str, type[serializers.Serializer]] = {}


def paginated(item: type[serializers.Serializer]) -> type[serializers.Serializer]:
    """The schema of a page of ``item``s (api.pagination.Pages)."""
    name = f"Paginated{item.__name__}List"
    if name not in _pages:
        _pages[name] = type(
            name,
            (serializers.Serializer,),
            {
                "count": serializers.IntegerField(),
                "next": serializers.URLField(allow_null=True),
                "previous": serializers.URLField(allow_null=True),
                "results": item(many=True),
            },
        )
    return _pages[name]
