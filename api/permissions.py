"""Who may call which endpoint. The default (settings.REST_FRAMEWORK) refuses everyone, so an
endpoint that names no permission is closed."""

from __future__ import annotations

from rest_framework.permissions import BasePermission

from api.models import ApiToken, TokenKind


def token_of(request) -> ApiToken | None:
    return request.auth if isinstance(request.auth, ApiToken) else None


class DenyAll(BasePermission):
    def has_permission(self, request, view) -> bool:
        return False


class Person(BasePermission):
    """A person: a verified session or a personal token. Never an intake token."""

    def has_permission(self, request, view) -> bool:
        token = token_of(request)
        if token is not None and token.kind != TokenKind.PERSONAL:
            return False
        return bool(request.user and request.user.is_authenticated)


class IntakeToken(BasePermission):
    """An organisation's intake token, and nothing else."""

    def has_permission(self, request, view) -> bool:
        token = token_of(request)
        return token is not None and token.kind == TokenKind.INTAKE
