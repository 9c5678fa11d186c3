"""The Bot API over HTTPS (urllib). Errors carry the method and a code, never the token (it
is part of every URL) nor what was sent."""

from __future__ import annotations

import json
import os
import re
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from django.conf import settings

from accounts.models import Organisation
from intake.delivery import DeliveryError

TIMEOUT = 15
TOKEN_FORMAT = re.compile(r"\d{3,20}:[A-Za-z0-9_-]{20,100}")


class BotApiError(DeliveryError):
    """The Bot API refused or could not be reached (retried by the tasks)."""


def token_variable(organisation: Organisation) -> str:
    """The environment variable holding the organisation's bot token: WAYPOINT_TELEGRAM_TOKEN_
    and the slug in upper case, hyphens as underscores (its ``_FILE`` variant names a file)."""
    return "WAYPOINT_TELEGRAM_TOKEN_" + re.sub(r"[^A-Z0-9]", "_", organisation.slug.upper())


def bot_token(organisation: Organisation) -> str | None:
    """The organisation's bot token from the environment, or None when not configured."""
    name = token_variable(organisation)
    value = os.environ.get(name, "").strip()
    path = os.environ.get(f"{name}_FILE", "").strip()
    if not value and path:
        value = Path(path).read_text().strip()
    return value if TOKEN_FORMAT.fullmatch(value) else None


def _base() -> str:
    return settings.WAYPOINT_TELEGRAM_API_URL.rstrip("/")


def call(token: str, method: str, payload: dict[str, Any]) -> Any:
    """POSTs ``payload`` as JSON to the method; the ``result`` of an ``ok`` answer, else
    BotApiError (with the method and Telegram's error code only)."""
    request = urllib.request.Request(  # noqa: S310 - the configured Bot API URL
        f"{_base()}/bot{token}/{method}",
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
            answer = json.loads(response.read())
    except urllib.error.HTTPError as error:
        raise BotApiError(f"{method}: HTTP {error.code}") from None
    except (OSError, ValueError) as error:
        raise BotApiError(f"{method}: {type(error).__name__}") from None
    if not isinstance(answer, dict) or not answer.get("ok"):
        code = answer.get("error_code") if isinstance(answer, dict) else None
        raise BotApiError(f"{method}: refused ({code})")
    return answer.get("result")


def download(token: str, file_path: str, *, limit: int) -> bytes:
    """The file Telegram keeps at ``file_path`` (from getFile), at most ``limit`` bytes."""
    if not re.fullmatch(r"[A-Za-z0-9_./-]{1,200}", file_path) or ".." in file_path:
        raise BotApiError("download: bad file path")
    url = f"{_base()}/file/bot{token}/{file_path}"
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as response:  # noqa: S310
            data = response.read(limit + 1)
    except urllib.error.HTTPError as error:
        raise BotApiError(f"download: HTTP {error.code}") from None
    except OSError as error:
        raise BotApiError(f"download: {type(error).__name__}") from None
    if len(data) > limit:
        raise BotApiError("download: too large")
    return data
