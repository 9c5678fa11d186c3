"""Requests per hour per credential: each token counts alone (one leaked or runaway script
cannot use up another's budget), and a browser session counts per person. Counted in the
default cache (Redis in production, shared by every web node); keys hold ids only."""

from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from api.models import TokenKind
from api.permissions import token_of

HOUR = 3600


class CredentialRateThrottle(SimpleRateThrottle):
    scope = "credential"

    def __init__(self) -> None:
        # The rate depends on the credential, known only in allow_request.
        self.rate = None

    def _limit(self, request) -> tuple[str, int] | None:
        token = token_of(request)
        if token is not None:
            rate = (
                settings.WAYPOINT_API_RATE_INTAKE
                if token.kind == TokenKind.INTAKE
                else settings.WAYPOINT_API_RATE_PERSONAL
            )
            return f"api-throttle:token:{token.pk}", rate
        if request.user and request.user.is_authenticated:
            return f"api-throttle:user:{request.user.pk}", settings.WAYPOINT_API_RATE_SESSION
        return None

    def allow_request(self, request, view) -> bool:
        limit = self._limit(request)
        if limit is None:
            return True
        self.key, self.num_requests = limit
        self.duration = HOUR
        self.history = self.cache.get(self.key, [])
        self.now = self.timer()
        while self.history and self.history[-1] <= self.now - self.duration:
            self.history.pop()
        if len(self.history) >= self.num_requests:
            return self.throttle_failure()
        return self.throttle_success()
