"""A database session engine whose rows know their user, so that a person can list and end
their sessions and an org admin's freeze can end all of a member's sessions at once.

Settings: ``SESSION_ENGINE = "accounts.sessions"`` and this module's ``SessionMiddleware``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore as DBStore
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.utils import timezone

from accounts.security import SESSION_SEEN, SESSION_STARTED

if TYPE_CHECKING:
    from accounts.models import UserSession

    # django-stubs makes the database store generic in its model; Django's class is not
    # subscriptable at run time.
    _DBStore = DBStore[UserSession]
else:
    _DBStore = DBStore


def device_label(user_agent: str) -> str:
    """A coarse label such as "Firefox on Linux"; the raw User-Agent is never stored."""
    ua = user_agent.lower()
    browser = next(
        (
            name
            for key, name in (
                ("edg/", "Edge"),
                ("firefox/", "Firefox"),
                ("chrome/", "Chrome"),
                ("chromium/", "Chromium"),
                ("safari/", "Safari"),
            )
            if key in ua
        ),
        "Browser",
    )
    system = next(
        (
            name
            for key, name in (
                ("android", "Android"),
                ("iphone", "iOS"),
                ("ipad", "iOS"),
                ("windows", "Windows"),
                ("mac os", "macOS"),
                ("linux", "Linux"),
            )
            if key in ua
        ),
        "",
    )
    return f"{browser} on {system}" if system else browser


def signed_in_limits(data: dict) -> list[datetime]:
    """When a signed-in session's row must expire: idle timeout after the last activity, and
    the absolute lifetime after sign-in (the clocks SessionLifetimeMiddleware keeps).

    Django would keep the row for SESSION_COOKIE_AGE after every save; capping it means an
    abandoned session leaves the table (``clearsessions``) and the user's session list when it
    can no longer be used, and a row copied out of the database is useless sooner.
    """
    if not data.get("_auth_user_id"):
        return []
    limits = []
    seen = data.get(SESSION_SEEN)
    if isinstance(seen, int | float):
        limits.append(datetime.fromtimestamp(seen, UTC) + settings.SESSION_IDLE_TIMEOUT)
    started = data.get(SESSION_STARTED)
    if isinstance(started, int | float):
        limits.append(datetime.fromtimestamp(started, UTC) + settings.SESSION_ABSOLUTE_LIFETIME)
    return limits


class SessionStore(_DBStore):
    def __init__(self, session_key: str | None = None, user_agent: str = "") -> None:
        super().__init__(session_key)
        self.user_agent = user_agent

    @classmethod
    def get_model_class(cls) -> type[UserSession]:
        from accounts.models import UserSession

        return UserSession

    def create_model_instance(self, data):
        obj = super().create_model_instance(data)
        user_id = data.get("_auth_user_id")
        obj.user_id = user_id or None
        obj.expire_date = min([obj.expire_date, *signed_in_limits(data)])
        obj.last_seen = timezone.now()
        try:
            existing = self.model.objects.only("created_at", "device_label").get(
                session_key=obj.session_key
            )
        except self.model.DoesNotExist:
            obj.created_at = timezone.now()
            obj.device_label = device_label(self.user_agent)
        else:
            obj.created_at = existing.created_at
            obj.device_label = existing.device_label or device_label(self.user_agent)
        return obj


class SessionMiddleware(DjangoSessionMiddleware):
    def process_request(self, request) -> None:
        session_key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
        request.session = SessionStore(
            session_key, user_agent=request.META.get("HTTP_USER_AGENT", "")[:512]
        )
