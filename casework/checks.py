"""System checks for the case files' configuration."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.checks import Error, Tags, register
from django.db import DatabaseError

from accounts.models import User

SAFE_HANDLER = "casework.uploads.MemoryOnlyUploadHandler"


@register()
def check_upload_handlers(app_configs, **kwargs):
    """Django's default handlers write large uploads to plaintext temporary files."""
    if list(getattr(settings, "FILE_UPLOAD_HANDLERS", [])) != [SAFE_HANDLER]:
        return [
            Error(
                "Uploads could be written to disk in plaintext.",
                hint=f'Set FILE_UPLOAD_HANDLERS = ["{SAFE_HANDLER}"].',
                id="casework.E001",
            )
        ]
    return []


@register()
def check_upload_limit(app_configs, **kwargs):
    limit = getattr(settings, "WAYPOINT_UPLOAD_MAX_BYTES", 0)
    if not isinstance(limit, int) or limit <= 0:
        return [
            Error(
                "WAYPOINT_UPLOAD_MAX_BYTES must be a positive number of bytes.",
                id="casework.E002",
            )
        ]
    return []


@register(Tags.security, Tags.database)
def check_no_global_case_permissions(app_configs, databases=None, **kwargs):
    """A global permission on cases would mean "every case" to code that trusts guardian's
    defaults. Nobody may hold one: access to a case is per object, through the selectors.

    Tagged ``database``: it reads the permission tables, so Django runs it where a database
    is at hand (``migrate``, ``check --database default``), not at import-time start-up."""
    if not databases:
        return []
    try:
        perms = Permission.objects.filter(
            content_type__app_label="casework", content_type__model="case"
        )
        users = User.objects.filter(user_permissions__in=perms).distinct().count()
        groups = Group.objects.filter(permissions__in=perms).distinct().count()
    except DatabaseError:
        # Before the first migration there is nothing to check.
        return []
    return [
        Error(
            f"{count} {holders} hold a global permission on cases.",
            hint="Remove it: case access is per object only (casework.selectors).",
            id=check_id,
        )
        for count, holders, check_id in (
            (users, "user(s)", "casework.E010"),
            (groups, "group(s)", "casework.E011"),
        )
        if count
    ]
