"""Template context for the base layout: the active membership and the navigation by role."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import Role

EVERYONE = frozenset(Role.values)


@dataclass(frozen=True)
class NavEntry:
    url_name: str
    label: str | Promise
    roles: frozenset[str]
    # Other view names under this entry that mark it as the current page.
    also: tuple[str, ...] = ()


# The main navigation, in order. A person sees an entry only if the role of their active
# membership is listed; later apps (cases, statistics) add their entries here.
NAVIGATION: tuple[NavEntry, ...] = (
    NavEntry("dashboard", _("Dashboard"), EVERYONE),
    NavEntry(
        "casework:case_list",
        _("Cases"),
        frozenset({Role.CASEWORKER, Role.ORG_ADMIN}),
        also=("casework:case_create", "casework:case_search", "casework:case_detail"),
    ),
    # Intakes from the channels (Telegram, contact page, API); the layout shows their count.
    NavEntry(
        "intake:queue",
        _("Triage"),
        frozenset({Role.CASEWORKER, Role.ORG_ADMIN}),
        also=("intake:take_on", "intake:merge", "intake:discard"),
    ),
    NavEntry(
        "evacuation:my_dossiers",
        _("Dossiers"),
        frozenset({Role.CASEWORKER, Role.LAWYER}),
        also=("evacuation:dossier_detail", "evacuation:dossier_export"),
    ),
    # The one inbox: deadline notifications and notices about access to one's cases. The
    # layout shows its unread count (deadlines' inbox template tag).
    NavEntry(
        "deadlines:notifications",
        _("Notices"),
        EVERYONE,
        also=("deadlines:preferences",),
    ),
    NavEntry(
        "accounts:members",
        _("Members"),
        frozenset({Role.ORG_ADMIN}),
        also=("accounts:invite",),
    ),
    NavEntry("accounts:org_audit", _("Audit log"), frozenset({Role.ORG_ADMIN})),
    NavEntry("stats:dashboard", _("Statistics"), frozenset({Role.COORDINATOR, Role.ORG_ADMIN})),
    NavEntry(
        "accounts:security",
        _("Security"),
        EVERYONE,
        also=("accounts:totp_enrol", "accounts:backup_codes"),
    ),
    NavEntry("accounts:sessions", _("Sessions"), EVERYONE),
)
# Without any membership (a platform admin, or a member just removed) only these remain.
WITHOUT_MEMBERSHIP = frozenset({"dashboard", "accounts:security", "accounts:sessions"})
# The platform admin area (staff, whatever their membership): routes and their dossiers.
PLATFORM_ADMIN = (
    NavEntry(
        "evacuation:route_list",
        _("Routes"),
        frozenset(),
        also=("evacuation:route_detail",),
    ),
)


def _is_verified(user) -> bool:
    is_verified = getattr(user, "is_verified", None)
    return bool(user.is_authenticated and callable(is_verified) and is_verified())


def navigation(request: HttpRequest) -> dict[str, object]:
    """Role flags and the navigation entries for the layout.

    No query of its own: ``request.membership`` was loaded by ActiveOrganisationMiddleware.
    A user who has passed only the password step gets no navigation at all.
    """
    membership = getattr(request, "membership", None)
    role = membership.role if membership else ""
    user = getattr(request, "user", None)
    nav: list[dict[str, object]] = []
    if user is not None and _is_verified(user):
        match = getattr(request, "resolver_match", None)
        current = match.view_name if match else ""
        platform = user.is_active and (user.is_staff or user.is_superuser)
        for entry in NAVIGATION + (PLATFORM_ADMIN if platform else ()):
            allowed = role in entry.roles if role else entry.url_name in WITHOUT_MEMBERSHIP
            if allowed or entry in PLATFORM_ADMIN:
                nav.append(
                    {
                        "name": entry.url_name,
                        "url": reverse(entry.url_name),
                        "label": entry.label,
                        "current": current in (entry.url_name, *entry.also),
                    }
                )
    return {
        "membership": membership,
        "role": role,
        "is_org_admin": role == Role.ORG_ADMIN,
        "is_coordinator": role == Role.COORDINATOR,
        "nav": nav,
    }
