"""Who is calling: a token (``Authorization: Bearer wpp_…`` or ``wpi_…``) or the browser's
session. Either way the rights are a person's own, through the same selectors as the pages.

* A personal token acts as its person in its organisation (fixed when the token was made:
  a script's reach must not change when its owner switches organisation in the browser). It
  opens nothing once revoked or expired, once its person is frozen or deactivated, or leaves
  the organisation. The organisation becomes the request's active organisation
  (``request.membership``), as the organisation switcher's choice does for a page.
* An intake token authenticates no person (``request.user`` stays anonymous): only the intake
  endpoint accepts it (api.permissions.IntakeToken).
* A session must have passed the second factor (a password alone opens nothing, as on the
  pages, where SecondFactorRequiredMiddleware refuses it first) and keeps CSRF protection.

Every request with a known token is audited: used (with the endpoint) or refused (why).
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from accounts.models import User
from accounts.selectors import membership_for
from api import services, tokens
from api.models import ApiToken, TokenKind
from api.selectors import token_by_key
from audit import context

ERR_TOKEN = _("The token is not valid, has expired or was revoked.")
ERR_HEADER = _("Send the token as: Authorization: Bearer <token>.")


def _refuse(token: ApiToken | None, reason: str):
    if token is not None:
        services.token_refused(token=token, reason=reason)
    return exceptions.AuthenticationFailed(ERR_TOKEN)


def _endpoint(request) -> str:
    match = getattr(request, "resolver_match", None)
    return (match.view_name if match else "")[:64]


class TokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate_header(self, request) -> str:
        return self.keyword

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        scheme, _sep, text = header.partition(" ")
        if scheme.lower() != "bearer" or not text.strip():
            raise exceptions.AuthenticationFailed(ERR_HEADER)
        parsed = tokens.parse(text)
        token = token_by_key(parsed) if parsed is not None else None
        if parsed is None or token is None:
            raise _refuse(None, "unknown")
        if not tokens.matches(parsed, token.digest):
            # A real key id with a wrong secret: worth a line in the log (a guess, a mangled copy).
            raise _refuse(token, "secret")
        if token.revoked_at is not None:
            raise _refuse(token, "revoked")
        if not token.is_live():
            raise _refuse(token, "expired")
        if not token.organisation.is_active:
            raise _refuse(token, "organisation")
        django_request = request._request
        context.organisation_id.set(str(token.organisation_id))
        user: User | AnonymousUser = AnonymousUser()
        if token.kind == TokenKind.PERSONAL:
            person = token.user
            membership = person and membership_for(
                user=person, organisation_id=token.organisation_id
            )
            if person is None or not person.is_active or person.is_frozen or not membership:
                raise _refuse(token, "membership")
            django_request.membership = membership
            django_request.memberships = [membership]
            user = person
        django_request.user = user
        django_request.api_token = token
        services.token_used(token=token, method=request.method, endpoint=_endpoint(request))
        return (user, token)


class VerifiedSessionAuthentication(authentication.SessionAuthentication):
    """The browser's session, only after its second factor; CSRF is enforced on writes."""

    def authenticate(self, request):
        user = getattr(request._request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        if getattr(user, "is_frozen", True) or not user.is_verified():
            return None
        self.enforce_csrf(request)
        return (user, None)
