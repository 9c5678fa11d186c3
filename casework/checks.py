"""System checks for the case files' configuration."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, register

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
